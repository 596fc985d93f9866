/**
 * The in-memory broker's JetStream half (see bus/memory.ts): streams with a duplicate window and a
 * max age, and durable consumers with ack-wait redelivery. It stores and hands out; delivery to a
 * subscription goes back through the broker (`StreamRouter`), so fault injection, the seeded
 * delivery order and the event-log hash see stream messages exactly as they see core ones.
 */
import {
  DUPLICATE_WINDOW_MS,
  STREAM_MAX_AGE_MS,
  STREAM_MAX_MESSAGES,
  STREAMS,
  specOf,
  subjectMatches,
  type MessageType,
  type StreamName,
} from "../contracts/registry.ts";
import type { Clock } from "./clock.ts";
import type { Decoded } from "./codec.ts";
import type {
  ConsumerState,
  DurableEnvelope,
  Envelope,
  StoredMessage,
  StreamState,
  Sub,
} from "./memory-types.ts";

/** Subjects whose capturing stream is cached (bounded). */
const CAPTURE_CACHE_MAX = 4_096;

/**
 * Messages older than the broker's max age leave their stream once the oldest is this much past
 * it (one trim per hour of stream time, not one per append).
 */
const TRIM_SLACK_MS = 3_600_000;
/** …or once it holds this many messages over the count limit. */
const TRIM_SLACK_MESSAGES = 10_000;

/** What the streams need of the broker: its clock, and delivery to subscriptions. */
export interface StreamRouter {
  readonly clock: Clock;
  /** Routes a message to matching subscriptions; `capture` false: it is already stored. */
  route(env: Envelope, capture: boolean): number;
  /** Queues one message for one subscription (through the fault injector). */
  enqueue(sub: Sub, env: Envelope): void;
}

export class MemoryStreams {
  private readonly clock: Clock;
  private readonly streams = new Map<StreamName, StreamState>();
  private readonly consumers = new Map<string, ConsumerState>();
  private readonly captureCache = new Map<string, StreamState | null>();
  private readonly streamMaxAgeMs: number;

  constructor(
    private readonly router: StreamRouter,
    streamMaxAgeMs: number = STREAM_MAX_AGE_MS,
  ) {
    this.clock = router.clock;
    this.streamMaxAgeMs = streamMaxAgeMs;
    for (const name of Object.keys(STREAMS) as StreamName[]) {
      this.streams.set(name, { name, messages: [], firstSeq: 1, nextSeq: 1, dedupe: new Map() });
    }
  }

  // ---- streams -------------------------------------------------------------------------------

  /**
   * Stores a stream message, already validated by the publishing connection (`checkOutgoing`),
   * unless its dedupe key is inside the duplicate window.
   */
  publishDurable(
    checked: { subject: string; dedupeKey: string; message: { type: MessageType } },
    raw: string,
    decoded: Decoded | null = null,
  ): { seq: number; duplicate: boolean } {
    const spec = specOf(checked.message.type);
    if (spec.delivery.kind !== "stream") {
      throw new Error(`Invariant: publishDurable called for non-stream ${checked.message.type}`);
    }
    const stream = this.stream(spec.delivery.stream);
    const now = this.clock.now();
    const seen = stream.dedupe.get(checked.dedupeKey);
    if (seen !== undefined && now - seen.at < DUPLICATE_WINDOW_MS) {
      return { seq: seen.seq, duplicate: true };
    }
    const env: Envelope = { subject: checked.subject, raw, replyTo: null, decoded };
    const seq = this.append(stream, env);
    // Re-inserted, so the map stays in time order for trim().
    stream.dedupe.delete(checked.dedupeKey);
    stream.dedupe.set(checked.dedupeKey, { seq, at: now });
    this.router.route(env, false);
    return { seq, duplicate: false };
  }

