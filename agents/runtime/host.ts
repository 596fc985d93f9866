/**
 * ActorHost runs one actor: lifecycle (starting → running → stopping → stopped), the mailbox,
 * heartbeats on `hb.<agent>.<instance>`, the singleton lease, and crash-on-invariant. The same host
 * runs an agent in its own process on NATS and beside the others on the in-memory bus.
 */
import type { Logger } from "pino";
import type { Bus, Subscription } from "../../bus/port.ts";
import type { Clock, TimerHandle } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import { MessageFactory, type Cause, type Payload } from "../../bus/messages.ts";
import type { Lifecycle } from "../../contracts/heartbeats.ts";
import type { Mode } from "../../contracts/common.ts";
import type { MessageOf, MessageType } from "../../contracts/registry.ts";
import type {
  Actor,
  ActorContext,
  AgentDefinition,
  Delivery,
  DurableOptions,
  Identity,
  MessageHandler,
} from "./actor.ts";
import { FencedPublishError, InvariantError } from "./errors.ts";
import { Mailbox, type MailboxItem } from "./mailbox.ts";
import { LeaseKeeper } from "./lease.ts";
import type { Fence, Store } from "./store.ts";

export interface HostSettings {
  heartbeatMs: number;
  mailboxCapacity: number;
  stopTimeoutMs: number;
  leaseTtlMs: number;
  /** Durable defaults. */
  ackWaitMs: number;
  maxDeliver: number;
}

export const DEFAULT_HOST_SETTINGS: HostSettings = {
  heartbeatMs: 200,
  mailboxCapacity: 10_000,
  stopTimeoutMs: 5_000,
  leaseTtlMs: 3_000,
  ackWaitMs: 5_000,
  maxDeliver: 5,
};

export interface HostPorts {
  bus: Bus;
  clock: Clock;
  rng: Rng;
  store: Store;
  log: Logger;
  mode: Mode;
  pid: number;
}

export class ActorHost implements ActorContext {
  readonly identity: Identity;
  readonly mode: Mode;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly store: Store;
  readonly log: Logger;
  readonly messages: MessageFactory;
  private readonly mailbox: Mailbox;
  private readonly subscriptions: Subscription[] = [];
  private readonly timers = new Set<TimerHandle>();
  private heartbeatTimer: TimerHandle | null = null;
  private lease: LeaseKeeper | null = null;
  private actor: Actor | null = null;
  private lifecycle: Lifecycle = "starting";
  private heartbeatSeq = 0;
  private readonly startedAt: number;
  private crashed: Error | null = null;
  private readonly crashListeners = new Set<(error: Error) => void>();
  private readonly droppedByType = new Map<string, number>();
  /** Set while a chaos hang holds the mailbox; resolving it lets processing continue. */
  private pausedRelease: (() => void) | null = null;

  constructor(
    readonly definition: AgentDefinition,
    instance: string,
    private readonly ports: HostPorts,
    private readonly settings: HostSettings = DEFAULT_HOST_SETTINGS,
  ) {
    this.identity = { agent: definition.name, instance };
    this.mode = ports.mode;
    this.bus = ports.bus;
    this.clock = ports.clock;
    this.rng = ports.rng;
    this.store = ports.store;
    this.log = ports.log;
    this.messages = new MessageFactory(ports.clock, ports.rng, this.identity);
    this.startedAt = ports.clock.now();
    this.mailbox = new Mailbox(settings.mailboxCapacity, (item, error) => {
      this.handlerFailed(item.label, error);
    });
  }

  state(): Lifecycle {
    return this.lifecycle;
  }

  isLeader(): boolean | null {
    return this.lease === null ? null : this.lease.isLeader();
  }

  crashError(): Error | null {
    return this.crashed;
  }

  onCrash(listener: (error: Error) => void): void {
    this.crashListeners.add(listener);
  }

  mailboxDepth(): number {
    return this.mailbox.depth;
  }

  /**
   * Fault injection (the simulator's chaos engine): a hang. The mailbox stops processing and no
   * heartbeat goes out until `resume`; messages keep queueing (and are refused when it is full).
   */
  pause(): void {
    if (this.pausedRelease !== null) return;
    const held = new Promise<void>((resolve) => {
      this.pausedRelease = resolve;
    });
    this.mailbox.setGate(() => held);
  }

  resume(): void {
    const release = this.pausedRelease;
    if (release === null) return;
    this.pausedRelease = null;
    this.mailbox.setGate(null);
    release();
  }

  isPaused(): boolean {
    return this.pausedRelease !== null;
  }

  /** Fault injection: a slow leak. `delayMs()` of clock time passes before each mailbox item. */
  setProcessingDelay(delayMs: (() => number) | null): void {
    if (this.pausedRelease !== null) return;
    this.mailbox.setGate(delayMs === null ? null : () => this.clock.sleep(delayMs()));
  }

