/**
 * Feed health as MarketData reports it on `md.health` (one report per feed every second or so).
 * The CRO trusts a report only while it is younger than `feed_stale_ms` by its own clock: no
 * report at all is as bad as a STALE one.
 */
import type { MdHealth } from "../../contracts/market-data.ts";

export interface FeedView {
  feed: string;
  status: MdHealth["status"];
  staleTokens: readonly string[];
  receivedAt: number;
}

export interface FeedVerdict {
  ok: boolean;
  detail: string;
}

/** Fails closed: healthy only when some report is fresh and no fresh report is STALE or DOWN. */
export function feedHealth(feeds: readonly FeedView[], now: number, staleMs: number): FeedVerdict {
  const fresh = feeds.filter((f) => now - f.receivedAt < staleMs);
  if (fresh.length === 0) {
    return { ok: false, detail: `no md.health report in the last ${staleMs} ms` };
  }
  const bad = fresh.find((f) => f.status === "STALE" || f.status === "DOWN");
  if (bad !== undefined) {
    const tokens = bad.staleTokens.slice(0, 3).join(", ");
    return {
      ok: false,
      detail: `feed ${bad.feed} is ${bad.status}${tokens ? ` (${tokens})` : ""}`,
    };
  }
  return { ok: true, detail: `${fresh.length} feed(s) reporting` };
}

/**
 * Fresh for one token: a fresh report from some feed with status OK (a GAP means the book is being
 * re-snapshotted: not trusted for a new entry yet), and no fresh report names the token stale.
 */
export function tokenFresh(
  feeds: readonly FeedView[],
  tokenId: string,
  now: number,
  staleMs: number,
): FeedVerdict {
  const fresh = feeds.filter((f) => now - f.receivedAt < staleMs);
  const stale = fresh.find((f) => f.staleTokens.includes(tokenId));
  if (stale !== undefined) return { ok: false, detail: `${stale.feed} reports ${tokenId} stale` };
  const ok = fresh.find((f) => f.status === "OK");
  if (ok === undefined) {
    const statuses = fresh.map((f) => `${f.feed}=${f.status}`).join(", ") || "none";
    return { ok: false, detail: `no fresh OK feed report (fresh reports: ${statuses})` };
  }
  return { ok: true, detail: `${ok.feed} OK ${now - ok.receivedAt} ms ago` };
}

export class FeedTracker {
  private readonly feeds = new Map<string, FeedView>();

  record(health: MdHealth, receivedAt: number): void {
    this.feeds.set(health.feed, {
      feed: health.feed,
      status: health.status,
      staleTokens: health.staleTokens,
      receivedAt,
    });
  }

  views(): FeedView[] {
    return [...this.feeds.values()];
  }
}
