/**
 * Money checks (invariant 7: limits belong to the CRO). Worst case of a BUY is its whole notional
 * plus the taker fee (the token can settle at 0), so the loss limits veto an entry that could
 * carry the day or the session past its limit, not only one made after the limit was hit.
 *
 * Approvals already issued but not yet seen as orders count as orders: otherwise a burst of
 * intents decided before Execution persists anything would all see the same empty book.
 */
import type { CheckResult } from "../../contracts/cro.ts";
import { formatUsd, notional, takerFee } from "../../contracts/money.ts";
import { result } from "./check-result.ts";
import { WORKING_STATUSES, type CheckSnapshot, type PendingApproval } from "./check-types.ts";

/** Notional plus the taker fee, in micro-dollars: what a BUY can cost at most. */
export function buyCost(size: number, price: number, feeRateBps: number): number {
  return notional(size, price) + takerFee(size, price, feeRateBps);
}

function intentCost(s: CheckSnapshot): number {
  return buyCost(s.intent.size, s.intent.limitPrice, s.window?.feeRateBps ?? 0);
}

/** Approvals for which the store shows no order yet. */
export function unplaced(s: CheckSnapshot): PendingApproval[] {
  const placed = new Set([...s.tokenOrders, ...s.openOrders].map((o) => o.intentId));
  return s.pendingApprovals.filter((a) => a.expiresAt > s.now && !placed.has(a.intentId));
}

/** Per position: notional (size × price) of this entry plus what the position already cost. */
export function positionCap(s: CheckSnapshot): CheckResult {
  const cap = s.controls.position_cap_usd;
  const already = s.position?.costBasis ?? 0;
  const total = notional(s.intent.size, s.intent.limitPrice) + already;
  const ok = total <= cap;
  return result(
    "POSITION_CAP",
    ok,
    `position notional ${formatUsd(total)} vs cap ${formatUsd(cap)}`,
  );
}

/** Entry orders on this window and token (refused ones never left Execution and do not count). */
export function ordersPerWindow(s: CheckSnapshot): CheckResult {
  const { windowId, tokenId } = s.intent;
  const orders = s.tokenOrders.filter(
    (o) =>
      o.windowId === windowId &&
      o.tokenId === tokenId &&
      o.kind === "ENTRY" &&
      o.status !== "REFUSED",
  ).length;
  const pending = unplaced(s).filter(
    (a) => a.windowId === windowId && a.tokenId === tokenId && a.kind === "ENTRY",
  ).length;
  const max = s.controls.orders_per_window_max;
  const ok = orders + pending < max;
  return result("ORDERS_PER_WINDOW", ok, `${orders} order(s) + ${pending} approved, max ${max}`);
}

function lossLimit(
  code: "DAILY_DRAWDOWN" | "SESSION_LOSS",
  pnl: number,
  limit: number,
  s: CheckSnapshot,
): CheckResult {
  const worst = pnl - intentCost(s);
  const ok = worst >= -limit;
  const detail = `PnL ${formatUsd(pnl)}, worst case after this entry ${formatUsd(worst)}, limit -${formatUsd(limit)}`;
  return result(code, ok, detail);
}

export function dailyDrawdown(s: CheckSnapshot): CheckResult {
  return lossLimit("DAILY_DRAWDOWN", s.dailyPnl, s.controls.daily_drawdown_usd, s);
}

export function sessionLoss(s: CheckSnapshot): CheckResult {
  return lossLimit("SESSION_LOSS", s.sessionPnl, s.controls.session_loss_usd, s);
}

/** Balance reserved by working BUY orders (their unfilled part) and by unplaced BUY approvals. */
export function reservedBalance(s: CheckSnapshot): number {
  let reserved = 0;
  for (const o of s.openOrders) {
    if (o.side !== "BUY" || !WORKING_STATUSES.includes(o.status)) continue;
    reserved += notional(Math.max(0, o.size - o.filledSize), o.price);
  }
  for (const a of unplaced(s)) reserved += a.reserved;
  return reserved;
}

export function balance(s: CheckSnapshot): CheckResult {
  if (s.balance === null)
    return result("BALANCE", false, "no balance reported by reconciliation yet");
  const reserved = reservedBalance(s);
  const need = intentCost(s);
  const available = s.balance - reserved;
  const allowance = s.allowance ?? null;
  if (allowance !== null && allowance - reserved < available) {
    // Collateral the exchange may not spend is not available: the allowance binds.
    const free = allowance - reserved;
    const ok = need <= free;
    return result(
      "BALANCE",
      ok,
      `needs ${formatUsd(need)}, allowance available ${formatUsd(free)} (balance ${formatUsd(available)})`,
    );
  }
  const ok = need <= available;
  return result("BALANCE", ok, `needs ${formatUsd(need)}, available ${formatUsd(available)}`);
}

export function orderRate(s: CheckSnapshot): CheckResult {
  const max = s.controls.order_rate_per_min;
  const ok = s.recentEntryApprovals < max;
  return result(
    "ORDER_RATE",
    ok,
    `${s.recentEntryApprovals} entries approved in the window, max ${max}`,
  );
}
