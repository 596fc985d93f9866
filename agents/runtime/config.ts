/**
 * Configuration from the environment and flags, validated by zod. A bad value fails fast with an
 * error that names the setting, its expected form and the value given.
 */
import { z } from "zod";
import { ConfigError } from "./errors.ts";

export type Source = Record<string, string | undefined>;

/**
 * Parses `source` (environment-style keys) with `schema`; the first issue becomes a ConfigError
 * naming its key.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, source: Source): z.infer<S> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = issue?.path.join(".") ?? "(config)";
  const given = typeof issue?.path[0] === "string" ? source[issue.path[0]] : undefined;
  const shown = given === undefined ? "it is missing" : `got ${JSON.stringify(given)}`;
  throw new ConfigError(key, `${issue?.message ?? "invalid"} (${shown})`);
}

/** An integer from an environment string, with bounds. */
export function intSetting(min: number, max: number) {
  return z.coerce
    .number({ error: "expected an integer" })
    .int("expected an integer")
    .min(min, `expected at least ${min}`)
    .max(max, `expected at most ${max}`);
}

export const modeSetting = z
  .enum(["paper", "dry-run", "live", "sim"], { error: "expected paper, dry-run, live or sim" })
  .default("paper");

/** Settings every agent process shares. */
export const runtimeSettings = z.object({
  PREDATOR_INSTANCE: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "expected letters, digits, _ or - (max 64)")
    .optional(),
  PREDATOR_MODE: modeSetting,
  NATS_URL: z.string().min(1).optional(),
  /** Replicas of the JetStream streams: 3 on a three-node NATS cluster (multi-host). */
  PREDATOR_NATS_REPLICAS: intSetting(1, 5).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "expected a postgres:// URL")
    .optional(),
  PREDATOR_HEARTBEAT_MS: intSetting(50, 60_000).default(200),
  PREDATOR_MAILBOX_CAPACITY: intSetting(10, 1_000_000).default(10_000),
  PREDATOR_STOP_TIMEOUT_MS: intSetting(100, 120_000).default(5_000),
  PREDATOR_LEASE_TTL_MS: intSetting(200, 600_000).default(3_000),
});
export type RuntimeSettings = z.infer<typeof runtimeSettings>;

/** What each setting means (docs/configuration.md is generated from this and the schema). */
export const RUNTIME_SETTING_DOCS: Record<keyof typeof runtimeSettings.shape, string> = {
  PREDATOR_INSTANCE: "this process's instance id (default: the host name in a container, else 1)",
  PREDATOR_MODE: "paper, dry-run, live or sim: what the venue is and what orders mean",
  NATS_URL: "the NATS server(s); with DATABASE_URL set, `npm start` runs one process per agent",
  PREDATOR_NATS_REPLICAS:
    "JetStream replicas of the order, fill and decision streams (3 on a three-node NATS cluster)",
  DATABASE_URL: "PostgreSQL; absent: the embedded store (npm start)",
  PREDATOR_HEARTBEAT_MS: "how often every agent heartbeats (hang detection: agent_timeout_ms)",
  PREDATOR_MAILBOX_CAPACITY: "messages an agent's mailbox holds before it refuses more",
  PREDATOR_STOP_TIMEOUT_MS: "how long a graceful stop may take before the process exits anyway",
  PREDATOR_LEASE_TTL_MS: "a singleton's lease lives this long unrenewed (standby takeover time)",
};
