/**
 * The Bus port. Agents publish and receive typed, validated messages; whether they travel over NATS
 * (core or JetStream) or through the in-memory deterministic bus is the adapter's business. The
 * subject, delivery class and dedupe key of every message come from the contracts registry.
 */
import type { MessageOf, MessageType } from "../contracts/registry.ts";
import type { DeadLetter } from "../contracts/ops.ts";

export type Handler<T extends MessageType> = (
  message: MessageOf<T>,
  subject: string,
) => void | Promise<void>;

export interface Subscription {
  unsubscribe(): Promise<void>;
}

export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group. */
  queue?: string;
  /** A concrete subject within the type's pattern (e.g. `md.book.<token>`); default: all. */
  subject?: string;
}

export interface PublishAck {
  /** Stream sequence, or null for core messages. */
  seq: number | null;
  /** true when the stream had already stored a message with the same dedupe key. */
  duplicate: boolean;
}

export interface ConsumeOptions {
  /** Durable consumer name: its position survives the process. */
  durable: string;
  /** A message not acked within this time is redelivered. */
  ackWaitMs: number;
  /** Deliveries per message before it is given up and dead-lettered. */
  maxDeliver: number;
  /**
   * Where a new consumer starts: every stored message, only those published from now on, or the
   * last stored message of each subject.
   */
  deliverPolicy: "all" | "new" | "last_per_subject";
  /**
   * Replay instead of resume: no position is kept anywhere. Every `consume()` reads the stream
   * afresh from `deliverPolicy` and then follows it live, through a consumer private to this
   * connection (NATS: an ordered consumer; the server drops it when the connection goes). For
   * state an agent rebuilds at each start (open windows, say); every replica sees every message.
   * `durable` only names it in logs; ack and nak are no-ops; nothing is redelivered.
   */
  replay?: boolean;
  /** A concrete subject within the type's pattern; default: all. */
  subject?: string;
}

export interface DurableDelivery<T extends MessageType> {
  readonly message: MessageOf<T>;
  readonly subject: string;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  readonly streamSeq: number;
  ack(): Promise<void>;
  /** Asks for redelivery after `delayMs`. */
  nak(delayMs: number): Promise<void>;
}

export type DurableHandler<T extends MessageType> = (delivery: DurableDelivery<T>) => Promise<void>;

export type BusStatus = "connected" | "reconnecting" | "disconnected" | "closed";

export interface BusStats {
  published: number;
  delivered: number;
  deadLettered: number;
  /** Dead letters by coarse reason (bounded: the reason up to its first colon or quote). */
  deadLetterReasons: Record<string, number>;
  /** Handlers that threw or rejected; the subscription kept running. */
  handlerErrors: number;
}

export interface RequestOptions {
  timeoutMs: number;
}

export const DEAD_LETTER_SUBJECT = "bus.deadletter";

/** Any message about to be published: its `type` selects the registry entry that validates it. */
export interface OutgoingMessage {
  readonly type: MessageType;
  readonly id: string;
}

export interface Bus {
  /** The connection's name: `<agent>.<instance>`. */
  readonly name: string;

  /**
   * Validates and publishes; stream types go through JetStream with their dedupe key. Typed loosely
   * on purpose: the registry schema checks the message at run time, and `MessageFactory.make` types
   * it at the call site.
   */
  publish(message: OutgoingMessage): Promise<PublishAck>;

  /** Publishes raw bytes without validation (fuzzing, fault injection, foreign producers). */
  publishRaw(subject: string, data: string | Uint8Array): Promise<void>;

  /** Core subscription to every subject of `type`; invalid messages are dead-lettered, not handled. */
  subscribe<T extends MessageType>(
    type: T,
    handler: Handler<T>,
    options?: SubscribeOptions,
  ): Subscription;

  /** Sends `message` and waits for one reply of type `replyType`, at most `timeoutMs`. */
  request<R extends MessageType>(
    message: OutgoingMessage,
    replyType: R,
    options: RequestOptions,
  ): Promise<MessageOf<R>>;

  /** Answers requests of `type`; the handler's result is validated and sent back. */
  serve<T extends MessageType, R extends MessageType>(
    type: T,
    replyType: R,
    handler: (message: MessageOf<T>) => Promise<MessageOf<R> & { type: R }>,
    options?: { queue?: string },
  ): Subscription;

  /** Durable, at-least-once consumption from the type's stream, with explicit ack. */
  consume<T extends MessageType>(
    type: T,
    options: ConsumeOptions,
    handler: DurableHandler<T>,
  ): Promise<Subscription>;

  /** Receives every dead letter this bus (or, on NATS, any bus) reports. */
  onDeadLetter(handler: (letter: DeadLetter) => void): Subscription;

  onStatus(listener: (status: BusStatus) => void): () => void;
  status(): BusStatus;
  stats(): BusStats;

  /** Drains subscriptions and closes. */
  close(): Promise<void>;
}
