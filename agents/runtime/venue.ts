/**
 * The Venue port: everything Execution, MarketData and the Reconciler may ask of an exchange. The
 * simulated venue (infra/venue-sim) and the live Polymarket adapter both implement it, so every
 * mode runs the same code downstream of the fill source.
 *
 * Prices, sizes and amounts are integer micro-units (contracts/money.ts). Books are best-first
 * (bids descending, asks ascending), the opposite of the venue's wire format; adapters convert.
 * Every call takes an explicit `timeoutMs`.
 */
import type { Level, OrderType, Side } from "../../contracts/common.ts";

export interface CallOptions {
  /** The caller gives up after this long; a place that times out is `unknown`, never failed. */
  timeoutMs: number;
}

export interface PlaceOrderRequest {
  /** Ours, unique per order; the venue is idempotent by it. */
  clientOrderId: string;
  tokenId: string;
  side: Side;
  orderType: OrderType;
  /** Limit price, or the worst acceptable price for FOK/FAK (market-style) orders. */
  price: number;
  /** Shares. */
  size: number;
  /** GTD only: when the order stops resting (ms). Null for every other type. */
  expiresAt: number | null;
}

/** OPEN and PARTIALLY_FILLED rest on the book; the rest are terminal. */
export type VenueOrderStatus = "OPEN" | "PARTIALLY_FILLED" | "FILLED" | "CANCELLED" | "EXPIRED";

/** Why a venue ended an order: our request, FAK remainder, dead-man switch, market resolution. */
export type CancelReason = "USER" | "FAK_REMAINDER" | "HEARTBEAT" | "MARKET_RESOLVED";

export type TradeStatus = "MATCHED" | "CONFIRMED" | "FAILED";
export type Liquidity = "TAKER" | "MAKER";

/** One of our fills. `fee` is in collateral micro-units; makers pay none. */
export interface VenueTrade {
  tradeId: string;
  venueOrderId: string;
  clientOrderId: string;
  tokenId: string;
  windowId: string;
  side: Side;
  price: number;
  size: number;
  fee: number;
  liquidity: Liquidity;
  status: TradeStatus;
  matchedAt: number;
  updatedAt: number;
}

