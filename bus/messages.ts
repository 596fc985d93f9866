/**
 * Builds envelopes: a fresh id from the Rng, `ts` from the Clock, and the correlation chain from
 * the message that caused this one (or a new chain when there is none).
 */
import { SCHEMA_VERSION, type Source } from "../contracts/envelope.ts";
import type { MessageOf, MessageType } from "../contracts/registry.ts";
import type { Clock } from "./clock.ts";
import type { Rng } from "./rng.ts";

export type EnvelopeKey = "id" | "type" | "v" | "ts" | "source" | "correlationId" | "causationId";
export type Payload<T extends MessageType> = Omit<MessageOf<T>, EnvelopeKey>;
export type Outgoing<T extends MessageType> = MessageOf<T> & { type: T };

/** The part of a received message that a reply or consequence links back to. */
export interface Cause {
  id: string;
  correlationId: string;
}

export class MessageFactory {
  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    readonly source: Source,
  ) {}

  make<T extends MessageType>(type: T, payload: Payload<T>, cause?: Cause | null): Outgoing<T> {
    const id = this.rng.uuid();
    return {
      ...payload,
      id,
      type,
      v: SCHEMA_VERSION,
      ts: this.clock.now(),
      source: this.source,
      correlationId: cause?.correlationId ?? id,
      causationId: cause?.id ?? null,
    } as Outgoing<T>;
  }
}
