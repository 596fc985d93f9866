/** One agent's connection to a MemoryBroker; see bus/memory.ts for the delivery model. */
import { schemas, specOf, type MessageOf, type MessageType } from "../contracts/registry.ts";
import type { DeadLetter } from "../contracts/ops.ts";
import type {
  Bus,
  BusStats,
  BusStatus,
  ConsumeOptions,
  DurableHandler,
  Handler,
  OutgoingMessage,
  PublishAck,
  RequestOptions,
  Subscription,
} from "./port.ts";
import { DEAD_LETTER_SUBJECT } from "./port.ts";
import {
  checkOutgoing,
  countDeadLetter,
  emptyStats,
  makeDeadLetter,
  type Decoded,
} from "./codec.ts";
import {
  BusClosedError,
  BusError,
  InvalidMessageError,
  NoRespondersError,
  RequestTimeoutError,
} from "./errors.ts";
import type { BrokerLink, ConsumerState, DurableEnvelope, Envelope, Sub } from "./memory-types.ts";

export class MemoryBus implements Bus {
  private readonly counters: BusStats = emptyStats();
  private readonly subs = new Set<Sub>();
  private readonly statusListeners = new Set<(s: BusStatus) => void>();
  private current: BusStatus = "connected";
  private inboxSeq = 0;
  private replaySeq = 0;
  private readonly replays = new Set<ConsumerState>();

  constructor(
    private readonly broker: BrokerLink,
    readonly name: string,
  ) {}

  publish(message: OutgoingMessage): Promise<PublishAck> {
    this.assertOpen();
    const checked = checkOutgoing(message);
    if (!checked.ok) {
      this.reportDeadLetter(checked.subject, checked.reason, JSON.stringify(message));
      return Promise.reject(new InvalidMessageError(checked.subject, checked.reason));
    }
    const raw = JSON.stringify(message);
    this.counters.published++;
    // Validated just now: receivers share this parsed copy instead of parsing the bytes again.
    const decoded: Decoded = { ok: true, type: message.type, message: checked.message };
    if (specOf(message.type).delivery.kind === "stream") {
      return Promise.resolve(this.broker.publishDurable(checked, raw, decoded));
    }
    this.broker.route({ subject: checked.subject, raw, replyTo: null, decoded });
    return Promise.resolve({ seq: null, duplicate: false });
  }

  publishRaw(subject: string, data: string | Uint8Array): Promise<void> {
    this.assertOpen();
    const raw = typeof data === "string" ? data : new TextDecoder().decode(data);
    this.counters.published++;
    this.broker.route({ subject, raw, replyTo: null, decoded: null });
    return Promise.resolve();
  }

  subscribe<T extends MessageType>(
    type: T,
    handler: Handler<T>,
    options: { queue?: string; subject?: string } = {},
  ): Subscription {
    this.assertOpen();
    const pattern = options.subject ?? specOf(type).pattern;
    const sub = this.broker.addSub(this, pattern, options.queue ?? null, (env) => {
      const message = this.accept(env, type);
      if (message !== null) this.invoke(() => handler(message, env.subject), env.subject);
    });
    return this.track(sub);
  }

  request<R extends MessageType>(
    message: OutgoingMessage,
    replyType: R,
    options: RequestOptions,
  ): Promise<MessageOf<R>> {
    this.assertOpen();
    const checked = checkOutgoing(message);
    if (!checked.ok) {
      this.reportDeadLetter(checked.subject, checked.reason, JSON.stringify(message));
      return Promise.reject(new InvalidMessageError(checked.subject, checked.reason));
    }
    if (!this.broker.hasResponders(checked.subject)) {
      return Promise.reject(new NoRespondersError(checked.subject));
    }
    const inbox = `_INBOX.${this.name}.${++this.inboxSeq}`;
    return new Promise<MessageOf<R>>((resolve, reject) => {
      const clock = this.broker.clock;
      const timer = clock.setTimer(options.timeoutMs, () => {
        this.drop(sub);
        reject(new RequestTimeoutError(checked.subject, options.timeoutMs));
      });
      const sub = this.broker.addSub(this, inbox, null, (env) => {
        clock.clearTimer(timer);
        this.drop(sub);
        const parsed = parseJson(env.raw);
        const result = schemas[replyType].safeParse(parsed);
        if (!result.success) {
          this.reportDeadLetter(env.subject, `invalid reply ${replyType}`, env.raw);
          reject(new BusError("INVALID_REPLY", `invalid ${replyType} reply to ${checked.subject}`));
          return;
        }
        this.counters.delivered++;
        resolve(result.data as MessageOf<R>);
      });
      this.subs.add(sub);
      this.counters.published++;
      this.broker.route({
        subject: checked.subject,
        raw: JSON.stringify(message),
        replyTo: inbox,
        decoded: null,
      });
    });
  }

  serve<T extends MessageType, R extends MessageType>(
    type: T,
    replyType: R,
    handler: (message: MessageOf<T>) => Promise<MessageOf<R> & { type: R }>,
    options: { queue?: string } = {},
  ): Subscription {
    this.assertOpen();
    const sub = this.broker.addSub(this, specOf(type).pattern, options.queue ?? null, (env) => {
      const message = this.accept(env, type);
      const replyTo = env.replyTo;
      if (message === null || replyTo === null) return;
      this.invoke(async () => {
        const reply = await handler(message);
        const result = schemas[replyType].safeParse(reply);
        if (!result.success) {
          this.reportDeadLetter(replyTo, `invalid reply ${replyType}`, JSON.stringify(reply));
          return;
        }
        this.broker.route({
          subject: replyTo,
          raw: JSON.stringify(reply),
          replyTo: null,
          decoded: null,
        });
      }, env.subject);
    });
    return this.track(sub);
  }

