/** MarketData's state: books per token, the windows they belong to, and what events turn into. */
import type { Level, Side } from "../../contracts/common.ts";
import type { VenueMarket } from "../runtime/venue.ts";

/** Stable reasons a feed event is refused; each is counted. */
export type RejectReason =
  | "SHAPE"
  | "UNKNOWN_TOKEN"
  | "WINDOW_MISMATCH"
  | "BAD_PRICE"
  | "BAD_SIZE"
  | "BAD_TICK"
  | "UNSORTED"
  | "CROSSED"
  | "BAD_WINDOW"
  | "TOKEN_CONFLICT";

/** More live windows than this means a runaway feed; new ones are refused. */
export const WINDOWS_MAX = 10_000;

export interface TokenBook {
  readonly tokenId: string;
  readonly windowId: string;
  readonly seq: number;
  readonly sourceTs: number;
  readonly receiveTs: number;
  readonly tickSize: number;
  readonly minSize: number;
  /** Best first, at most BOOK_LEVELS_MAX levels. */
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

export interface TokenState {
  readonly windowId: string;
  book: TokenBook | null;
  /** A seq gap was seen; cleared by the next contiguous snapshot. */
  gap: boolean;
  /** Receive time of the last accepted book or trade. */
  lastSeenAt: number | null;
}

export interface WindowEntry {
  market: VenueMarket;
  /** When this agent learned the window was OPEN (staleness counts from here at the latest). */
  openSince: number | null;
  resolvedAt: number | null;
}

export interface BookState {
  readonly windows: Map<string, WindowEntry>;
  readonly tokens: Map<string, TokenState>;
  /** Receive time of the last event that was not rejected. */
  lastEventAt: number | null;
  gapsTotal: number;
  readonly rejected: Map<RejectReason, number>;
}

export interface TradeOut {
  tokenId: string;
  price: number;
  size: number;
  side: Side;
  sourceTs: number;
  receiveTs: number;
}

export interface FeedGap {
  tokenId: string;
  fromSeq: number;
  toSeq: number;
}

export type Outcome =
  | { kind: "book"; book: TokenBook }
  /** The snapshot that revealed the gap is kept as the new baseline but not published. */
  | { kind: "gap"; gap: FeedGap }
  | { kind: "trade"; trade: TradeOut }
  | { kind: "window"; market: VenueMarket }
  | { kind: "tick"; tokenId: string; tickSize: number }
  | { kind: "ignored"; reason: "STALE_SEQ" | "STALE_WINDOW" }
  | { kind: "rejected"; reason: RejectReason; detail: string };

export function newBookState(): BookState {
  return {
    windows: new Map(),
    tokens: new Map(),
    lastEventAt: null,
    gapsTotal: 0,
    rejected: new Map(),
  };
}
