/**
 * What Portfolio knows of the market: each token's latest book (for marks, exit prices and the
 * audit trail), each window (end, tokens, fee rate, outcome) and the CRO's trading state. Both
 * maps are bounded: the least recently updated entry goes first.
 */
import type { Level, TradingState } from "../../contracts/common.ts";
import type { MdBook, MdWindow } from "../../contracts/market-data.ts";
import type { BookView } from "./exit-intent.ts";

/** Tokens and windows remembered; far more than a 15-minute market ever has open. */
export const MARKETS_TRACKED_MAX = 2_000;
/** Levels per side kept for the audit record of an exit decision. */
export const AUDIT_LEVELS_MAX = 5;

export interface BookRecord extends BookView {
  tokenId: string;
  sourceTs: number;
  receiveTs: number;
  bids: Level[];
  asks: Level[];
}

export type WindowView = Pick<
  MdWindow,
  | "windowId"
  | "startTs"
  | "endTs"
  | "upTokenId"
  | "downTokenId"
  | "feeRateBps"
  | "status"
  | "outcome"
>;

export class Markets {
  croState: TradingState | null = null;
  private readonly books = new Map<string, BookRecord>();
  private readonly windows = new Map<string, WindowView>();

  /** Records a book; returns its best bid (null when the bid side is empty). */
  book(m: MdBook): number | null {
    const bid = m.bids[0]?.price ?? null;
    const before = this.books.get(m.tokenId)?.coarsestTick ?? m.tickSize;
    remember(this.books, m.tokenId, {
      tokenId: m.tokenId,
      bid,
      tickSize: m.tickSize,
      coarsestTick: Math.max(before, m.tickSize),
      minSize: m.minSize,
      seq: m.seq,
      sourceTs: m.sourceTs,
      receiveTs: m.receiveTs,
      bids: m.bids.slice(0, AUDIT_LEVELS_MAX),
      asks: m.asks.slice(0, AUDIT_LEVELS_MAX),
    });
    return bid;
  }

  bookOf(tokenId: string): BookRecord | null {
    return this.books.get(tokenId) ?? null;
  }

  window(m: MdWindow): void {
    const { windowId, startTs, endTs, upTokenId, downTokenId, feeRateBps, status, outcome } = m;
    remember(this.windows, windowId, {
      windowId,
      startTs,
      endTs,
      upTokenId,
      downTokenId,
      feeRateBps,
      status,
      outcome,
    });
  }

  windowOf(windowId: string): WindowView | null {
    return this.windows.get(windowId) ?? null;
  }

  feeRateBps(windowId: string): number | null {
    return this.windows.get(windowId)?.feeRateBps ?? null;
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MARKETS_TRACKED_MAX) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
}

/**
 * End of a window named by its slug (`<asset>-updown-<n>m-<start unix seconds>`, or `<n>s` for the
 * simulator's compressed windows), for positions whose md.window was announced before this
 * Portfolio started; null if the id has another shape.
 */
export function windowEndFromSlug(windowId: string): number | null {
  const match = /-updown-(\d+)([ms])-(\d+)$/.exec(windowId);
  if (match === null) return null;
  const lengthSeconds = Number(match[1]) * (match[2] === "m" ? 60 : 1);
  const startSeconds = Number(match[3]);
  return (startSeconds + lengthSeconds) * 1_000;
}
