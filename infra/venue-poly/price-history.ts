/**
 * What `GET /prices-history` answers (reference §1.5 row 15): per token, the midpoint of its
 * (binary) book whenever the book changes, kept as the last value in each minute — the finest
 * fidelity the real endpoint serves. A window's tokens are forgotten once the window is gone.
 */
import type { MarketEvent } from "../../agents/runtime/venue.ts";
import { MICRO } from "../../contracts/money.ts";

const MINUTE_MS = 60_000;
/** Points kept per token: a week of minutes, far beyond a 15-minute window's life. */
export const HISTORY_POINTS_MAX = 10_080;

export interface HistoryPoint {
  /** Epoch seconds. */
  t: number;
  /** Price as a number, as the real endpoint sends it. */
  p: number;
}

export class PriceHistory {
  private readonly byToken = new Map<string, { minute: number; price: number }[]>();

  record(e: MarketEvent): void {
    if (e.type !== "book") return;
    const bid = e.bids[0]?.price;
    const ask = e.asks[0]?.price;
    if (bid === undefined || ask === undefined) return;
    const price = Math.round((bid + ask) / 2);
    const minute = Math.floor(e.ts / MINUTE_MS);
    let points = this.byToken.get(e.tokenId);
    if (points === undefined) {
      points = [];
      this.byToken.set(e.tokenId, points);
    }
    const last = points[points.length - 1];
    if (last !== undefined && last.minute === minute) last.price = price;
    else points.push({ minute, price });
    if (points.length > HISTORY_POINTS_MAX) points.shift();
  }

  /** Forgets every token `keep` does not list. */
  retain(keep: ReadonlySet<string>): void {
    for (const token of [...this.byToken.keys()]) if (!keep.has(token)) this.byToken.delete(token);
  }

  /**
   * Points with `startMs ≤ t ≤ endMs`, one per `fidelityMinutes` bucket (its last value), oldest
   * first.
   */
  query(tokenId: string, startMs: number, endMs: number, fidelityMinutes: number): HistoryPoint[] {
    const out: HistoryPoint[] = [];
    let lastBucket: number | null = null;
    for (const pt of this.byToken.get(tokenId) ?? []) {
      const ms = pt.minute * MINUTE_MS;
      if (ms < startMs - MINUTE_MS + 1 || ms > endMs) continue;
      const bucket = Math.floor(pt.minute / fidelityMinutes);
      const point = { t: Math.floor(ms / 1000), p: pt.price / MICRO };
      if (bucket === lastBucket) out[out.length - 1] = point;
      else out.push(point);
      lastBucket = bucket;
    }
    return out;
  }
}
