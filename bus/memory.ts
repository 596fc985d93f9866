/**
 * The in-memory Bus adapter: one `MemoryBroker` stands in for the NATS server (core subjects,
 * JetStream streams with a duplicate window, durable consumers with ack-wait redelivery), and each
 * `broker.connect(name)` is one agent's connection. Delivery happens on the injected Clock, one
 * message per clock event; which subscription's next message goes first is drawn from the seeded
 * Rng, while each subscription sees its own messages in publish order. The same seed and inputs
 * therefore give the same delivery order, which `logHash()` fingerprints.
 */
import { createHash, type Hash } from "node:crypto";
import {
  DUPLICATE_WINDOW_MS,
  STREAM_MAX_AGE_MS,
  STREAM_MAX_MESSAGES,
  STREAMS,
  specOf,
  subjectMatches,
  type StreamName,
} from "../contracts/registry.ts";
import type { MessageType } from "../contracts/registry.ts";
import type { DeadLetter } from "../contracts/ops.ts";
import type { Clock } from "./clock.ts";
import type { Rng } from "./rng.ts";
import { decode, type Decoded } from "./codec.ts";
import { MemoryBus } from "./memory-bus.ts";
import type {
  BrokerLink,
  BusTap,
  BusTapEvent,
  ConsumerState,
  DeliveryFault,
  DeliveryInfo,
  DurableEnvelope,
  Envelope,
  FaultInjector,
  StoredMessage,
  StreamState,
  Sub,
  SubOwner,
} from "./memory-types.ts";

export { MemoryBus };
export type {
  BusTap,
  BusTapEvent,
  ConsumerState,
  DeliveryFault,
  DeliveryInfo,
  DurableEnvelope,
  Envelope,
  FaultInjector,
  Sub,
};

/** Subjects whose matching subscriptions (and capturing stream) are cached. */
const MATCH_CACHE_MAX = 4_096;

/** NATS JetStream's default duplicate window. */
export { DUPLICATE_WINDOW_MS };

/**
 * Messages older than the broker's max age leave their stream once the oldest is this much past
 * it (one trim per hour of stream time, not one per append).
 */
const TRIM_SLACK_MS = 3_600_000;
/** …or once it holds this many messages over the count limit. */
const TRIM_SLACK_MESSAGES = 10_000;

const DELIVER: DeliveryFault = { kind: "deliver" };

/** What the fault injector sees of one delivery (one per delivery, so no closure). */
class PendingDelivery implements DeliveryInfo {
  readonly subject: string;
  readonly raw: string;
  readonly durable: boolean;

  constructor(
    private readonly broker: MemoryBroker,
    readonly to: string,
    private readonly env: Envelope,
  ) {
    this.subject = env.subject;
    this.raw = env.raw;
    this.durable = "streamSeq" in env;
  }

  sender(): string | null {
    const decoded = this.broker.decodeOnce(this.env);
    return decoded.ok ? decoded.message.source.agent : null;
  }
}

/** A tap event: one per publish and per delivery, so no closure per event (a class method). */
class TapEvent implements BusTapEvent {
  constructor(
    private readonly broker: MemoryBroker,
    readonly phase: BusTapEvent["phase"],
    readonly at: number,
    readonly connection: string,
    private readonly env: Envelope,
  ) {}

  get subject(): string {
    return this.env.subject;
  }

  get raw(): string {
    return this.env.raw;
  }

  decoded(): Decoded {
    return this.broker.decodeOnce(this.env);
  }
}

export interface MemoryBrokerOptions {
  clock: Clock;
  rng: Rng;
  /** Keep every delivery line in memory (tests); the running hash is always kept. */
  recordLog?: boolean;
  /** Told when a handler throws; the subscription keeps running either way. */
  onHandlerError?: (connection: string, subject: string, error: unknown) => void;
  /**
   * How long a stream keeps a message (default: the NATS streams' 7 days). The simulator keeps
   * less: a year of `cro.state` would not fit in memory, and nothing replays from that far back.
   */
  streamMaxAgeMs?: number;
}

const HASH_CHUNK = 65_536;

