/**
 * The NATS adapter of the Bus port (client v3: @nats-io/transport-node + @nats-io/jetstream).
 * Core types travel as core NATS messages, stream types through JetStream with their registry
 * dedupe key as Nats-Msg-Id. Everything is validated on both ends; what fails is dead-lettered on
 * `bus.deadletter` and counted, never handed to a handler. An optional `prefix` namespaces every
 * subject and stream on the wire, so tests and tenants can share one server.
 *
 * JetStream deduplicates what a stream stores, so durable consumers see a re-published message
 * once; a core subscriber to a stream type still receives every publish, duplicates included.
 * A DurablePublishError (e.g. a PubAck timeout) may hide a message that was stored: publishing the
 * same message again is the remedy, and its dedupe key makes that safe for 2 minutes.
 */
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { Msg, NatsConnection } from "@nats-io/transport-node";
import { specOf, subjectMatches, type MessageOf, type MessageType } from "../contracts/registry.ts";
import { deadLetter as deadLetterSchema, type DeadLetter } from "../contracts/ops.ts";
import { checkOutgoing } from "./codec.ts";
import { BusClosedError, BusError, DurablePublishError, InvalidMessageError } from "./errors.ts";
import {
  ACK_TIMEOUT_MS,
  DURABLE_PUBLISH_TIMEOUT_MS,
  openConnection,
  silentLogger,
  watchStatus,
  type BusLogger,
  type NatsBusOptions,
} from "./nats-connection.ts";
import { startDurableConsumer } from "./nats-consume.ts";
import { NatsLedger } from "./nats-ledger.ts";
import { encodeJson, requestOnce, respond, toBusError } from "./nats-rpc.ts";
import type { WireNames } from "./nats-streams.ts";
import {
  DEAD_LETTER_SUBJECT,
  type Bus,
  type BusStats,
  type BusStatus,
  type ConsumeOptions,
  type DurableHandler,
  type Handler,
  type OutgoingMessage,
  type PublishAck,
  type RequestOptions,
  type SubscribeOptions,
  type Subscription,
} from "./port.ts";

export type { BusLogger, NatsBusOptions } from "./nats-connection.ts";

const CORE_ACK: PublishAck = { seq: null, duplicate: false };
const decoder = new TextDecoder();

export class NatsBus implements Bus {
  readonly name: string;
  private readonly ledger: NatsLedger;
  private readonly logger: BusLogger;
  private current: BusStatus = "connected";
  private readonly listeners = new Set<(status: BusStatus) => void>();
  private readonly consumers = new Set<Subscription>();
  private closing: Promise<void> | null = null;

