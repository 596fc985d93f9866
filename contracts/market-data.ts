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
