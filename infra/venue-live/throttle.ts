/**
 * The live adapter's side of Polymarket's rate limits (issue 17): before each request a token from
 * its class's bucket (rate-limit.ts), at most `concurrencyMax` requests of a class in flight (so a
 * reconnect that refetches every book cannot storm the venue), and after a 429 the whole class
 * waits — `retry_after_seconds` when the venue says, else an exponential backoff with jitter from
 * the Rng — before anything of that class is sent again. A wait that would end past the caller's
 * deadline is refused at once with `RateLimitedError`, and nothing is sent.
 */
import type { Clock } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import { backoffDelayMs } from "./market-ws.ts";
import { type RateClass, type RateRule, RateTable, rateRules } from "./rate-limit.ts";

export interface ThrottleOptions {
  /** Per-class overrides of Polymarket's limits. */
  rules?: Partial<Record<string, RateRule>>;
  /** Requests of one class in flight at once (default 4). */
  concurrencyMax?: number;
  /** Backoff after a 429 without a Retry-After (default 500 ms doubling up to 30 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

export class RateLimitedError extends Error {
  readonly code = "RATE_LIMITED";
  readonly status = 429;
  constructor(
    readonly rateClass: RateClass,
    readonly waitMs: number,
  ) {
    super(`rate limited (${rateClass}): next slot in ${waitMs} ms, past the call's deadline`);
  }
}

export class Throttle {
  private readonly table: RateTable;
  private readonly blockedUntil = new Map<RateClass, number>();
  private readonly inFlight = new Map<RateClass, number>();
  private readonly queues = new Map<RateClass, (() => void)[]>();
  private readonly strikes = new Map<RateClass, number>();
  private readonly concurrencyMax: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  readonly stats = { rateLimited: 0, waits: 0, refused: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    options: ThrottleOptions = {},
  ) {
    this.table = new RateTable(rateRules(options.rules));
    this.concurrencyMax = options.concurrencyMax ?? 4;
    this.backoffInitialMs = options.backoffInitialMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    if (!(this.concurrencyMax >= 1)) throw new RangeError("concurrencyMax must be >= 1");
  }

  /** Waits for a slot of `cls` no later than `deadline`; returns the release. */
  async acquire(cls: RateClass, deadline: number): Promise<() => void> {
    for (;;) {
      const now = this.clock.now();
      const blocked = (this.blockedUntil.get(cls) ?? 0) - now;
      if (blocked > 0) {
        await this.sleepUntil(cls, now + blocked, deadline);
        continue;
      }
      if ((this.inFlight.get(cls) ?? 0) >= this.concurrencyMax) {
        await this.queue(cls, deadline);
        continue;
      }
      const wait = this.table.take(cls, "self", now);
      if (wait > 0) {
        await this.sleepUntil(cls, now + wait, deadline);
        continue;
      }
      this.inFlight.set(cls, (this.inFlight.get(cls) ?? 0) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.inFlight.set(cls, (this.inFlight.get(cls) ?? 1) - 1);
        this.queues.get(cls)?.shift()?.();
      };
    }
  }

  /**
   * A 429 for `cls`: nothing of the class goes out for `retryAfterMs` (the venue's word) or, when
   * the venue gave none, a backoff that doubles with each consecutive 429. Returns the wait.
   */
  rateLimited(cls: RateClass, retryAfterMs: number | null): number {
    this.stats.rateLimited++;
    const strike = this.strikes.get(cls) ?? 0;
    this.strikes.set(cls, strike + 1);
    const waitMs =
      retryAfterMs ??
      backoffDelayMs(strike, this.backoffInitialMs, this.backoffMaxMs, this.rng.float());
    const until = this.clock.now() + waitMs;
    this.blockedUntil.set(cls, Math.max(this.blockedUntil.get(cls) ?? 0, until));
    return waitMs;
  }

  /** A request of `cls` went through: the backoff starts over. */
  succeeded(cls: RateClass): void {
    this.strikes.delete(cls);
  }

  /** Ms until `cls` may send again (0: now). */
  blockedForMs(cls: RateClass): number {
    return Math.max(0, (this.blockedUntil.get(cls) ?? 0) - this.clock.now());
  }

  private async sleepUntil(cls: RateClass, at: number, deadline: number): Promise<void> {
    if (at > deadline) {
      this.stats.refused++;
      throw new RateLimitedError(cls, at - this.clock.now());
    }
    this.stats.waits++;
    await this.clock.sleep(at - this.clock.now());
  }

  private queue(cls: RateClass, deadline: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiters = this.queues.get(cls) ?? [];
      this.queues.set(cls, waiters);
      const timer = this.clock.setTimer(Math.max(0, deadline - this.clock.now()), () => {
        const i = waiters.indexOf(wake);
        if (i >= 0) waiters.splice(i, 1);
        this.stats.refused++;
        reject(new RateLimitedError(cls, 0));
      });
      const wake = (): void => {
        this.clock.clearTimer(timer);
        resolve();
      };
      waiters.push(wake);
    });
  }
}
