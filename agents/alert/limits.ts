/** Deduplication, rate limiting and backoff for alert delivery. Pure state, time passed in. */

/** min(initial × 2^(attempt − 1), max) for attempt ≥ 1. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30), maxMs);
}

/** One alert per incident key within the window. Bounded: the oldest keys go first. */
export class Deduper {
  /** key → when it last raised an alert; kept in that order (re-inserted on use). */
  private readonly seen = new Map<string, number>();
  suppressed = 0;

  constructor(
    private readonly windowMs: number,
    private readonly keysMax: number,
  ) {}

  /** True (and remembered) when `key` has not raised an alert within the window. */
  admit(key: string, now: number): boolean {
    const last = this.seen.get(key);
    if (last !== undefined && now - last < this.windowMs) {
      this.suppressed++;
      return false;
    }
    this.remember(key, now);
    return true;
  }

  /** Marks `key` as alerted at `at` (state rebuilt on restart). */
  remember(key: string, at: number): void {
    this.seen.delete(key);
    this.seen.set(key, at);
    this.prune(at);
  }

  private prune(now: number): void {
    for (const [key, at] of this.seen) {
      if (this.seen.size <= this.keysMax && now - at < this.windowMs) return;
      this.seen.delete(key);
    }
  }
}

/** At most `perWindow` events in any sliding window of `windowMs`. */
export class RateLimiter {
  private readonly times: number[] = [];

  constructor(
    private readonly perWindow: number,
    private readonly windowMs = 60_000,
  ) {}

  /** The earliest time at or after `now` when one more event is allowed. */
  nextSlot(now: number): number {
    while (this.times.length > 0 && (this.times[0] ?? now) <= now - this.windowMs)
      this.times.shift();
    if (this.times.length < this.perWindow) return now;
    return (this.times[0] ?? now) + this.windowMs;
  }

  record(now: number): void {
    this.times.push(now);
    if (this.times.length > this.perWindow) this.times.shift();
  }
}
