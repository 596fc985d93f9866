/**
 * Position accounting, pure and in integer micro-units (contracts/money.ts). Average-cost method:
 * a sell releases the held cost basis in proportion to the shares sold (floored; the last sell
 * releases exactly what is left, so a closed position carries no rounding residue).
 *
 * Fees are realized the moment they are paid, so at any time
 *   realizedPnl = exitProceeds + payout − (entryCost − costBasis) − fees
 * and for a closed position realizedPnl = proceeds + payout − cost − fees (invariants.ts checks
 * this identity from the fills themselves).
 */
import { MICRO, notional, takerFee } from "../../contracts/money.ts";
import type { Side } from "../../contracts/common.ts";

export interface Holdings {
  /** Confirmed shares held now. */
  size: number;
  /** Cost (micro-dollars) of the shares held now. */
  costBasis: number;
  /** Every fee paid on confirmed fills. */
  fees: number;
  /** Net of fees. */
  realizedPnl: number;
  entrySize: number;
  entryCost: number;
  exitSize: number;
  exitProceeds: number;
  /** Shares turned into collateral by the window's resolution. */
  settledSize: number;
  /** What the resolution paid per share (MICRO or 0); null until settled. */
  settlementPrice: number | null;
  payout: number;
}

export const EMPTY_HOLDINGS: Holdings = {
  size: 0,
  costBasis: 0,
  fees: 0,
  realizedPnl: 0,
  entrySize: 0,
  entryCost: 0,
  exitSize: 0,
  exitProceeds: 0,
  settledSize: 0,
  settlementPrice: null,
  payout: 0,
};

/** The part of a fill that accounting needs. */
export interface BookedFill {
  side: Side;
  price: number;
  size: number;
  fee: number;
}

/** Books one CONFIRMED fill. (Shares that arrive after settlement: see `settle`.) */
export function bookFill(h: Holdings, fill: BookedFill): Holdings {
  const value = notional(fill.size, fill.price);
  if (fill.side === "BUY") {
    const next: Holdings = {
      ...h,
      size: h.size + fill.size,
      costBasis: h.costBasis + value,
      fees: h.fees + fill.fee,
      realizedPnl: h.realizedPnl - fill.fee,
      entrySize: h.entrySize + fill.size,
      entryCost: h.entryCost + value,
    };
    return next;
  }
  const released = costReleased(h, fill.size);
  return {
    ...h,
    size: h.size - fill.size,
    costBasis: h.costBasis - released,
    fees: h.fees + fill.fee,
    realizedPnl: h.realizedPnl + value - released - fill.fee,
    exitSize: h.exitSize + fill.size,
    exitProceeds: h.exitProceeds + value,
  };
}

/** Cost basis that `shares` of the holding carry: proportional, floored; all of it for the rest. */
export function costReleased(h: Holdings, shares: number): number {
  if (shares >= h.size || h.size <= 0) return h.costBasis;
  return Number((BigInt(h.costBasis) * BigInt(shares)) / BigInt(h.size));
}

/**
 * The window resolved: `shares` of the holding (default: all of it) become `payoutPerShare` of
 * collateral each, releasing their cost basis. Shares still covered by a pending (MATCHED) sell
 * are left out by the caller: they settle when that sell fails, or leave when it confirms.
 */
export function settle(h: Holdings, payoutPerShare: number, shares = h.size): Holdings {
  const payout = notional(shares, payoutPerShare);
  const released = costReleased(h, shares);
  return {
    ...h,
    size: h.size - shares,
    costBasis: h.costBasis - released,
    realizedPnl: h.realizedPnl + payout - released,
    settledSize: h.settledSize + shares,
    settlementPrice: payoutPerShare,
    payout: h.payout + payout,
  };
}

/**
 * What the held shares would add to realized PnL if sold at `mark` now, net of the taker fee that
 * sale would pay (fees already paid are in realized PnL). 0 with no shares or no mark.
 */
export function unrealizedPnl(h: Holdings, mark: number | null, feeRateBps: number): number {
  if (h.size <= 0 || mark === null) return 0;
  return notional(h.size, mark) - h.costBasis - takerFee(h.size, mark, feeRateBps);
}

/** Volume-weighted price of `size` shares that cost `cost`; null with no shares. */
export function averagePrice(cost: number, size: number): number | null {
  if (size <= 0) return null;
  return Number((BigInt(cost) * BigInt(MICRO)) / BigInt(size));
}

export interface Slippage {
  /** Price difference against us (paid more on a buy, got less on a sell); negative = better. */
  adversePriceMicro: number;
  /** That difference over the fill's size, in micro-dollars (floored toward −∞). */
  adverseCostMicro: number;
}

/** Slippage of one fill: the intent's price against the venue's actual price. */
export function slippage(fill: {
  side: Side;
  price: number;
  intendedPrice: number;
  size: number;
}): Slippage {
  const diff =
    fill.side === "BUY" ? fill.price - fill.intendedPrice : fill.intendedPrice - fill.price;
  return { adversePriceMicro: diff, adverseCostMicro: notional(fill.size, diff) };
}
