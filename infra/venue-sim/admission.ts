/**
 * Admission checks that need the book: would the order match as its type requires, and can our
 * account afford it? A BUY needs collateral for price × size plus the worst-case
 * taker fee (and at least the exact cost of the planned fills plus the reserve for what would
 * rest, which only differs when per-trade fee minimums add up); a SELL needs the shares.
 */
import type { PlaceOrderRequest } from "../../agents/runtime/venue.ts";
import type { SimVenueConfig } from "./config.ts";
import { fromMicro, notional, takerFee } from "../../contracts/money.ts";
import { ceilNotional, worstCaseFee } from "./amounts.ts";
import type { Ledger } from "./ledger.ts";
import type { PlannedFill } from "./order-book.ts";
import { type Rejection, reject } from "./validation.ts";

export function checkFunds(
  req: PlaceOrderRequest,
  plan: readonly PlannedFill[],
  rests: boolean,
  feeRateBps: number,
  ledger: Ledger,
): Rejection | null {
  if (req.side === "SELL") {
    const available = ledger.availableShares(req.tokenId);
    if (available >= req.size) return null;
    return reject(
      "INSUFFICIENT_BALANCE",
      `not enough balance: selling ${fromMicro(req.size)} shares, ${fromMicro(available)} available`,
    );
  }
  const required = Math.max(
    ceilNotional(req.size, req.price) + worstCaseFee(req.size, req.price, feeRateBps),
    exactBuyCost(req, plan, rests, feeRateBps),
  );
  const available = ledger.availableCollateral();
  if (available < required) {
    return reject(
      "INSUFFICIENT_BALANCE",
      `not enough balance: need ${fromMicro(required)}, ${fromMicro(available)} available`,
    );
  }
  if (ledger.allowance < ledger.reservedCollateral + required) {
    return reject(
      "INSUFFICIENT_ALLOWANCE",
      `not enough allowance: need ${fromMicro(ledger.reservedCollateral + required)}, allowance ${fromMicro(ledger.allowance)}`,
    );
  }
  return null;
}

function exactBuyCost(
  req: PlaceOrderRequest,
  plan: readonly PlannedFill[],
  rests: boolean,
  feeRateBps: number,
): number {
  let cost = 0;
  let filled = 0;
  for (const f of plan) {
    cost += notional(f.size, f.price) + takerFee(f.size, f.price, feeRateBps);
    filled += f.size;
  }
  return rests ? cost + ceilNotional(req.size - filled, req.price) : cost;
}

export function plannedSize(plan: readonly PlannedFill[]): number {
  return plan.reduce((sum, f) => sum + f.size, 0);
}

/** FOK must fill completely, FAK at least partly; a marketable BUY must be worth the minimum. */
export function checkMatchable(
  req: PlaceOrderRequest,
  filled: number,
  cfg: SimVenueConfig,
): Rejection | null {
  if (req.orderType === "FOK" && filled < req.size) {
    return reject(
      "FOK_NOT_FILLED",
      "order couldn't be fully filled. FOK orders are fully filled or killed.",
    );
  }
  if (req.orderType === "FAK" && filled === 0) {
    return reject(
      "FAK_NOT_FILLED",
      "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found.",
    );
  }
  const value = notional(req.size, req.price);
  if (req.side === "BUY" && filled > 0 && value < cfg.marketableBuyNotionalMin) {
    return reject(
      "MIN_NOTIONAL",
      `invalid amount for a marketable BUY order ($${fromMicro(value)}), min size: $${fromMicro(cfg.marketableBuyNotionalMin)}`,
    );
  }
  return null;
}
