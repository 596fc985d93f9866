/**
 * Keeps a singleton agent's lease: leader while it holds it, hot standby otherwise. Time and
 * timers come from the Clock port only, so the same keeper runs on a VirtualClock in simulation.
 *
 * Safety does not rest on this class being prompt: a keeper that is slow to notice its loss still
 * cannot write, because every write it makes carries `fence()` and the store refuses a stale
 * epoch. What the keeper adds is a local deadline: it stops calling itself leader once a full TTL
 * has passed since its last successful acquire/renew began, whether or not the store answered.
 */
import type { Clock, TimerHandle } from "../../bus/clock.ts";
import type { Fence, Store } from "./store.ts";

export interface LeaseKeeperOptions {
  store: Store;
  clock: Clock;
  /** The lease (one per singleton agent). */
  name: string;
  /** This replica, e.g. `cro.a1`. */
  holder: string;
  /** How long an acquire or renewal holds the lease. */
  ttlMs: number;
  /** How often a standby (or a keeper that just failed) tries again; capped by the lease expiry. */
  retryMs: number;
  /** How often the leader renews; default a third of the TTL, so two renewals may fail. */
  renewEveryMs?: number;
  /** Store failures and listener errors; leadership is already given up when these happen. */
  onError?: (error: unknown) => void;
}

export interface LeaseChange {
  leader: boolean;
  epoch: number | null;
}

type Operation = () => Promise<void>;

export class LeaseKeeper {
  private readonly renewEveryMs: number;
  private leaderEpoch: number | null = null;
  /** Local deadline of the current term: start of the last good acquire/renew + TTL. */
  private validUntilMs = 0;
  private nextOp: TimerHandle | null = null;
  private deadline: TimerHandle | null = null;
  /** Operations run one at a time, in order; this is the tail of the chain. */
  private chain: Promise<void> = Promise.resolve();
  private started = false;
  private stopped = false;
  private readonly listeners = new Set<(change: LeaseChange) => void>();

  constructor(private readonly options: LeaseKeeperOptions) {
    const { ttlMs, retryMs } = options;
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs: ${ttlMs}`);
    if (!Number.isSafeInteger(retryMs) || retryMs <= 0) throw new RangeError(`retryMs: ${retryMs}`);
    this.renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 3));
    if (this.renewEveryMs >= ttlMs) throw new RangeError("renewEveryMs must be below ttlMs");
  }

  /** Makes the first attempt; resolves once this replica is leader or standing by. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.enqueue(() => this.attempt());
  }

  isLeader(): boolean {
    return this.leaderEpoch !== null && this.options.clock.now() < this.validUntilMs;
  }

  epoch(): number | null {
    return this.isLeader() ? this.leaderEpoch : null;
  }

  /** What to pass with every write a leader makes; null when not leader. */
  fence(): Fence | null {
    const epoch = this.epoch();
    if (epoch === null) return null;
    return { lease: this.options.name, holder: this.options.holder, epoch };
  }

  onChange(listener: (change: LeaseChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when no lease operation is in flight (tests and simulation step on this). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Stops trying and gives the lease up so a standby can take over at once. */
  async stop(): Promise<void> {
    await this.halt();
    const epoch = this.leaderEpoch;
    if (epoch === null) return;
    this.demote();
    const { store, name, holder } = this.options;
    await store.releaseLease(name, holder, epoch).catch((err: unknown) => {
      this.report(err);
    });
  }

  /** Stops without releasing, as a crash would: a standby takes over once the lease expires. */
  async abandon(): Promise<void> {
    await this.halt();
    this.demote();
  }

  private async halt(): Promise<void> {
    this.stopped = true;
    this.clear(this.nextOp);
    this.nextOp = null;
    await this.chain;
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    const { store, clock, name, holder, ttlMs, retryMs } = this.options;
    const startedAt = clock.now();
    try {
      const result = await store.tryAcquireLease(name, holder, startedAt, ttlMs);
      if (result.acquired) {
        this.promote(result.epoch, startedAt);
        this.schedule(this.renewEveryMs, () => this.renew());
        return;
      }
      this.demote();
      // Try again as soon as the holder's lease would expire, or every retryMs before that.
      const untilExpiry = result.expiresAtMs - clock.now();
      this.schedule(Math.max(1, Math.min(retryMs, untilExpiry)), () => this.attempt());
    } catch (err) {
      this.demote();
      this.report(err);
      this.schedule(retryMs, () => this.attempt());
    }
  }

  private async renew(): Promise<void> {
    const epoch = this.leaderEpoch;
    if (this.stopped || epoch === null) return;
    const { store, clock, name, holder, ttlMs, retryMs } = this.options;
    const startedAt = clock.now();
    let renewed = false;
    try {
      renewed = await store.renewLease(name, holder, epoch, startedAt, ttlMs);
    } catch (err) {
      this.report(err);
    }
    if (renewed && this.leaderEpoch === epoch) {
      this.promote(epoch, startedAt);
      this.schedule(this.renewEveryMs, () => this.renew());
      return;
    }
    // Expired, taken over, or unreachable: we are not leader from this moment.
    this.demote();
    this.schedule(retryMs, () => this.attempt());
  }

  private promote(epoch: number, startedAt: number): void {
    if (this.leaderEpoch !== null && this.leaderEpoch !== epoch) this.demote();
    const wasLeader = this.leaderEpoch === epoch;
    this.leaderEpoch = epoch;
    this.validUntilMs = startedAt + this.options.ttlMs;
    this.clear(this.deadline);
    const { clock } = this.options;
    this.deadline = clock.setTimer(Math.max(0, this.validUntilMs - clock.now()), () => {
      this.deadline = null;
      if (this.leaderEpoch === epoch && clock.now() >= this.validUntilMs) this.demote();
    });
    if (!wasLeader) this.emit({ leader: true, epoch });
  }

  private demote(): void {
    this.clear(this.deadline);
    this.deadline = null;
    if (this.leaderEpoch === null) return;
    this.leaderEpoch = null;
    this.validUntilMs = 0;
    this.emit({ leader: false, epoch: null });
  }

  private schedule(delayMs: number, op: Operation): void {
    if (this.stopped) return;
    this.clear(this.nextOp);
    this.nextOp = this.options.clock.setTimer(delayMs, () => {
      this.nextOp = null;
      void this.enqueue(op);
    });
  }

  private enqueue(op: Operation): Promise<void> {
    this.chain = this.chain.then(op).catch((err: unknown) => {
      this.report(err);
    });
    return this.chain;
  }

  private emit(change: LeaseChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.report(err);
      }
    }
  }

  private clear(handle: TimerHandle | null): void {
    if (handle !== null) this.options.clock.clearTimer(handle);
  }

  private report(err: unknown): void {
    this.options.onError?.(err);
  }
}
