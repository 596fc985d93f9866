/**
 * What the Strategy agent knows of the market: windows (from md.window), the latest book per token
 * (from md.book) and a sampled history of mids, turned into the WindowState a strategy evaluates.
 * No I/O: the agent feeds messages in with their receive time.
 */
import {
  underlyingSymbolOf,
  type MdBook,
  type MdUnderlying,
  type MdWindow,
} from "../../contracts/market-data.ts";
import type { Cause } from "../../bus/messages.ts";
import {
  midPrice,
  type BookView,
  type MidSample,
  type OutcomeView,
  type UnderlyingView,
  type WindowState,
} from "./strategy.ts";

export type WindowInfo = Pick<
  MdWindow,
  | "windowId"
  | "slug"
  | "startTs"
  | "endTs"
  | "upTokenId"
  | "downTokenId"
  | "tickSize"
  | "minSize"
  | "status"
>;

export interface HeldBook extends BookView {
  readonly tokenId: string;
  readonly windowId: string;
  /** When this agent received it (its own clock). */
  readonly seenAt: number;
  /** The md.book message, so an intent continues its correlation chain. */
  readonly cause: Cause;
}

export interface ViewBounds {
  /** Mids older than this are forgotten. */
  historyMs: number;
  /** At most one mid per bucket of this size (the latest in the bucket). */
  midSampleMs: number;
  /** A book not refreshed for this long is shown to strategies as missing. */
  bookMaxAgeMs: number;
  /** Windows remembered at once; the oldest by start go first. */
  windowsMax: number;
}

const RANK = { LISTED: 0, OPEN: 1, RESOLVED: 2 } as const;

export class MarketView {
  readonly windows = new Map<string, WindowInfo>();
  private readonly tokenWindow = new Map<string, string>();
  private readonly books = new Map<string, HeldBook>();
  private readonly mids = new Map<string, MidSample[]>();
  /** The latest md.underlying per symbol, with when it was seen (this agent's clock). */
  private readonly underlying = new Map<string, { tick: MdUnderlying; seenAt: number }>();
  /** Each window's price to beat, as MarketData recorded it at the window's start. */
  private readonly priceToBeat = new Map<string, number>();
  /** Recently resolved ids, so a late or redelivered OPEN does not bring a window back. */
  private readonly resolved = new Set<string>();

  constructor(private readonly bounds: ViewBounds) {}

  /** Adds, advances or (when RESOLVED) forgets a window. Statuses only move forward. */
  applyWindow(m: WindowInfo): "added" | "updated" | "resolved" | "ignored" {
    if (this.resolved.has(m.windowId)) return "ignored";
    const known = this.windows.get(m.windowId);
    if (known !== undefined && RANK[m.status] <= RANK[known.status]) return "ignored";
    if (m.status === "RESOLVED") {
      this.forget(m.windowId);
      this.remember(m.windowId);
      return "resolved";
    }
    const info: WindowInfo = { ...m };
    this.windows.set(m.windowId, info);
    this.tokenWindow.set(m.upTokenId, m.windowId);
    this.tokenWindow.set(m.downTokenId, m.windowId);
    this.evictOldest();
    return known === undefined ? "added" : "updated";
  }

  /** Keeps the book of a known window's token; returns that window, or null if unknown/stale. */
  applyBook(b: MdBook, seenAt: number): WindowInfo | null {
    const windowId = this.tokenWindow.get(b.tokenId);
    const window = windowId === undefined ? undefined : this.windows.get(windowId);
    if (window === undefined || window.windowId !== b.windowId) return null;
    const prior = this.books.get(b.tokenId);
    if (prior !== undefined && b.seq <= prior.seq) return null;
    const held: HeldBook = {
      tokenId: b.tokenId,
      windowId: b.windowId,
      seq: b.seq,
      bids: b.bids,
      asks: b.asks,
      sourceTs: b.sourceTs,
      receiveTs: b.receiveTs,
      seenAt,
      cause: { id: b.id, correlationId: b.correlationId },
    };
    this.books.set(b.tokenId, held);
    this.sample(b.tokenId, held, seenAt);
    return window;
  }

  /** Keeps the latest underlying tick of its symbol and the prices to beat it carries. */
  applyUnderlying(m: MdUnderlying, seenAt: number): boolean {
    const prior = this.underlying.get(m.symbol);
    if (prior !== undefined && m.sourceTs < prior.tick.sourceTs) return false;
    this.underlying.set(m.symbol, { tick: m, seenAt });
    for (const w of m.windows) {
      if (this.windows.has(w.windowId)) this.priceToBeat.set(w.windowId, w.priceToBeat);
    }
    return true;
  }

