/**
 * A broken invariant: the actor's state can no longer be trusted. The runtime crashes the actor
 * (crash-only design); the supervisor restarts it and startup rebuilds state from durable sources.
 * Messages start with "Invariant:" as in NautilusTrader.
 */
export class InvariantError extends Error {
  readonly code = "INVARIANT";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message.startsWith("Invariant:") ? message : `Invariant: ${message}`, options);
    this.name = "InvariantError";
  }
}

/** Asserts `condition`; throws InvariantError otherwise. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}

/** A bad setting in the environment or on the command line. Names the setting. */
export class ConfigError extends Error {
  readonly code = "CONFIG";
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = "ConfigError";
  }
}

/** A singleton without its lease tried to publish: a standby or deposed leader must not send. */
export class FencedPublishError extends Error {
  readonly code = "NOT_LEADER";
  constructor(message: string) {
    super(`not leader: ${message}`);
    this.name = "FencedPublishError";
  }
}