  /** Connects, creates or updates every registry stream, and hands out a connected bus. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const { nc, js, jsm, names } = await openConnection(options);
    return new NatsBus(nc, js, jsm, names, options);
  }

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly names: WireNames,
    private readonly options: NatsBusOptions,
  ) {
    this.name = options.name;
    this.logger = options.logger ?? silentLogger;
    this.ledger = new NatsLedger(nc, names, this.name, options.clock, this.logger);
    void watchStatus(nc, this.name, this.logger, (status) => {
      this.setStatus(status);
    });
  }

  async publish(message: OutgoingMessage): Promise<PublishAck> {
    const { subject, dedupeKey } = this.checkOrDeadLetter(message);
    const data = encodeJson(message);
    if (specOf(message.type).delivery.kind === "core") {
      this.corePublish(subject, data);
      this.ledger.counters.published += 1;
      return CORE_ACK;
    }
    try {
      const ack = await this.js.publish(this.names.subject(subject), data, {
        msgID: headerSafe(dedupeKey),
        timeout: this.options.durablePublishTimeoutMs ?? DURABLE_PUBLISH_TIMEOUT_MS,
      });
      this.ledger.counters.published += 1;
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (error) {
      throw new DurablePublishError(subject, { cause: error });
    }
  }

  publishRaw(subject: string, data: string | Uint8Array): Promise<void> {
    this.corePublish(subject, data);
    return Promise.resolve();
  }

  subscribe<T extends MessageType>(
    type: T,
    handler: Handler<T>,
    options: SubscribeOptions = {},
  ): Subscription {
    return this.natsSubscribe(this.subjectOf(type, options.subject), options.queue, (msg) => {
      const subject = this.names.logical(msg.subject);
      const message = this.ledger.accept(type, subject, msg.data);
      if (message === null) return;
      this.ledger.counters.delivered += 1;
      this.ledger.run(() => handler(message, subject), { type, subject });
    });
  }

  request<R extends MessageType>(
    message: OutgoingMessage,
    replyType: R,
    options: RequestOptions,
  ): Promise<MessageOf<R>> {
    const { subject } = this.checkOrDeadLetter(message);
    this.ledger.counters.published += 1;
    return requestOnce(this.nc, this.names, subject, encodeJson(message), replyType, options, {
      deadLetter: (s, reason, raw) => {
        this.ledger.deadLetter(s, reason, raw);
      },
    });
  }

  serve<T extends MessageType, R extends MessageType>(
    type: T,
    replyType: R,
    handler: (message: MessageOf<T>) => Promise<MessageOf<R> & { type: R }>,
    options: { queue?: string } = {},
  ): Subscription {
    return this.natsSubscribe(specOf(type).pattern, options.queue, (msg) => {
      const subject = this.names.logical(msg.subject);
      const message = this.ledger.accept(type, subject, msg.data);
      if (message === null) return;
      if (msg.reply === undefined) {
        const raw = decoder.decode(msg.data);
        this.ledger.deadLetter(subject, "no reply subject: a request type was published", raw);
        return;
      }
      this.ledger.counters.delivered += 1;
      const answer = (reply: MessageOf<R> & { type: R }) => {
        const failure = respond(msg, replyType, reply);
        if (failure === null) this.ledger.counters.published += 1;
        else this.ledger.deadLetter(replyType, failure, safeStringify(reply));
      };
      this.ledger.run(() => handler(message).then(answer), { type, subject });
    });
  }

  async consume<T extends MessageType>(
    type: T,
    options: ConsumeOptions,
    handler: DurableHandler<T>,
  ): Promise<Subscription> {
    if (this.closing !== null) throw new BusClosedError();
    const hooks = {
      names: this.names,
      ackTimeoutMs: this.options.ackTimeoutMs ?? ACK_TIMEOUT_MS,
      deadLetter: (subject: string, reason: string, raw: string) => {
        this.ledger.deadLetter(subject, reason, raw);
      },
      delivered: () => {
        this.ledger.counters.delivered += 1;
      },
      handlerFailed: (error: unknown, context: Record<string, unknown>) => {
        this.ledger.handlerFailed(error, context);
      },
    };
    const sub = await startDurableConsumer(this.js, this.jsm, hooks, type, options, handler);
    this.consumers.add(sub);
    return {
      unsubscribe: async () => {
        this.consumers.delete(sub);
        await sub.unsubscribe();
      },
    };
  }

  onDeadLetter(handler: (letter: DeadLetter) => void): Subscription {
    return this.natsSubscribe(DEAD_LETTER_SUBJECT, undefined, (msg) => {
      const letter = deadLetterSchema.safeParse(parseJson(decoder.decode(msg.data)));
      // Never dead-letter a dead letter: that could loop. Log it and move on.
      if (!letter.success) {
        this.logger.warn({ subject: msg.subject }, "malformed dead letter");
        return;
      }
      this.ledger.run(
        () => {
          handler(letter.data);
        },
        { subject: DEAD_LETTER_SUBJECT },
      );
    });
  }

  onStatus(listener: (status: BusStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): BusStatus {
    return this.current;
  }

  /** The port's counters plus `handlerErrors`: handlers that threw or rejected. */
  stats(): BusStats & { handlerErrors: number } {
    return this.ledger.snapshot();
  }

  /** Resolves once the server has processed everything sent so far (subscriptions included). */
  async flush(): Promise<void> {
    await this.nc.flush();
  }

  /** Stops durable consumers (their positions stay on the server), drains and closes. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const sub of [...this.consumers]) await sub.unsubscribe();
    this.consumers.clear();
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close();
    }
    this.setStatus("closed");
  }

  private subjectOf(type: MessageType, subject: string | undefined): string {
    const pattern = specOf(type).pattern;
    if (subject !== undefined && !subjectMatches(pattern, subject)) {
      throw new BusError("INVALID_SUBJECT", `"${subject}" is not a subject of ${type}`);
    }
    return subject ?? pattern;
  }

  private natsSubscribe(
    logical: string,
    queue: string | undefined,
    onMsg: (m: Msg) => void,
  ): Subscription {
    if (this.closing !== null || this.nc.isClosed()) throw new BusClosedError();
    const sub = this.nc.subscribe(this.names.subject(logical), {
      ...(queue === undefined ? {} : { queue }),
      callback: (error, msg) => {
        if (error === null) onMsg(msg);
        else this.logger.warn({ err: error, subject: logical }, "subscription failed");
      },
    });
    return {
      unsubscribe: async () => {
        if (sub.isClosed() || this.nc.isClosed() || this.nc.isDraining()) return;
        await sub.drain();
      },
    };
  }

  private checkOrDeadLetter(message: OutgoingMessage) {
    const check = checkOutgoing(message);
    if (check.ok) return check;
    this.ledger.deadLetter(check.subject, check.reason, safeStringify(message));
    throw new InvalidMessageError(check.subject, check.reason);
  }

  private corePublish(subject: string, data: string | Uint8Array): void {
    try {
      this.nc.publish(this.names.subject(subject), data);
    } catch (error) {
      throw toBusError(error, subject, "PUBLISH_FAILED");
    }
  }

  private setStatus(next: BusStatus): void {
    if (next === this.current) return;
    this.current = next;
    for (const listener of this.listeners) listener(next);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Nats-Msg-Id is a header: keep it to printable ASCII without changing ordinary keys. */
function headerSafe(key: string): string {
  return /^[\x21-\x7e]+$/.test(key) ? key : encodeURIComponent(key);
}