  /** A core publish on a stream's subject is captured by that stream, as on a NATS server. */
  capture(env: Envelope): void {
    let stream = this.captureCache.get(env.subject);
    if (stream === undefined) {
      if (this.captureCache.size >= CAPTURE_CACHE_MAX) this.captureCache.clear();
      stream = null;
      for (const s of this.streams.values()) {
        if (STREAMS[s.name].subjects.some((p) => subjectMatches(p, env.subject))) {
          stream = s;
          break;
        }
      }
      this.captureCache.set(env.subject, stream);
    }
    if (stream !== null) this.append(stream, env);
  }

  private append(stream: StreamState, env: Envelope): number {
    const at = this.clock.now();
    this.trim(stream, at);
    const seq = stream.nextSeq++;
    // No consumer wants it now (cro.state, a day of which the simulator keeps): the stream keeps
    // the bytes only, so a day of parsed copies is not left for the garbage collector to trace. A
    // later replay parses what it reads; the subscribers delivered to now share the parsed copy.
    const readers = [...this.consumers.values()].filter((c) => c.stream === stream);
    const wanted = readers.some((c) => subjectMatches(c.filter, env.subject));
    const kept = wanted || env.decoded === null ? env : { ...env, decoded: null };
    stream.messages.push({ seq, env: kept, at });
    for (const consumer of readers) this.feed(consumer);
    return seq;
  }

  /**
   * Drops messages past the max age (as a NATS stream with `max_age` does) and dedupe keys past
   * the duplicate window, so a long simulation's memory stays bounded.
   */
  private trim(stream: StreamState, now: number): void {
    const messages = stream.messages;
    const head = messages[0];
    const over = messages.length - STREAM_MAX_MESSAGES;
    if (
      over > TRIM_SLACK_MESSAGES ||
      (head !== undefined && now - head.at > this.streamMaxAgeMs + TRIM_SLACK_MS)
    ) {
      let drop = Math.max(0, over);
      while (drop < messages.length && now - (messages[drop]?.at ?? now) > this.streamMaxAgeMs) {
        drop++;
      }
      messages.splice(0, drop);
      stream.firstSeq += drop;
    }
    for (const [key, seen] of stream.dedupe) {
      if (now - seen.at < DUPLICATE_WINDOW_MS) break;
      stream.dedupe.delete(key);
    }
  }

  /** The retained message with sequence `seq`, or undefined (never stored, or aged out). */
  private stored(stream: StreamState, seq: number): StoredMessage | undefined {
    return stream.messages[seq - stream.firstSeq];
  }

  stream(name: StreamName): StreamState {
    const s = this.streams.get(name);
    if (s === undefined) throw new Error(`Invariant: unknown stream ${name}`);
    return s;
  }

  // ---- durable consumers ---------------------------------------------------------------------

  consumer(
    stream: StreamName,
    durable: string,
    init: {
      filter: string;
      ackWaitMs: number;
      maxDeliver: number;
      deliverPolicy: "all" | "new" | "last_per_subject";
    },
  ): ConsumerState {
    const key = `${stream}/${durable}`;
    let c = this.consumers.get(key);
    if (c === undefined) {
      const state = this.stream(stream);
      c = {
        key,
        stream: state,
        filter: init.filter,
        ackWaitMs: init.ackWaitMs,
        maxDeliver: init.maxDeliver,
        cursor: init.deliverPolicy === "all" ? state.firstSeq : state.nextSeq,
        inFlight: new Map(),
        // The last stored message of each matching subject goes out first, on attach.
        redeliver:
          init.deliverPolicy === "last_per_subject" ? lastPerSubject(state, init.filter) : [],
        active: null,
      };
      this.consumers.set(key, c);
    } else {
      c.filter = init.filter;
      c.ackWaitMs = init.ackWaitMs;
      c.maxDeliver = init.maxDeliver;
    }
    return c;
  }