export class MemoryBroker implements BrokerLink {
  readonly clock: Clock;
  private readonly rng: Rng;
  private readonly subs: Sub[] = [];
  /** The open subscriptions with pending deliveries, in subscription (id) order. */
  private readonly ready: Sub[] = [];
  private readonly streams = new Map<StreamName, StreamState>();
  private readonly consumers = new Map<string, ConsumerState>();
  private readonly deadLetterListeners = new Set<(letter: DeadLetter) => void>();
  private readonly hash: Hash = createHash("sha256");
  /** Delivery lines not yet fed to `hash`: one native call per ~64 KB, not per delivery. */
  private unhashed = "";
  private readonly log: string[] | null;
  private readonly onHandlerError: MemoryBrokerOptions["onHandlerError"];
  /** Replaced, never mutated, when a tap is added or removed: emitTap runs on every event. */
  private taps: readonly BusTap[] = [];
  private readonly matchCache = new Map<string, Sub[]>();
  private readonly captureCache = new Map<string, StreamState | null>();
  private nextSubId = 1;
  private pumpScheduled = false;
  private deliveries = 0;
  private faultInjector: FaultInjector | null = null;
  private readonly streamMaxAgeMs: number;

  constructor(options: MemoryBrokerOptions) {
    this.clock = options.clock;
    this.rng = options.rng.fork("memory-bus");
    this.log = options.recordLog === true ? [] : null;
    this.onHandlerError = options.onHandlerError;
    this.streamMaxAgeMs = options.streamMaxAgeMs ?? STREAM_MAX_AGE_MS;
    for (const name of Object.keys(STREAMS) as StreamName[]) {
      this.streams.set(name, { name, messages: [], firstSeq: 1, nextSeq: 1, dedupe: new Map() });
    }
  }

  connect(name: string): MemoryBus {
    return new MemoryBus(this, name);
  }

  /** SHA-256 of every delivery so far (time, receiver, subject, bytes). */
  logHash(): string {
    this.flushHash();
    return this.hash.copy().digest("hex");
  }

  /** Feeds the lines not yet hashed (hashing a stream in chunks gives the same digest). */
  private flushHash(): void {
    if (this.unhashed.length === 0) return;
    this.hash.update(this.unhashed);
    this.unhashed = "";
  }

  deliveryLog(): readonly string[] {
    return this.log ?? [];
  }

  deliveryCount(): number {
    return this.deliveries;
  }

  /** Observes every publish and delivery (see BusTapEvent); returns the removal function. */
  tap(listener: BusTap): () => void {
    this.taps = [...this.taps, listener];
    return () => {
      this.taps = this.taps.filter((t) => t !== listener);
    };
  }

  private emitTap(phase: BusTapEvent["phase"], connection: string, env: Envelope): void {
    const event = new TapEvent(this, phase, this.clock.now(), connection, env);
    const taps = this.taps;
    for (let i = 0; i < taps.length; i++) taps[i]?.(event);
  }

  // ---- core subjects -------------------------------------------------------------------------

  addSub(
    conn: SubOwner,
    pattern: string,
    queue: string | null,
    deliver: (e: Envelope) => void,
  ): Sub {
    const sub: Sub = {
      id: this.nextSubId++,
      conn,
      pattern,
      queue,
      deliver,
      pending: [],
      closed: false,
    };
    this.subs.push(sub);
    this.matchCache.clear();
    return sub;
  }

  removeSub(sub: Sub): void {
    sub.closed = true;
    sub.pending.length = 0;
    const r = this.ready.indexOf(sub);
    if (r >= 0) this.ready.splice(r, 1);
    const i = this.subs.indexOf(sub);
    if (i >= 0) this.subs.splice(i, 1);
    this.matchCache.clear();
  }

  /**
   * Routes one message to matching subscriptions (one member per queue group) and, unless it was
   * already stored by a durable publish, lets a stream capture it. Returns how many received it.
   */
  route(env: Envelope, capture = true): number {
    if (this.taps.length > 0) this.emitTap("publish", "", env);
    let groups: Map<string, Sub[]> | null = null; // made only when a queue group matches
    let receivers = 0;
    for (const sub of this.matching(env.subject)) {
      if (sub.closed) continue;
      if (sub.queue === null) {
        this.enqueue(sub, env);
        receivers++;
      } else {
        groups ??= new Map<string, Sub[]>();
        const members = groups.get(sub.queue) ?? [];
        members.push(sub);
        groups.set(sub.queue, members);
      }
    }
    for (const members of groups?.values() ?? []) {
      const chosen = members[this.rng.int(0, members.length - 1)];
      if (chosen !== undefined) {
        this.enqueue(chosen, env);
        receivers++;
      }
    }
    if (capture) this.capture(env);
    return receivers;
  }

