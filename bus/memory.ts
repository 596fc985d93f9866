/**
 * The in-memory Bus adapter: one `MemoryBroker` stands in for the NATS server (core subjects,
 * JetStream streams with a duplicate window, durable consumers with ack-wait redelivery), and each
 * `broker.connect(name)` is one agent's connection. Delivery happens on the injected Clock, one
 * message per clock event; which subscription's next message goes first is drawn from the seeded
 * Rng, while each subscription sees its own messages in publish order. The same seed and inputs
 * therefore give the same delivery order, which `logHash()` fingerprints.
 */
import { createHash, type Hash } from "node:crypto";
import { DUPLICATE_WINDOW_MS, subjectMatches, type StreamName } from "../contracts/registry.ts";
import type { MessageType } from "../contracts/registry.ts";
import type { DeadLetter } from "../contracts/ops.ts";
import type { Clock } from "./clock.ts";
import type { Rng } from "./rng.ts";
import { decode, type Decoded } from "./codec.ts";
import { MemoryBus } from "./memory-bus.ts";
import { MemoryStreams } from "./memory-streams.ts";
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

/** Subjects whose matching subscriptions are cached. */
const MATCH_CACHE_MAX = 4_096;

/** NATS JetStream's default duplicate window. */
export { DUPLICATE_WINDOW_MS };

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
  private readonly deadLetterListeners = new Set<(letter: DeadLetter) => void>();
  private readonly hash: Hash = createHash("sha256");
  /** Delivery lines not yet fed to `hash`: one native call per ~64 KB, not per delivery. */
  private unhashed = "";
  private readonly log: string[] | null;
  private readonly onHandlerError: MemoryBrokerOptions["onHandlerError"];
  /** Replaced, never mutated, when a tap is added or removed: emitTap runs on every event. */
  private taps: readonly BusTap[] = [];
  private readonly matchCache = new Map<string, Sub[]>();
  private nextSubId = 1;
  private pumpScheduled = false;
  private deliveries = 0;
  private faultInjector: FaultInjector | null = null;
  /** The JetStream half: streams and durable consumers. */
  private readonly js: MemoryStreams;

  constructor(options: MemoryBrokerOptions) {
    this.clock = options.clock;
    this.rng = options.rng.fork("memory-bus");
    this.log = options.recordLog === true ? [] : null;
    this.onHandlerError = options.onHandlerError;
    this.js = new MemoryStreams(this, options.streamMaxAgeMs);
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
    if (capture) this.js.capture(env);
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

  // ---- streams and durable consumers (bus/memory-streams.ts) ----------------------------------

  publishDurable(
    checked: { subject: string; dedupeKey: string; message: { type: MessageType } },
    raw: string,
    decoded: Decoded | null = null,
  ): { seq: number; duplicate: boolean } {
    return this.js.publishDurable(checked, raw, decoded);
  }

  stream(name: StreamName): StreamState {
    return this.js.stream(name);
  }

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
    return this.js.consumer(stream, durable, init);
  }

  dropConsumer(consumer: ConsumerState): void {
    this.js.dropConsumer(consumer);
  }

  attach(consumer: ConsumerState, sub: Sub): void {
    this.js.attach(consumer, sub);
  }

  detach(consumer: ConsumerState, sub: Sub): void {
    this.js.detach(consumer, sub);
  }

  ack(consumer: ConsumerState, seq: number): void {
    this.js.ack(consumer, seq);
  }

  nak(consumer: ConsumerState, seq: number, delayMs: number): void {
    this.js.nak(consumer, seq, delayMs);
  }

  term(consumer: ConsumerState, seq: number): void {
    this.js.term(consumer, seq);
  }
}