  /** Starts heartbeats; a singleton waits for its lease before its actor starts. */
  async start(): Promise<void> {
    this.heartbeatTimer = this.clock.setInterval(this.settings.heartbeatMs, () => {
      void this.heartbeat();
    });
    void this.heartbeat();
    if (!this.definition.singleton) {
      await this.startActor();
      return;
    }
    this.lease = new LeaseKeeper({
      store: this.store,
      clock: this.clock,
      name: this.definition.name,
      // One holder per incarnation: a restarted process is a new term (a new epoch) that waits out
      // its predecessor's lease like any standby, and two processes misconfigured with the same
      // instance name can never share a fence.
      holder: `${this.identity.agent}.${this.identity.instance}#${this.ports.pid}@${this.startedAt}`,
      ttlMs: this.settings.leaseTtlMs,
      retryMs: Math.max(50, Math.floor(this.settings.leaseTtlMs / 3)),
    });
    this.lease.onChange((e) => {
      if (e.leader && this.actor === null && this.lifecycle === "starting") {
        this.log.info({ epoch: e.epoch }, "lease acquired: leader");
        void this.startActor();
      } else if (!e.leader && this.actor !== null && this.lifecycle !== "stopping") {
        this.crash(new InvariantError("lease lost: a deposed leader must not act"));
      }
    });
    this.log.info("waiting for lease (hot standby until it is free)");
    await this.lease.start();
  }