  consume<T extends MessageType>(
    type: T,
    options: ConsumeOptions,
    handler: DurableHandler<T>,
  ): Promise<Subscription> {
    this.assertOpen();
    const spec = specOf(type);
    if (spec.delivery.kind !== "stream") {
      return Promise.reject(new BusError("NOT_DURABLE", `${type} is not carried by a stream`));
    }
    // A replay is a consumer of its own, read once from its start and dropped when unsubscribed.
    const replay = options.replay === true;
    const name = replay
      ? `${options.durable}#replay.${this.name}.${++this.replaySeq}`
      : options.durable;
    const consumer = this.broker.consumer(spec.delivery.stream, name, {
      filter: options.subject ?? spec.pattern,
      ackWaitMs: options.ackWaitMs,
      maxDeliver: replay ? 1 : options.maxDeliver,
      deliverPolicy: options.deliverPolicy,
    });
    const sub = this.broker.addSub(this, `$consumer.${consumer.key}`, null, (env) => {
      const d = env as DurableEnvelope;
      const message = this.accept(env, type);
      if (message === null) {
        this.broker.term(consumer, d.streamSeq);
        return;
      }
      this.invoke(async () => {
        try {
          await handler({
            message,
            subject: env.subject,
            deliveryCount: d.deliveryCount,
            streamSeq: d.streamSeq,
            ack: () => {
              this.broker.ack(consumer, d.streamSeq);
              return Promise.resolve();
            },
            nak: (delayMs) => {
              // A replay redelivers nothing: a nak just lets the message go.
              if (replay) this.broker.ack(consumer, d.streamSeq);
              else this.broker.nak(consumer, d.streamSeq, delayMs);
              return Promise.resolve();
            },
          });
        } catch (error) {
          if (replay) {
            this.broker.ack(consumer, d.streamSeq);
            throw error;
          }
          if (d.deliveryCount >= options.maxDeliver) {
            this.broker.term(consumer, d.streamSeq);
            this.reportDeadLetter(env.subject, `max deliveries: ${errorText(error)}`, env.raw);
            return;
          }
          throw error;
        }
      }, env.subject);
    });
    this.subs.add(sub);
    if (replay) this.replays.add(consumer);
    this.broker.attach(consumer, sub);
    return Promise.resolve({
      unsubscribe: () => {
        this.broker.detach(consumer, sub);
        if (replay) {
          this.replays.delete(consumer);
          this.broker.dropConsumer(consumer);
        }
        this.drop(sub);
        return Promise.resolve();
      },
    });
  }

  onDeadLetter(handler: (letter: DeadLetter) => void): Subscription {
    const remove = this.broker.addDeadLetterListener(handler);
    return {
      unsubscribe: () => {
        remove();
        return Promise.resolve();
      },
    };
  }

  onStatus(listener: (status: BusStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  status(): BusStatus {
    return this.current;
  }

  /**
   * Fault injection: reports a connection status change, as NATS does when it loses or regains the
   * server. Messages keep flowing; what is under test is how the listeners (agents) fail closed.
   */
  simulateStatus(status: Exclude<BusStatus, "closed">): void {
    this.assertOpen();
    if (status !== this.current) this.setStatus(status);
  }

  stats(): BusStats {
    return { ...this.counters, deadLetterReasons: { ...this.counters.deadLetterReasons } };
  }

  close(): Promise<void> {
    for (const sub of [...this.subs]) this.drop(sub);
    for (const consumer of this.replays) this.broker.dropConsumer(consumer);
    this.replays.clear();
    this.setStatus("closed");
    return Promise.resolve();
  }

  /** Decodes and validates an incoming message for `type`; dead-letters it if invalid. */
  private accept<T extends MessageType>(env: Envelope, type: T): MessageOf<T> | null {
    const decoded = this.broker.decodeOnce(env);
    if (!decoded.ok) {
      this.reportDeadLetter(env.subject, decoded.reason, decoded.raw);
      return null;
    }
    if (decoded.type !== type) {
      this.reportDeadLetter(env.subject, `expected ${type}, got ${decoded.type}`, env.raw);
      return null;
    }
    this.counters.delivered++;
    return decoded.message as MessageOf<T>;
  }

  private invoke(fn: () => void | Promise<void>, subject: string): void {
    try {
      const result = fn();
      if (result instanceof Promise) {
        result.catch((error: unknown) => {
          this.handlerFailed(subject, error);
        });
      }
    } catch (error) {
      this.handlerFailed(subject, error);
    }
  }

  private handlerFailed(subject: string, error: unknown): void {
    this.counters.handlerErrors++;
    this.broker.reportHandlerError(this.name, subject, error);
  }

  private reportDeadLetter(subject: string, reason: string, raw: string): void {
    countDeadLetter(this.counters, reason);
    const letter = makeDeadLetter(subject, reason, this.name, this.broker.clock.now(), raw);
    this.broker.deadLetter(letter);
    this.broker.route(
      { subject: DEAD_LETTER_SUBJECT, raw: JSON.stringify(letter), replyTo: null, decoded: null },
      false,
    );
  }

  private track(sub: Sub): Subscription {
    this.subs.add(sub);
    return {
      unsubscribe: () => {
        this.drop(sub);
        return Promise.resolve();
      },
    };
  }

  private drop(sub: Sub): void {
    this.subs.delete(sub);
    this.broker.removeSub(sub);
  }

  private assertOpen(): void {
    if (this.current === "closed") throw new BusClosedError(`bus ${this.name} is closed`);
  }

  private setStatus(status: BusStatus): void {
    this.current = status;
    for (const listener of this.statusListeners) listener(status);
  }
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
