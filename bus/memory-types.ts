/**
 * The in-memory bus's shared shapes: what the broker (bus/memory.ts) and each connection
 * (bus/memory-bus.ts) exchange. Both import this file and neither imports the other's module for
 * types, so the two halves of the adapter form no import cycle.
 */
import type { MessageType, StreamName } from "../contracts/registry.ts";
import type { DeadLetter } from "../contracts/ops.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import type { Decoded } from "./codec.ts";

/** The connection a subscription belongs to, as the broker needs to know it (its name). */
export interface SubOwner {
  readonly name: string;
}

export interface Envelope {
  readonly subject: string;
  readonly raw: string;
  readonly replyTo: string | null;
  decoded: Decoded | null;
}

export interface Sub {
  readonly id: number;
  readonly conn: SubOwner;
  readonly pattern: string;
  readonly queue: string | null;
  readonly deliver: (env: Envelope) => void;
  readonly pending: Envelope[];
  closed: boolean;
}

export interface StoredMessage {
  seq: number;
  env: Envelope;
  at: number;
}

export interface StreamState {
  readonly name: StreamName;
  /** Retained messages, oldest first; `messages[i].seq === firstSeq + i`. */
  readonly messages: StoredMessage[];
  /** Sequence of `messages[0]` (the next sequence when the stream is empty). */
  firstSeq: number;
  /** Sequence the next appended message gets. */
  nextSeq: number;
  /** Dedupe key → first publish, in insertion (= time) order, pruned past the window. */
  readonly dedupe: Map<string, { seq: number; at: number }>;
}

export interface ConsumerState {
  readonly key: string;
  readonly stream: StreamState;
  filter: string;
  ackWaitMs: number;
  maxDeliver: number;
  /** Next stream position to hand out for the first time. */
  cursor: number;
  /** seq → deliveries so far, for messages handed out and not yet acked or given up. */
  readonly inFlight: Map<number, { deliveries: number; timer: TimerHandle | null }>;
  /** Messages whose ack wait expired while nobody was attached; redelivered on attach. */
  readonly redeliver: number[];
  active: Sub | null;
}

/** One delivery as a fault injector sees it (see `MemoryBroker.setFaultInjector`). */
export interface DeliveryInfo {
  /** The receiving connection's name (`<agent>.<instance>` for fleet members). */
  readonly to: string;
  readonly subject: string;
  readonly raw: string;
  /** A stream (JetStream-like) delivery: at-least-once, redelivered after ack-wait if dropped. */
  readonly durable: boolean;
  /** The sending agent, from the envelope's `source` (decoded on demand; null if undecodable). */
  sender(): string | null;
}

/**
 * What happens to one delivery. A dropped durable delivery stays un-acked and comes back after
 * ack-wait, as on NATS; `corrupt` hands the receiver mangled bytes (a durable one also gets the
 * intact copy after it, so corruption never loses a stream message).
 */
export type DeliveryFault =
  | { kind: "deliver" }
  | { kind: "drop" }
  | { kind: "delay"; ms: number }
  | { kind: "duplicate" }
  | { kind: "corrupt" };

export type FaultInjector = (delivery: DeliveryInfo) => DeliveryFault;

/**
 * What a tap sees: every message as it is published (routed to subscribers or stored by a stream,
 * before any delivery) and every delivery to a connection. Observation only (the simulator's
 * invariant checker); a tap must not publish or throw.
 */
export interface BusTapEvent {
  readonly phase: "publish" | "deliver";
  readonly at: number;
  /** The receiving connection for deliveries; "" for publishes. */
  readonly connection: string;
  readonly subject: string;
  readonly raw: string;
  /** The validated message, parsed at most once per envelope (shared with the receivers). */
  decoded(): Decoded;
}
export type BusTap = (event: BusTapEvent) => void;

/** Stream deliveries carry their sequence and delivery count beside the bytes. */
export interface DurableEnvelope extends Envelope {
  readonly streamSeq: number;
  readonly deliveryCount: number;
}

/** The broker operations one connection (`MemoryBus`) uses; `MemoryBroker` implements them. */
export interface BrokerLink {
  readonly clock: Clock;
  publishDurable(
    checked: { subject: string; dedupeKey: string; message: { type: MessageType } },
    raw: string,
    decoded?: Decoded | null,
  ): { seq: number; duplicate: boolean };
  route(env: Envelope, capture?: boolean): number;
  addSub(
    conn: SubOwner,
    pattern: string,
    queue: string | null,
    deliver: (e: Envelope) => void,
  ): Sub;
  removeSub(sub: Sub): void;
  hasResponders(subject: string): boolean;
  decodeOnce(env: Envelope): Decoded;
  reportHandlerError(connection: string, subject: string, error: unknown): void;
  deadLetter(letter: DeadLetter): void;
  addDeadLetterListener(listener: (letter: DeadLetter) => void): () => void;
  consumer(
    stream: StreamName,
    durable: string,
    init: {
      filter: string;
      ackWaitMs: number;
      maxDeliver: number;
      deliverPolicy: "all" | "new" | "last_per_subject";
    },
  ): ConsumerState;
  dropConsumer(consumer: ConsumerState): void;
  attach(consumer: ConsumerState, sub: Sub): void;
  detach(consumer: ConsumerState, sub: Sub): void;
  ack(consumer: ConsumerState, seq: number): void;
  nak(consumer: ConsumerState, seq: number, delayMs: number): void;
  term(consumer: ConsumerState, seq: number): void;
}
