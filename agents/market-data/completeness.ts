/**
 * Data completeness of a feed per window: the share of the window's 1-second buckets, elapsed so
 * far, in which the feed delivered at least one message (a book snapshot, a price change or a
 * trade; anything the venue's stream sent). Windows are the venue's 15-minute slots aligned to
 * the epoch (a btc-updown-15m window starts at a multiple of 900 s). A bucket before MarketData
 * started counts as missing: a backtest over that window lacks those seconds whatever the reason.
 * Only whole buckets count: the bucket in progress is in neither the numerator nor the
 * denominator. Pure (the caller passes the times); published in md.health for the current and
 * the last window.
 */

export const BUCKET_MS = 1_000;
export const WINDOW_MS = 15 * 60 * 1_000;

export interface WindowCompleteness {
  /** The window's start, epoch ms (a multiple of WINDOW_MS). */
  windowStart: number;
  /** Whole buckets of the window elapsed (at most WINDOW_MS / BUCKET_MS). */
  buckets: number;
  /** Of those, the buckets with at least one message. */
  filled: number;
  /** filled / buckets in percent, one decimal; null while no whole bucket has elapsed. */
  pct: number | null;
}

/** Which buckets of the current and the last window heard the feed. Bounded: two windows. */
export class CompletenessTracker {
  private readonly seen = new Map<number, Set<number>>();

  constructor(
    private readonly windowMs = WINDOW_MS,
    private readonly bucketMs = BUCKET_MS,
  ) {}

  /** The feed delivered a message at `ts`. */
  record(ts: number): void {
    const start = ts - (ts % this.windowMs);
    let buckets = this.seen.get(start);
    if (buckets === undefined) {
      buckets = new Set();
      this.seen.set(start, buckets);
      for (const key of this.seen.keys()) if (key < start - this.windowMs) this.seen.delete(key);
    }
    buckets.add(Math.floor((ts - start) / this.bucketMs));
  }

  /** The current window's completeness at `now`, then the last window's. */
  report(now: number): [WindowCompleteness, WindowCompleteness] {
    const current = now - (now % this.windowMs);
    return [this.of(current, now), this.of(current - this.windowMs, now)];
  }

  private of(windowStart: number, now: number): WindowCompleteness {
    const total = this.windowMs / this.bucketMs;
    const buckets = Math.max(0, Math.min(total, Math.floor((now - windowStart) / this.bucketMs)));
    let filled = 0;
    for (const b of this.seen.get(windowStart) ?? []) if (b < buckets) filled++;
    const pct = buckets === 0 ? null : Math.round((1000 * filled) / buckets) / 10;
    return { windowStart, buckets, filled, pct };
  }
}