  /** Forgets a consumer and its position (a replay consumer, when its subscription ends). */
  dropConsumer(consumer: ConsumerState): void {
    for (const entry of consumer.inFlight.values()) {
      if (entry.timer !== null) this.clock.clearTimer(entry.timer);
    }
    consumer.inFlight.clear();
    consumer.active = null;
    this.consumers.delete(consumer.key);
  }

  attach(consumer: ConsumerState, sub: Sub): void {
    consumer.active = sub;
    for (const seq of consumer.redeliver.splice(0)) this.handOut(consumer, seq);
    this.feed(consumer);
  }

  detach(consumer: ConsumerState, sub: Sub): void {
    if (consumer.active === sub) consumer.active = null;
  }

  /** Hands out every not-yet-delivered stream message that matches the consumer's filter. */
  private feed(consumer: ConsumerState): void {
    if (consumer.active === null) return;
    const stream = consumer.stream;
    consumer.cursor = Math.max(consumer.cursor, stream.firstSeq);
    while (consumer.cursor < stream.nextSeq) {
      const stored = this.stored(stream, consumer.cursor);
      consumer.cursor++;
      if (stored !== undefined && subjectMatches(consumer.filter, stored.env.subject)) {
        this.handOut(consumer, stored.seq);
      }
    }
  }

  private handOut(consumer: ConsumerState, seq: number): void {
    const sub = consumer.active;
    const stored = this.stored(consumer.stream, seq);
    if (stored === undefined) {
      // Aged out of the stream: gone, as on a NATS server.
      const entry = consumer.inFlight.get(seq);
      if (entry?.timer != null) this.clock.clearTimer(entry.timer);
      consumer.inFlight.delete(seq);
      return;
    }
    if (sub === null) {
      consumer.redeliver.push(seq);
      return;
    }
    const entry = consumer.inFlight.get(seq) ?? { deliveries: 0, timer: null };
    entry.deliveries++;
    if (entry.timer !== null) this.clock.clearTimer(entry.timer);
    entry.timer = this.clock.setTimer(consumer.ackWaitMs, () => {
      this.ackExpired(consumer, seq);
    });
    consumer.inFlight.set(seq, entry);
    this.router.enqueue(sub, durableEnvelope(stored, entry.deliveries));
  }

  private ackExpired(consumer: ConsumerState, seq: number): void {
    const entry = consumer.inFlight.get(seq);
    if (entry === undefined) return;
    entry.timer = null;
    if (entry.deliveries >= consumer.maxDeliver) {
      consumer.inFlight.delete(seq);
      return;
    }
    if (consumer.active === null) consumer.redeliver.push(seq);
    else this.handOut(consumer, seq);
  }

  ack(consumer: ConsumerState, seq: number): void {
    const entry = consumer.inFlight.get(seq);
    if (entry === undefined) return;
    if (entry.timer !== null) this.clock.clearTimer(entry.timer);
    consumer.inFlight.delete(seq);
  }

  nak(consumer: ConsumerState, seq: number, delayMs: number): void {
    const entry = consumer.inFlight.get(seq);
    if (entry === undefined) return;
    if (entry.timer !== null) this.clock.clearTimer(entry.timer);
    entry.timer = this.clock.setTimer(delayMs, () => {
      this.ackExpired(consumer, seq);
    });
  }

  /** Gives up on a message (invalid, or out of deliveries): it is never delivered again. */
  term(consumer: ConsumerState, seq: number): void {
    this.ack(consumer, seq);
  }
}

function durableEnvelope(stored: StoredMessage, deliveryCount: number): DurableEnvelope {
  return { ...stored.env, streamSeq: stored.seq, deliveryCount, decoded: stored.env.decoded };
}

/** The stream positions of the last message of each subject matching `filter`, oldest first. */
function lastPerSubject(stream: StreamState, filter: string): number[] {
  const last = new Map<string, number>();
  for (const stored of stream.messages) {
    if (subjectMatches(filter, stored.env.subject)) last.set(stored.env.subject, stored.seq);
  }
  return [...last.values()].sort((a, b) => a - b);
}
