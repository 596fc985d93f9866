/**
 * L2 books from Polymarket's market channel, one per asset (token). The rules that keep a book
 * honest (shared/reference/polymarket-api.md §2.2, issue 5):
 *  - a `book` snapshot REPLACES the book; merging it into the old one would leave ghost levels;
 *  - a `price_change` sets the new aggregate size of one level ("0" removes it);
 *  - a `tick_size_change` drops the book until a fresh snapshot arrives (levels on the old grid
 *    are not trusted);
 *  - a delta with no book under it, a book that crosses, or a top of book that disagrees with the
 *    venue's own `best_bid`/`best_ask` means updates were lost: the book is dropped, a gap is
 *    reported, and the caller fetches a fresh snapshot;
 *  - exact duplicates (re-delivery after a reconnect, overlapping shards) and messages older than
 *    the current snapshot are skipped and counted.
 * No I/O and no clock: the WebSocket client, `predator replay` and tests share this code.
 */
import type { Level, Side } from "../../contracts/common.ts";
import type { WireMessage } from "./wire.ts";

export type BookStatus = "LIVE" | "AWAITING_SNAPSHOT";
export type GapReason = "DELTA_BEFORE_SNAPSHOT" | "TOP_OF_BOOK_MISMATCH" | "CROSSED" | "RECONNECT";
export type ResyncReason = GapReason | "TICK_SIZE_CHANGE";

/** Remembered message keys for de-duplication (oldest forgotten first). */
export const DEDUPE_WINDOW = 4096;
/** A side deeper than this is refused as malformed (the venue sends far fewer). */
export const WIRE_LEVELS_MAX = 5000;

export interface LastTrade {
  price: number;
  size: number;
  side: Side;
  ts: number;
}

interface AssetBook {
  assetId: string;
  market: string;
  status: BookStatus;
  bids: Map<number, number>;
  asks: Map<number, number>;
  tickSize: number | null;
  /** Venue timestamp of the last applied snapshot or delta. */
  ts: number;
  lastTrade: LastTrade | null;
  winner: boolean | null;
}

export interface BookView {
  assetId: string;
  market: string;
  status: BookStatus;
  tickSize: number | null;
  ts: number;
  /** Best first. */
  bids: Level[];
  asks: Level[];
  bestBid: number | null;
  bestAsk: number | null;
  depth: { bidLevels: number; askLevels: number; bidSize: number; askSize: number };
  lastTrade: LastTrade | null;
  /** Set by market_resolved: true for the winning asset. */
  winner: boolean | null;
}

export type BookEffect =
  | { kind: "book"; assetId: string }
  | { kind: "resync"; assetId: string; reason: ResyncReason; gap: boolean }
  | { kind: "trade"; assetId: string; trade: LastTrade }
  | { kind: "resolved"; market: string; winningAssetId: string }
  | { kind: "skipped"; reason: "DUPLICATE" | "STALE" | "IGNORED" | "MALFORMED"; detail: string };

export interface BookStats {
  applied: number;
  duplicates: number;
  stale: number;
  ignored: number;
  malformed: number;
  gaps: number;
  resyncs: number;
}

export class PolyBooks {
  private readonly books = new Map<string, AssetBook>();
  private readonly seen = new Set<string>();
  readonly stats: BookStats = {
    applied: 0,
    duplicates: 0,
    stale: 0,
    ignored: 0,
    malformed: 0,
    gaps: 0,
    resyncs: 0,
  };

