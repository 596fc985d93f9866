/**
 * The strategy plug-in interface. A strategy is a pure, deterministic function of what it is shown
 * — one window's state — to at most one Signal. It never sees the bus, the clock or the venue, and
 * it sets no limits: the CRO owns those (DESIGN.md invariant 7).
 */
import type { z } from "zod";
import type { Level, OrderType, Side } from "../../contracts/common.ts";

export interface BookView {
  readonly seq: number;
  /** Best first. */
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
  readonly sourceTs: number;
  readonly receiveTs: number;
}

/** One recorded mid price (micro-units); at most one per sampling bucket, oldest first. */
export interface MidSample {
  readonly ts: number;
  readonly mid: number;
}

export interface OutcomeView {
  readonly tokenId: string;
  /** Null when no fresh book is known for the token. */
  readonly book: BookView | null;
  readonly mids: readonly MidSample[];
}

/**
 * The window's underlying (BTC/USD…): its latest price, the price to beat (the price at the
 * window's start; the window resolves Up iff the close is at or above it, reference §4.5) and the
 * distance between them. Prices are micro-USD integers.
 */
export interface UnderlyingView {
  readonly symbol: string;
  readonly price: number;
  readonly sourceTs: number;
  /** Null when MarketData did not see the window's start (e.g. it started later). */
  readonly priceToBeat: number | null;
  /** `price − priceToBeat` (micro-USD); positive: Up is winning now. Null without a price to beat. */
  readonly distance: number | null;
}

export interface WindowState {
  readonly windowId: string;
  readonly slug: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly now: number;
  readonly timeRemainingMs: number;
  readonly up: OutcomeView;
  readonly down: OutcomeView;
  readonly tickSize: number;
  readonly minSize: number;
  /** Entries this strategy already made in this window. */
  readonly positionsOpen: number;
  /** Null when no fresh underlying price is known (no price socket, or it went quiet). */
  readonly underlying: UnderlyingView | null;
}

/** Order types a signal may ask for (GTD needs an expiry, which signals do not carry). */
export type SignalOrderType = Exclude<OrderType, "GTD">;

export interface Signal {
  readonly tokenId: string;
  readonly side: Side;
  readonly orderType: SignalOrderType;
  /** Micro-units; for FAK/FOK the worst acceptable price. */
  readonly limitPrice: number;
  /** Shares, micro-units. */
  readonly size: number;
  readonly reason: string;
}

export interface Strategy<P extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  /** Slug prefixes of the instruments it trades, e.g. "btc-updown-15m". */
  readonly instruments: readonly string[];
  /** Declared parameters, each with a default. */
  readonly params: P;
  evaluate(window: WindowState, params: z.infer<P>): Signal | null;
}

export function bestBid(book: BookView | null): Level | null {
  return book?.bids[0] ?? null;
}

export function bestAsk(book: BookView | null): Level | null {
  return book?.asks[0] ?? null;
}

/** Mid of the best bid and ask, floored to a micro-unit; null unless both sides exist. */
export function midPrice(book: BookView | null): number | null {
  const bid = bestBid(book);
  const ask = bestAsk(book);
  return bid === null || ask === null ? null : Math.floor((bid.price + ask.price) / 2);
}

/** The latest sample taken at or before `ts`, or null when history does not reach back so far. */
export function midAt(mids: readonly MidSample[], ts: number): MidSample | null {
  let found: MidSample | null = null;
  for (const s of mids) {
    if (s.ts > ts) break;
    found = s;
  }
  return found;
}