  /**
   * The subscriptions whose pattern matches `subject`, in subscription order. Cached per subject
   * (matching every pattern on every publish was the simulator's top cost); any change to the
   * subscriptions clears the cache, and it is bounded.
   */
  private matching(subject: string): readonly Sub[] {
    let subs = this.matchCache.get(subject);
    if (subs === undefined) {
      if (this.matchCache.size >= MATCH_CACHE_MAX) this.matchCache.clear();
      subs = this.subs.filter((s) => subjectMatches(s.pattern, subject));
      this.matchCache.set(subject, subs);
    }
    return subs;
  }

  hasResponders(subject: string): boolean {
    return this.subs.some((s) => !s.closed && subjectMatches(s.pattern, subject));
  }

  /** Chaos hook: consulted once per delivery to a subscription; null (the default) delivers all. */
  setFaultInjector(injector: FaultInjector | null): void {
    this.faultInjector = injector;
  }

  enqueue(sub: Sub, env: Envelope): void {
    const fault = this.faultInjector?.(this.deliveryInfo(sub, env)) ?? DELIVER;
    switch (fault.kind) {
      case "deliver":
        this.push(sub, env);
        return;
      case "drop":
        return;
      case "delay":
        this.clock.setTimer(fault.ms, () => {
          if (!sub.closed) this.push(sub, env);
        });
        return;
      case "duplicate":
        this.push(sub, env);
        this.push(sub, env);
        return;
      case "corrupt":
        this.push(sub, { ...env, raw: env.raw.slice(0, env.raw.length >> 1), decoded: null });
        if ("streamSeq" in env) this.push(sub, env);
        return;
    }
  }

  private push(sub: Sub, env: Envelope): void {
    if (!sub.closed) {
      if (sub.pending.length === 0) this.markReady(sub);
      sub.pending.push(env);
    }
    this.schedulePump();
  }

  /** Inserts `sub` into `ready`, keeping subscription order (ids only grow). */
  private markReady(sub: Sub): void {
    const ready = this.ready;
    let lo = 0;
    let hi = ready.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((ready[mid]?.id ?? 0) < sub.id) lo = mid + 1;
      else hi = mid;
    }
    ready.splice(lo, 0, sub);
  }

  private deliveryInfo(sub: Sub, env: Envelope): DeliveryInfo {
    return new PendingDelivery(this, sub.conn.name, env);
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    this.clock.setTimer(0, this.pumpTimer);
  }

  /** The pump's timer callback, made once (a pump is scheduled per delivery). */
  private readonly pumpTimer = (): void => {
    this.pumpScheduled = false;
    this.pumpOne();
  };

  /** Delivers one message: the head of a subscription drawn by the seeded Rng. */
  private pumpOne(): void {
    const ready = this.ready;
    if (ready.length === 0) return;
    const i = this.rng.int(0, ready.length - 1);
    const sub = ready[i];
    const env = sub?.pending.shift();
    if (sub === undefined || env === undefined) return;
    if (sub.pending.length === 0) ready.splice(i, 1);
    if (ready.length > 0) this.schedulePump();
    this.deliveries++;
    const line = `${this.clock.now()}|${sub.conn.name}|${env.subject}|${env.raw}\n`;
    this.unhashed += line;
    if (this.unhashed.length > HASH_CHUNK) this.flushHash();
    this.log?.push(line);
    if (this.taps.length > 0) this.emitTap("deliver", sub.conn.name, env);
    sub.deliver(env);
  }

  decodeOnce(env: Envelope): Decoded {
    env.decoded ??= decode(env.subject, env.raw);
    return env.decoded;
  }

  reportHandlerError(connection: string, subject: string, error: unknown): void {
    this.onHandlerError?.(connection, subject, error);
  }

  // ---- dead letters --------------------------------------------------------------------------

  deadLetter(letter: DeadLetter): void {
    for (const listener of this.deadLetterListeners) listener(letter);
  }

  addDeadLetterListener(listener: (letter: DeadLetter) => void): () => void {
    this.deadLetterListeners.add(listener);
    return () => this.deadLetterListeners.delete(listener);
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
    this.route(env, false);
    return { seq, duplicate: false };
  }

  /** A core publish on a stream's subject is captured by that stream, as on a NATS server. */
  private capture(env: Envelope): void {
    let stream = this.captureCache.get(env.subject);
    if (stream === undefined) {
      if (this.captureCache.size >= MATCH_CACHE_MAX) this.captureCache.clear();
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
    this.enqueue(sub, durableEnvelope(stored, entry.deliveries));
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