  /** Applies one parsed message; returns what changed. */
  apply(msg: WireMessage): BookEffect[] {
    if (msg.kind === "ignored" || msg.kind === "malformed") {
      if (msg.kind === "ignored") this.stats.ignored++;
      else this.stats.malformed++;
      return [skip(msg.kind === "ignored" ? "IGNORED" : "MALFORMED", msg.reason)];
    }
    const key = JSON.stringify(msg);
    // A snapshot for a dropped book is never a duplicate: after a reconnect the venue may resend
    // the very snapshot it sent before, and it is exactly what the book needs.
    const needed = msg.kind === "book" && this.books.get(msg.assetId)?.status !== "LIVE";
    if (!needed && this.seen.has(key)) {
      this.stats.duplicates++;
      return [skip("DUPLICATE", `${msg.kind} at ${msg.ts}`)];
    }
    this.remember(key);
    switch (msg.kind) {
      case "book":
        return this.onBook(msg);
      case "price_change":
        return this.onPriceChange(msg);
      case "tick_size_change":
        return this.onTickSize(msg);
      case "last_trade_price":
        return this.onTrade(msg);
      case "market_resolved":
        return this.onResolved(msg);
    }
  }

  /** Drops a book because the stream under it broke (reconnect); a fresh snapshot must follow. */
  invalidate(assetId: string, reason: ResyncReason): BookEffect | null {
    const book = this.books.get(assetId);
    if (book === undefined || book.status === "AWAITING_SNAPSHOT") return null;
    return this.drop(book, reason);
  }

  view(assetId: string): BookView | null {
    const b = this.books.get(assetId);
    return b === undefined ? null : viewOf(b);
  }

  views(): BookView[] {
    return [...this.books.values()].map(viewOf);
  }

  assetIds(): string[] {
    return [...this.books.keys()];
  }

  private remember(key: string): void {
    this.seen.add(key);
    if (this.seen.size > DEDUPE_WINDOW) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }

  private bookFor(assetId: string, market: string): AssetBook {
    let b = this.books.get(assetId);
    if (b === undefined) {
      b = {
        assetId,
        market,
        status: "AWAITING_SNAPSHOT",
        bids: new Map(),
        asks: new Map(),
        tickSize: null,
        ts: 0,
        lastTrade: null,
        winner: null,
      };
      this.books.set(assetId, b);
    }
    return b;
  }

  private onBook(m: Extract<WireMessage, { kind: "book" }>): BookEffect[] {
    if (m.bids.length > WIRE_LEVELS_MAX || m.asks.length > WIRE_LEVELS_MAX) {
      this.stats.malformed++;
      return [skip("MALFORMED", `book with ${m.bids.length}/${m.asks.length} levels`)];
    }
    const b = this.bookFor(m.assetId, m.market);
    if (b.status === "LIVE" && m.ts < b.ts) {
      this.stats.stale++;
      return [skip("STALE", `book at ${m.ts} older than ${b.ts}`)];
    }
    // Replace, never merge: levels absent from the snapshot are gone.
    b.bids = new Map(m.bids.filter((l) => l.size > 0).map((l) => [l.price, l.size]));
    b.asks = new Map(m.asks.filter((l) => l.size > 0).map((l) => [l.price, l.size]));
    b.status = "LIVE";
    b.ts = m.ts;
    if (m.tickSize !== null) b.tickSize = m.tickSize;
    this.stats.applied++;
    if (crossed(b)) return [this.drop(b, "CROSSED")];
    return [{ kind: "book", assetId: b.assetId }];
  }

  private onPriceChange(m: Extract<WireMessage, { kind: "price_change" }>): BookEffect[] {
    const effects: BookEffect[] = [];
    const touched = new Map<
      string,
      { bestBid: number | null; bestAsk: number | null; told: boolean }
    >();
    const missing = new Set<string>();
    for (const c of m.changes) {
      const b = this.bookFor(c.assetId, m.market);
      if (b.status !== "LIVE") {
        // Once per message and asset: the delta has no book under it.
        if (!missing.has(c.assetId)) {
          missing.add(c.assetId);
          this.stats.gaps++;
          this.stats.resyncs++;
          effects.push({
            kind: "resync",
            assetId: c.assetId,
            reason: "DELTA_BEFORE_SNAPSHOT",
            gap: true,
          });
        }
        continue;
      }
      if (m.ts < b.ts) {
        this.stats.stale++;
        effects.push(skip("STALE", `price_change at ${m.ts} older than book ${b.ts}`));
        continue;
      }
      const levels = c.side === "BUY" ? b.bids : b.asks;
      if (c.size === 0) levels.delete(c.price);
      else levels.set(c.price, c.size);
      b.ts = m.ts;
      const told = c.bestBid !== null || c.bestAsk !== null;
      touched.set(c.assetId, { bestBid: c.bestBid, bestAsk: c.bestAsk, told });
    }
    // The venue's best_bid/best_ask describe the book after the whole message.
    for (const [assetId, top] of touched) {
      const b = this.books.get(assetId);
      if (b === undefined || b.status !== "LIVE") continue;
      this.stats.applied++;
      if (crossed(b)) effects.push(this.drop(b, "CROSSED"));
      else if (
        top.told &&
        (best(b.bids, "BUY") !== top.bestBid || best(b.asks, "SELL") !== top.bestAsk)
      ) {
        effects.push(this.drop(b, "TOP_OF_BOOK_MISMATCH"));
      } else effects.push({ kind: "book", assetId });
    }
    return effects;
  }

