/** Internal state of the simulated venue. Mutable on purpose; snapshots copy it out. */
import type { TimerHandle } from "../../bus/clock.ts";
import type { OrderType, Side } from "../../contracts/common.ts";
import type {
  CancelReason,
  VenueOrder,
  VenueOrderStatus,
  VenueTrade,
} from "../../agents/runtime/venue.ts";

/** Our account, the one the Venue port acts for. Liquidity providers are `LP`. */
export const SELF = "self";
export const LP = "lp";
export type Owner = typeof SELF | typeof LP;

export interface SimOrder {
  readonly venueOrderId: string;
  /** Empty for liquidity-provider orders. */
  readonly clientOrderId: string;
  readonly owner: Owner;
  /** Whose ledger a SELF order books to (`MAIN_ACCOUNT` for the port's); empty for LP orders. */
  readonly account: string;
  readonly tokenId: string;
  readonly windowId: string;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly price: number;
  readonly size: number;
  filledSize: number;
  status: VenueOrderStatus;
  cancelReason: CancelReason | null;
  readonly expiresAt: number | null;
  readonly createdAt: number;
  updatedAt: number;
  /** Time priority: lower rests first at a price. */
  readonly seq: number;
  /** Collateral (BUY) or shares (SELL) still held for the resting remainder; 0 for LP orders. */
  reserved: number;
  expiryTimer: TimerHandle | null;
}

/** The other order of a match: on our token, or on the complementary one (a mint or a merge). */
export interface Counterparty {
  readonly tokenId: string;
  readonly side: Side;
  readonly price: number;
  /** The other order's ids when it is a trader's (SELF), not a liquidity provider's. */
  readonly order?: { readonly venueOrderId: string; readonly clientOrderId: string };
}

export interface SimTrade extends VenueTrade {
  /** Decided at match time so the random stream does not depend on timing. */
  readonly fate: "CONFIRMED" | "FAILED";
  readonly counterparty: Counterparty;
  /** The account whose ledger the trade moved. */
  readonly account: string;
  settleTimer: TimerHandle | null;
}

export function remainingOf(o: SimOrder): number {
  return o.size - o.filledSize;
}

export function isResting(o: SimOrder): boolean {
  return o.status === "OPEN" || o.status === "PARTIALLY_FILLED";
}

export function orderView(o: SimOrder): VenueOrder {
  return {
    venueOrderId: o.venueOrderId,
    clientOrderId: o.clientOrderId,
    tokenId: o.tokenId,
    windowId: o.windowId,
    side: o.side,
    orderType: o.orderType,
    price: o.price,
    size: o.size,
    filledSize: o.filledSize,
    remaining: remainingOf(o),
    status: o.status,
    cancelReason: o.cancelReason,
    expiresAt: o.expiresAt,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
}

export function tradeView(t: SimTrade): VenueTrade {
  return {
    tradeId: t.tradeId,
    venueOrderId: t.venueOrderId,
    clientOrderId: t.clientOrderId,
    tokenId: t.tokenId,
    windowId: t.windowId,
    side: t.side,
    price: t.price,
    size: t.size,
    fee: t.fee,
    liquidity: t.liquidity,
    status: t.status,
    matchedAt: t.matchedAt,
    updatedAt: t.updatedAt,
  };
}

/** Our side of one match, as first reported (MATCHED). */
export function fillOf(
  o: SimOrder,
  tradeId: string,
  fill: { price: number; size: number },
  fee: number,
  liquidity: VenueTrade["liquidity"],
  now: number,
): VenueTrade {
  return {
    tradeId,
    venueOrderId: o.venueOrderId,
    clientOrderId: o.clientOrderId,
    tokenId: o.tokenId,
    windowId: o.windowId,
    side: o.side,
    price: fill.price,
    size: fill.size,
    fee,
    liquidity,
    status: "MATCHED",
    matchedAt: now,
    updatedAt: now,
  };
}