export interface VenueOrder {
  venueOrderId: string;
  clientOrderId: string;
  tokenId: string;
  windowId: string;
  side: Side;
  orderType: OrderType;
  price: number;
  size: number;
  filledSize: number;
  remaining: number;
  status: VenueOrderStatus;
  cancelReason: CancelReason | null;
  expiresAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export type PlaceResult =
  | {
      outcome: "accepted";
      venueOrderId: string;
      /**
       * CANCELLED on a fresh order means a FAK whose unfilled remainder was cancelled. A repeated
       * clientOrderId returns the order's state now, which may be anything.
       */
      status: VenueOrderStatus;
      filledSize: number;
      trades: VenueTrade[];
    }
  | { outcome: "rejected"; code: RejectCode; message: string }
  /** Sent, but the answer was lost (timeout, 5xx): the order may or may not exist. */
  | { outcome: "unknown"; reason: string };

/** Stable reasons for a definitive refusal: nothing was created. */
export type RejectCode =
  | "INVALID_ORDER"
  | "TICK_SIZE"
  | "MIN_SIZE"
  | "LOT_SIZE"
  | "MIN_NOTIONAL"
  | "INSUFFICIENT_BALANCE"
  | "INSUFFICIENT_ALLOWANCE"
  | "FOK_NOT_FILLED"
  | "FAK_NOT_FILLED"
  | "MARKET_CLOSED"
  | "UNKNOWN_TOKEN"
  | "DUPLICATE_CLIENT_ID"
  | "INVALID_EXPIRY"
  | "VENUE_UNAVAILABLE";

export interface CancelResult {
  cancelled: string[];
  /** venueOrderId → reason (NOT_FOUND, ALREADY_FILLED, ALREADY_CANCELLED, ALREADY_EXPIRED). */
  notCancelled: Record<string, string>;
}

/** An incomplete report (paging cut short, injected fault) must say `complete: false`. */
export interface ListReport<T> {
  complete: boolean;
  items: T[];
  asOf: number;
}
export interface ValueReport<T> {
  complete: boolean;
  value: T;
  asOf: number;
}

export interface VenuePosition {
  tokenId: string;
  shares: number;
}

export interface VenueBalance {
  /** Total collateral, including what is reserved. */
  collateral: number;
  allowance: number;
  /** Held for open BUY orders. */
  reserved: number;
}

export interface HeartbeatResult {
  /** If no heartbeat arrives by then, the venue cancels all our open orders. */
  deadlineTs: number;
}

export type WindowStatus = "LISTED" | "OPEN" | "RESOLVED";
export type WindowOutcome = "UP" | "DOWN";

export interface VenueMarket {
  windowId: string;
  slug: string;
  startTs: number;
  endTs: number;
  upTokenId: string;
  downTokenId: string;
  tickSize: number;
  minSize: number;
  feeRateBps: number;
  status: WindowStatus;
  outcome: WindowOutcome | null;
}

export type MarketEvent =
  | {
      type: "book";
      tokenId: string;
      windowId: string;
      /** Per token, +1 per change; a gap means a lost update. */
      seq: number;
      ts: number;
      bids: Level[];
      asks: Level[];
      tickSize: number;
      minSize: number;
    }
  | {
      type: "trade";
      tokenId: string;
      windowId: string;
      tradeId: string;
      price: number;
      size: number;
      /** The taker's side. */
      side: Side;
      ts: number;
    }
  | { type: "window"; event: "listed" | "opened" | "resolved"; window: VenueMarket; ts: number }
  | {
      type: "tick_size_change";
      tokenId: string;
      windowId: string;
      oldTickSize: number;
      newTickSize: number;
      ts: number;
    };

/**
 * One price of an up/down market's underlying (BTC/USD…), as the venue's price socket gives it
 * (Polymarket's RTDS, reference §2.4; the simulated path in paper). MarketData validates it.
 */
export interface UnderlyingTick {
  /** e.g. `btc/usd`. */
  symbol: string;
  /** Micro-USD, integer. */
  price: number;
  /** When the source priced it (ms). */
  ts: number;
  /** e.g. `rtds:crypto_prices_twap_sixty`, `sim`. */
  origin: string;
}

export type OrderUpdateKind = "placed" | "partially_filled" | "filled" | "cancelled" | "expired";

export type UserEvent =
  | { type: "order"; event: OrderUpdateKind; order: VenueOrder; ts: number }
  | { type: "trade"; trade: VenueTrade; ts: number };

export interface Venue {
  placeOrder(req: PlaceOrderRequest, opts: CallOptions): Promise<PlaceResult>;
  cancelOrder(venueOrderId: string, opts: CallOptions): Promise<CancelResult>;
  cancelAll(opts: CallOptions): Promise<CancelResult>;
  getOrder(
    query: { venueOrderId?: string; clientOrderId?: string },
    opts: CallOptions,
  ): Promise<VenueOrder | null>;
  openOrders(opts: CallOptions): Promise<ListReport<VenueOrder>>;
  /** Our trades whose status changed at or after `sinceTs` (all when omitted). */
  trades(query: { sinceTs?: number }, opts: CallOptions): Promise<ListReport<VenueTrade>>;
  positions(opts: CallOptions): Promise<ListReport<VenuePosition>>;
  balance(opts: CallOptions): Promise<ValueReport<VenueBalance>>;
  /** Arms (and feeds) the dead-man switch. */
  heartbeat(opts: CallOptions): Promise<HeartbeatResult>;
  markets(opts: CallOptions): Promise<ListReport<VenueMarket>>;
  /** Returns the unsubscribe function. */
  subscribeMarket(listener: (e: MarketEvent) => void): () => void;
  subscribeUser(listener: (e: UserEvent) => void): () => void;
  /**
   * The underlying's ticks, where the venue has a price socket (absent: no underlying). Ticks may
   * be malformed: check them. Returns the unsubscribe function.
   */
  subscribeUnderlying?(listener: (tick: UnderlyingTick) => void): () => void;
}

/** An operating failure talking to the venue: named, with a stable `code` and the `cause`. */
export class VenueError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No answer within the caller's timeout. For anything that changes state, the change may have happened. */
export class VenueTimeoutError extends VenueError {
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super("VENUE_TIMEOUT", `venue ${operation} timed out after ${timeoutMs} ms`, options);
  }
}

/** The venue answered 5xx. For anything that changes state, the change may have happened. */
export class VenueServerError extends VenueError {
  constructor(
    readonly operation: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super("VENUE_SERVER_ERROR", `venue ${operation} failed with HTTP ${status}`, options);
  }
}