  private onTickSize(m: Extract<WireMessage, { kind: "tick_size_change" }>): BookEffect[] {
    const b = this.bookFor(m.assetId, m.market);
    b.tickSize = m.newTickSize;
    this.stats.applied++;
    return [this.drop(b, "TICK_SIZE_CHANGE")];
  }

  private onTrade(m: Extract<WireMessage, { kind: "last_trade_price" }>): BookEffect[] {
    const b = this.bookFor(m.assetId, m.market);
    const trade = { price: m.price, size: m.size, side: m.side, ts: m.ts };
    b.lastTrade = trade;
    this.stats.applied++;
    return [{ kind: "trade", assetId: m.assetId, trade }];
  }

  private onResolved(m: Extract<WireMessage, { kind: "market_resolved" }>): BookEffect[] {
    for (const assetId of m.assetIds)
      this.bookFor(assetId, m.market).winner = assetId === m.winningAssetId;
    this.stats.applied++;
    return [{ kind: "resolved", market: m.market, winningAssetId: m.winningAssetId }];
  }

  private drop(b: AssetBook, reason: ResyncReason): BookEffect {
    b.status = "AWAITING_SNAPSHOT";
    b.bids = new Map();
    b.asks = new Map();
    const gap = reason !== "TICK_SIZE_CHANGE";
    if (gap) this.stats.gaps++;
    this.stats.resyncs++;
    return { kind: "resync", assetId: b.assetId, reason, gap };
  }
}

function skip(
  reason: Extract<BookEffect, { kind: "skipped" }>["reason"],
  detail: string,
): BookEffect {
  return { kind: "skipped", reason, detail };
}

function best(levels: Map<number, number>, side: Side): number | null {
  let out: number | null = null;
  for (const price of levels.keys()) {
    if (out === null || (side === "BUY" ? price > out : price < out)) out = price;
  }
  return out;
}

function crossed(b: AssetBook): boolean {
  const bid = best(b.bids, "BUY");
  const ask = best(b.asks, "SELL");
  return bid !== null && ask !== null && bid >= ask;
}

function sumSizes(levels: Map<number, number>): number {
  let total = 0;
  for (const size of levels.values()) total += size;
  return total;
}

function viewOf(b: AssetBook): BookView {
  const bids = [...b.bids]
    .map(([price, size]) => ({ price, size }))
    .sort((x, y) => y.price - x.price);
  const asks = [...b.asks]
    .map(([price, size]) => ({ price, size }))
    .sort((x, y) => x.price - y.price);
  return {
    assetId: b.assetId,
    market: b.market,
    status: b.status,
    tickSize: b.tickSize,
    ts: b.ts,
    bids,
    asks,
    bestBid: bids[0]?.price ?? null,
    bestAsk: asks[0]?.price ?? null,
    depth: {
      bidLevels: bids.length,
      askLevels: asks.length,
      bidSize: sumSizes(b.bids),
      askSize: sumSizes(b.asks),
    },
    lastTrade: b.lastTrade,
    winner: b.winner,
  };
}
