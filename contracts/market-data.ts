import { z } from "zod";
import { messageSchema } from "./envelope.ts";
import { BOOK_LEVELS_MAX, level, side, tokenId } from "./common.ts";
import { priceMicro, qtyMicro } from "./money.ts";

/**
 * A full L2 snapshot of one token. Inside predator books are best-first (bids descending, asks
 * ascending); the venue's wire lists best-last and the adapters convert.
 */
export const mdBook = messageSchema("md.book", {
  tokenId,
  windowId: z.string().min(1).max(128),
  seq: z.number().int().nonnegative(),
  sourceTs: z.number().int().nonnegative(),
  receiveTs: z.number().int().nonnegative(),
  tickSize: priceMicro,
  minSize: qtyMicro,
  bids: z.array(level).max(BOOK_LEVELS_MAX),
  asks: z.array(level).max(BOOK_LEVELS_MAX),
});
export type MdBook = z.infer<typeof mdBook>;

export const mdTrade = messageSchema("md.trade", {
  tokenId,
  price: priceMicro,
  size: qtyMicro,
  side,
  sourceTs: z.number().int().nonnegative(),
  receiveTs: z.number().int().nonnegative(),
});
export type MdTrade = z.infer<typeof mdTrade>;

export const feedStatus = z.enum(["OK", "STALE", "GAP", "DOWN"]);
/**
 * A feed's data completeness over one 15-minute window: of the window's whole 1-second buckets
 * elapsed, how many heard at least one message from the feed (agents/market-data/completeness.ts).
 */
export const windowCompleteness = z.object({
  windowStart: z.number().int().nonnegative(),
  buckets: z.number().int().nonnegative().max(900),
  filled: z.number().int().nonnegative().max(900),
  /** filled / buckets in percent, one decimal; null before the first whole bucket. */
  pct: z.number().min(0).max(100).nullable(),
});
export type WindowCompleteness = z.infer<typeof windowCompleteness>;
export const mdHealth = messageSchema("md.health", {
  feed: z.string().min(1).max(64),
  status: feedStatus,
  staleTokens: z.array(tokenId).max(1000),
  lastMessageAgeMs: z.number().int().nonnegative().nullable(),
  gapsTotal: z.number().int().nonnegative(),
  /** The current window's completeness, then the last one's (absent from older publishers). */
  completeness: z.array(windowCompleteness).max(2).optional(),
});
export type MdHealth = z.infer<typeof mdHealth>;

/** A 15-minute "Up or Down" window: announced when listed, again when resolved. */
export const mdWindow = messageSchema("md.window", {
  windowId: z.string().min(1).max(128),
  slug: z.string().min(1).max(128),
  startTs: z.number().int().nonnegative(),
  endTs: z.number().int().nonnegative(),
  upTokenId: tokenId,
  downTokenId: tokenId,
  tickSize: priceMicro,
  minSize: qtyMicro,
  feeRateBps: z.number().int().min(0).max(10_000),
  status: z.enum(["LISTED", "OPEN", "RESOLVED"]),
  outcome: z.enum(["UP", "DOWN"]).nullable(),
});
export type MdWindow = z.infer<typeof mdWindow>;

/** The underlying's price to beat of one window: its price at the window's start (reference §4.5). */
export const windowPriceToBeat = z.object({
  windowId: z.string().min(1).max(128),
  /** Micro-USD (integer): the first underlying tick at or after the window's start. */
  priceToBeat: z.number().int().positive(),
  /** The source timestamp of that tick. */
  sourceTs: z.number().int().nonnegative(),
});

/**
 * One tick of an up/down market's underlying (BTC/USD…): Polymarket's real-time data socket
 * (RTDS, Chainlink-based topics the windows settle on) live, the simulated path in paper. Carries
 * the price to beat of every window of that symbol MarketData knows one for, so an agent that
 * (re)starts has it with the next tick.
 */
export const mdUnderlying = messageSchema("md.underlying", {
  /** e.g. `btc/usd`. */
  symbol: z.string().min(1).max(32),
  /** Micro-USD (integer): 64,997.81 USD is 64_997_810_000. */
  price: z.number().int().positive(),
  /** Where it came from, e.g. `rtds:crypto_prices_twap_sixty` or `sim` (`source` is the envelope's). */
  origin: z.string().min(1).max(64),
  sourceTs: z.number().int().nonnegative(),
  receiveTs: z.number().int().nonnegative(),
  windows: z.array(windowPriceToBeat).max(64),
});
export type MdUnderlying = z.infer<typeof mdUnderlying>;

/** `btc-updown-15m-1778437800` → `btc/usd`: the underlying of an up/down window (reference §4.5). */
export function underlyingSymbolOf(slug: string): string | null {
  const m = /^([a-z0-9]+)-updown-/.exec(slug);
  return m?.[1] === undefined ? null : `${m[1]}/usd`;
}
