/**
 * What the NATS adapter counts and reports: its stats, dead letters (counted, logged and
 * published on `bus.deadletter`), and handler failures, which are contained so that no throw or
 * rejection ever escapes into the client's dispatch loop.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { MessageOf, MessageType } from "../contracts/registry.ts";
import type { Clock } from "./clock.ts";
import { countDeadLetter, decode, emptyStats, makeDeadLetter } from "./codec.ts";
import type { BusLogger } from "./nats-connection.ts";
import { encodeJson } from "./nats-rpc.ts";
import type { WireNames } from "./nats-streams.ts";
import { DEAD_LETTER_SUBJECT, type BusStats } from "./port.ts";

export class NatsLedger {
  readonly counters: BusStats = emptyStats();
  handlerErrors = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: WireNames,
    private readonly busName: string,
    private readonly clock: Clock,
    private readonly logger: BusLogger,
  ) {}

  deadLetter(subject: string, reason: string, raw: string): void {
    countDeadLetter(this.counters, reason);
    this.logger.warn({ subject, reason, bus: this.busName }, "dead letter");
    const letter = makeDeadLetter(subject, reason, this.busName, this.clock.now(), raw);
    try {
      this.nc.publish(this.names.subject(DEAD_LETTER_SUBJECT), encodeJson(letter));
    } catch (error) {
      this.logger.warn({ err: error, subject, reason }, "dead letter not published");
    }
  }

  /** Decodes bytes received on `subject` as `type`; anything else is dead-lettered (null). */
  accept<T extends MessageType>(type: T, subject: string, data: Uint8Array): MessageOf<T> | null {
    const decoded = decode(subject, data);
    if (!decoded.ok) {
      this.deadLetter(subject, decoded.reason, decoded.raw);
      return null;
    }
    if (decoded.type !== type) {
      this.deadLetter(subject, `${decoded.type} is not ${type}`, JSON.stringify(decoded.message));
      return null;
    }
    return decoded.message as MessageOf<T>;
  }

  /** Runs a handler so that neither a throw nor a rejection can escape. */
  run(fn: () => unknown, context: Record<string, unknown>): void {
    try {
      const result = fn();
      if (result instanceof Promise) {
        result.catch((error: unknown) => {
          this.handlerFailed(error, context);
        });
      }
    } catch (error) {
      this.handlerFailed(error, context);
    }
  }

  handlerFailed(error: unknown, context: Record<string, unknown>): void {
    this.handlerErrors += 1;
    this.logger.warn({ err: error, bus: this.busName, ...context }, "bus handler failed");
  }

  snapshot(): BusStats & { handlerErrors: number } {
    const c = this.counters;
    return {
      ...c,
      deadLetterReasons: { ...c.deadLetterReasons },
      handlerErrors: this.handlerErrors,
    };
  }
}