  /** Forgets every book (after a lost connection they are stale); windows and mids stay. */
  dropBooks(): void {
    this.books.clear();
  }

  book(tokenId: string): HeldBook | null {
    return this.books.get(tokenId) ?? null;
  }

  windowState(w: WindowInfo, now: number, positionsOpen: number): WindowState {
    return {
      windowId: w.windowId,
      slug: w.slug,
      startTs: w.startTs,
      endTs: w.endTs,
      now,
      timeRemainingMs: w.endTs - now,
      up: this.outcome(w.upTokenId, now),
      down: this.outcome(w.downTokenId, now),
      tickSize: w.tickSize,
      minSize: w.minSize,
      positionsOpen,
      underlying: this.underlyingOf(w, now),
    };
  }

  /** The window's underlying, when a fresh tick of its symbol is known (books' age bound). */
  private underlyingOf(w: WindowInfo, now: number): UnderlyingView | null {
    const symbol = underlyingSymbolOf(w.slug);
    const held = symbol === null ? undefined : this.underlying.get(symbol);
    if (held === undefined || now - held.seenAt > this.bounds.bookMaxAgeMs) return null;
    const priceToBeat = this.priceToBeat.get(w.windowId) ?? null;
    return {
      symbol: held.tick.symbol,
      price: held.tick.price,
      sourceTs: held.tick.sourceTs,
      priceToBeat,
      distance: priceToBeat === null ? null : held.tick.price - priceToBeat,
    };
  }

  /** Drops windows that ended more than `graceMs` ago (their RESOLVED may never come). */
  pruneEnded(now: number, graceMs: number): string[] {
    const ended = [...this.windows.values()].filter((w) => w.endTs + graceMs < now);
    for (const w of ended) this.forget(w.windowId);
    return ended.map((w) => w.windowId);
  }

  private outcome(tokenId: string, now: number): OutcomeView {
    const held = this.books.get(tokenId);
    const fresh = held !== undefined && now - held.seenAt <= this.bounds.bookMaxAgeMs;
    return {
      tokenId,
      book: fresh ? held : null,
      mids: recent(this.mids.get(tokenId), now - this.bounds.historyMs),
    };
  }

  private sample(tokenId: string, book: BookView, now: number): void {
    const mid = midPrice(book);
    if (mid === null) return;
    const list = this.mids.get(tokenId) ?? [];
    const last = list[list.length - 1];
    const bucket = (ts: number) => Math.floor(ts / this.bounds.midSampleMs);
    if (last !== undefined && bucket(last.ts) === bucket(now))
      list[list.length - 1] = { ts: now, mid };
    else list.push({ ts: now, mid });
    const horizon = now - this.bounds.historyMs;
    while ((list[0]?.ts ?? horizon) < horizon) list.shift();
    this.mids.set(tokenId, list);
  }

  private forget(windowId: string): void {
    const w = this.windows.get(windowId);
    this.windows.delete(windowId);
    this.priceToBeat.delete(windowId);
    if (w === undefined) return;
    for (const tokenId of [w.upTokenId, w.downTokenId]) {
      this.tokenWindow.delete(tokenId);
      this.books.delete(tokenId);
      this.mids.delete(tokenId);
    }
  }

  private remember(windowId: string): void {
    this.resolved.add(windowId);
    // Sets iterate in insertion order: the first is the oldest.
    for (const old of this.resolved) {
      if (this.resolved.size <= this.bounds.windowsMax * 4) break;
      this.resolved.delete(old);
    }
  }

  private evictOldest(): void {
    while (this.windows.size > this.bounds.windowsMax) {
      const oldest = [...this.windows.values()].sort((a, b) => a.startTs - b.startTs)[0];
      if (oldest === undefined) return;
      this.forget(oldest.windowId);
    }
  }
}

/**
 * A copy of the samples at or after `since`. The list is in time order (samples are taken at the
 * clock's time), so they are a suffix: sliced off, not filtered sample by sample, as every
 * evaluation of every window asks for both of its tokens.
 */
function recent(list: readonly MidSample[] | undefined, since: number): MidSample[] {
  if (list === undefined) return [];
  let first = 0;
  while (first < list.length && (list[first]?.ts ?? since) < since) first++;
  return list.slice(first);
}