  private async startActor(): Promise<void> {
    try {
      const actor = this.definition.create(this);
      this.actor = actor;
      await actor.start();
      if (this.lifecycle === "starting") this.lifecycle = "running";
      this.log.info("running");
      void this.heartbeat();
    } catch (error) {
      this.crash(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Graceful stop: no new work, drain the mailbox (bounded), stop the actor, release the lease. */
  async stop(): Promise<void> {
    if (this.lifecycle === "stopping" || this.lifecycle === "stopped") return;
    this.lifecycle = "stopping";
    void this.heartbeat();
    await this.unsubscribeAll();
    this.mailbox.close();
    await this.boundedIdle();
    try {
      await this.actor?.stop();
    } catch (error) {
      this.log.error({ err: error }, "actor stop failed");
    }
    await this.lease?.stop();
    this.clearTimers();
    this.lifecycle = "stopped";
    await this.heartbeat();
    this.log.info("stopped");
  }

  /** Broken invariant: stop at once, without draining, and tell whoever supervises. */
  crash(error: Error): void {
    if (this.crashed !== null) return;
    this.crashed = error;
    this.log.fatal({ err: error }, "crashed");
    this.lifecycle = "stopped";
    this.mailbox.close();
    this.clearTimers();
    void this.unsubscribeAll();
    try {
      this.actor?.release();
    } catch (releaseError) {
      this.log.error({ err: releaseError }, "actor release failed");
    }
    void this.lease?.abandon();
    for (const listener of this.crashListeners) listener(error);
  }

  fence(): Fence | null {
    return this.lease?.fence() ?? null;
  }

  on<T extends MessageType>(
    type: T,
    handler: MessageHandler<T>,
    options: { queue?: string; subject?: string } = {},
  ): void {
    const sub = this.bus.subscribe(
      type,
      (message, subject) => {
        const delivery = new LazyDelivery(this.log, message.correlationId, subject, 1);
        if (!this.mailbox.offer(new HandlerItem(type, handler, message, delivery))) {
          this.countDrop(type);
        }
      },
      options,
    );
    this.subscriptions.push(sub);
  }

  onControl<T extends MessageType>(type: T, handler: (message: MessageOf<T>) => void): void {
    const sub = this.bus.subscribe(type, (message) => {
      if (this.lifecycle === "stopped") return;
      try {
        handler(message);
      } catch (error) {
        this.log.error({ err: error, type }, "control handler failed");
      }
    });
    this.subscriptions.push(sub);
  }

  async onDurable<T extends MessageType>(
    type: T,
    options: DurableOptions,
    handler: MessageHandler<T>,
  ): Promise<void> {
    const sub = await this.bus.consume(
      type,
      {
        durable: options.durable,
        ackWaitMs: options.ackWaitMs ?? this.settings.ackWaitMs,
        maxDeliver: options.maxDeliver ?? this.settings.maxDeliver,
        deliverPolicy: options.deliverPolicy ?? "all",
        ...(options.subject === undefined ? {} : { subject: options.subject }),
        ...(options.replay === true ? { replay: true } : {}),
      },
      (d) =>
        new Promise<void>((resolve, reject) => {
          const accepted = this.mailbox.offer({
            label: type,
            run: async () => {
              try {
                await handler(
                  d.message,
                  new LazyDelivery(this.log, d.message.correlationId, d.subject, d.deliveryCount),
                );
                await d.ack();
                resolve();
              } catch (error) {
                reject(error instanceof Error ? error : new Error(String(error)));
                throw error;
              }
            },
          });
          if (!accepted) {
            this.countDrop(type);
            void d.nak(this.settings.ackWaitMs);
            resolve();
          }
        }),
    );
    this.subscriptions.push(sub);
  }

  every(periodMs: number, label: string, fn: () => void | Promise<void>): void {
    let queued = false;
    // One item for every tick (it holds nothing of a tick's own).
    const item: MailboxItem = {
      label,
      run: async () => {
        queued = false;
        await fn();
      },
    };
    const handle = this.clock.setInterval(periodMs, () => {
      if (queued) return;
      // Set before offering: on an idle mailbox `offer` starts `run` at once, which clears it.
      queued = true;
      const accepted = this.mailbox.offer(item);
      if (!accepted) {
        queued = false;
        this.countDrop(label);
      }
    });
    this.timers.add(handle);
  }

  after(delayMs: number, label: string, fn: () => void | Promise<void>): TimerHandle {
    const handle = this.clock.setTimer(delayMs, () => {
      this.timers.delete(handle);
      if (!this.mailbox.offer({ label, run: async () => fn() })) this.countDrop(label);
    });
    this.timers.add(handle);
    return handle;
  }

  cancelTimer(handle: TimerHandle): void {
    this.clock.clearTimer(handle);
    this.timers.delete(handle);
  }

  /**
   * Fenced publish: a singleton that does not hold its lease (a standby, or a deposed leader whose
   * timers fired after a long pause) sends nothing but heartbeats. Its store writes are refused by
   * the epoch fence; this refuses its messages, so peers never act on a stale leader's word.
   */
  publish<T extends MessageType>(type: T, payload: Payload<T>, cause?: Cause | null) {
    if (type !== "hb" && this.lease !== null && !this.lease.isLeader()) {
      return Promise.reject(new FencedPublishError(`${this.identity.agent}: publish ${type}`));
    }
    return this.bus.publish(this.messages.make(type, payload, cause));
  }

  /** Heartbeats bypass the mailbox: a busy actor is alive; a stalled event loop is not. */
  private async heartbeat(): Promise<void> {
    if (this.crashed !== null || this.bus.status() === "closed" || this.isPaused()) return;
    const { agent, instance } = this.identity;
    try {
      await this.publish("hb", {
        agent,
        instance,
        seq: this.heartbeatSeq++,
        lifecycle: this.lifecycle,
        leader: this.isLeader(),
        pid: this.ports.pid,
        startedAt: this.startedAt,
        mailboxDepth: this.mailbox.depth,
        intervalMs: this.settings.heartbeatMs,
      });
    } catch (error) {
      this.log.warn({ err: error }, "heartbeat publish failed");
    }
  }

  private handlerFailed(label: string, error: unknown): void {
    if (error instanceof InvariantError) {
      this.crash(error);
      return;
    }
    this.log.error({ err: error, handler: label }, "handler failed; message not acknowledged");
  }

  private countDrop(label: string): void {
    const n = (this.droppedByType.get(label) ?? 0) + 1;
    this.droppedByType.set(label, n);
    if (n === 1 || n % 1000 === 0) {
      // A closed mailbox (stopping, or crashed) refuses too; say which, so the log does not lie.
      const why = this.lifecycle === "running" ? "mailbox full" : `agent ${this.lifecycle}`;
      this.log.warn({ handler: label, dropped: n }, `${why}: message dropped`);
    }
  }

  private async unsubscribeAll(): Promise<void> {
    const subs = this.subscriptions.splice(0);
    await Promise.all(subs.map((s) => s.unsubscribe().catch(() => undefined)));
  }

  private clearTimers(): void {
    if (this.heartbeatTimer !== null) this.clock.clearTimer(this.heartbeatTimer);
    for (const t of this.timers) this.clock.clearTimer(t);
    this.timers.clear();
  }

  private async boundedIdle(): Promise<void> {
    const bound: { timer: TimerHandle | null } = { timer: null };
    const timeout = new Promise<void>((resolve) => {
      bound.timer = this.clock.setTimer(this.settings.stopTimeoutMs, () => {
        this.log.warn({ depth: this.mailbox.depth }, "stop timeout: mailbox not drained");
        resolve();
      });
    });
    await Promise.race([this.mailbox.idle(), timeout]);
    if (bound.timer !== null) this.clock.clearTimer(bound.timer);
  }
}

/**
 * A handler's delivery context. The child logger carrying the correlation id is made on first
 * use: most deliveries log nothing, and a pino child per message was a measurable cost. A class,
 * not an object literal with a getter: one is made per delivered message.
 */
class LazyDelivery implements Delivery {
  private child: Logger | null = null;

  constructor(
    private readonly parent: Logger,
    private readonly correlationId: string,
    readonly subject: string,
    readonly deliveryCount: number,
  ) {}

  get log(): Logger {
    this.child ??= this.parent.child({ correlationId: this.correlationId });
    return this.child;
  }
}

/** A core message waiting in the mailbox for its handler (one per delivery, so no closure). */
class HandlerItem<T extends MessageType> implements MailboxItem {
  constructor(
    readonly label: string,
    private readonly handler: MessageHandler<T>,
    private readonly message: MessageOf<T>,
    private readonly delivery: Delivery,
  ) {}

  async run(): Promise<void> {
    await this.handler(this.message, this.delivery);
  }
}
