/**
 * The simulator's at-rest checks (invariant 5 and "nothing in flight"): once the faults have
 * stopped and things settled, our store's orders, fills, positions and cash against the venue's
 * books. Pure functions of a snapshot; the checker (invariants.ts) calls them and keeps what they
 * find.
 */
import type { VenueTrade } from "../../../agents/runtime/venue.ts";
import type { FillRecord, OrderRecord, PositionRecord } from "../../../agents/runtime/store.ts";
import type { InvariantId } from "./invariant-list.ts";

/** What the store and the venue hold once the system is at rest. */
export interface RestSnapshot {
  at: number;
  orders: readonly OrderRecord[];
  fills: readonly FillRecord[];
  positions: readonly PositionRecord[];
  venueTrades: readonly VenueTrade[];
  venueTradesComplete: boolean;
  venuePositions: readonly { tokenId: string; shares: number }[];
  /** The venue's collateral and what open orders reserve of it; null when it could not be read. */
  venueBalance: { collateral: number; reserved: number } | null;
  /** The collateral the account started the run with. */
  startingCollateral: number;
  /**
   * Only what last changed at or before this time is compared: a trade confirmed a moment ago may
   * still be on its way to us, which is travel, not a lie. Everything older must agree exactly.
   */
  settledBefore: number;
}

/** Records one violation (the checker's `violate`). */
export type Violate = (invariant: InvariantId, at: number, message: string) => void;

/** The money invariants and "nothing in flight", once faults have stopped and things settled. */
export function checkAtRest(s: RestSnapshot, violate: Violate): void {
  for (const o of s.orders) {
    const inFlight = o.status === "PENDING" || o.status === "SUBMITTED" || o.status === "UNKNOWN";
    if (inFlight && o.updatedAt <= s.settledBefore) {
      violate("in-flight", s.at, `order ${o.orderId} is still ${o.status} after the heal`);
    }
  }
  checkFillsEqualVenue(s, violate);
  checkPositions(s, violate);
  checkCash(s, violate);
}

/**
 * Our books' cash against the venue's collateral: every position's realized PnL (net of fees,
 * settlement payouts included) less what the open ones cost. Skipped while something is still
 * moving (a trade changed lately, a provisional fill, collateral reserved by a working order).
 */
function checkCash(s: RestSnapshot, violate: Violate): void {
  if (s.venueBalance === null) {
    violate("cash", s.at, "the venue's balance could not be read at rest");
    return;
  }
  const moving =
    s.venueBalance.reserved !== 0 ||
    s.venueTrades.some((t) => t.updatedAt > s.settledBefore) ||
    s.positions.some((p) => p.provisionalSize !== 0);
  if (moving) return;
  let cash = s.startingCollateral;
  for (const p of s.positions) {
    cash += p.realizedPnl;
    if (p.state !== "CLOSED") cash -= p.costBasis;
  }
  if (cash !== s.venueBalance.collateral) {
    violate(
      "cash",
      s.at,
      `our books say cash ${cash}, the venue holds ${s.venueBalance.collateral} (difference ${s.venueBalance.collateral - cash})`,
    );
  }
}

function checkFillsEqualVenue(s: RestSnapshot, violate: Violate): void {
  if (!s.venueTradesComplete) {
    violate("5-fills", s.at, "the venue's trade report was incomplete at rest");
    return;
  }
  const ours = new Map(s.fills.map((f) => [f.tradeId, f]));
  if (ours.size !== s.fills.length) violate("5-fills", s.at, "a trade is booked twice");
  let venueFees = 0;
  let ourFees = 0;
  for (const t of s.venueTrades) {
    if (t.updatedAt > s.settledBefore) continue;
    const f = ours.get(t.tradeId);
    if (f === undefined) {
      violate("5-fills", s.at, `venue trade ${t.tradeId} was never booked`);
      continue;
    }
    if (f.size !== t.size || f.price !== t.price || f.fee !== t.fee || f.status !== t.status) {
      violate(
        "5-fills",
        s.at,
        `trade ${t.tradeId}: booked ${f.size}@${f.price} fee ${f.fee} ${f.status}, venue ${t.size}@${t.price} fee ${t.fee} ${t.status}`,
      );
    }
    if (t.status !== "FAILED") venueFees += t.fee;
  }
  const settled = new Set(
    s.venueTrades.filter((t) => t.updatedAt <= s.settledBefore).map((t) => t.tradeId),
  );
  const venueIds = new Set(s.venueTrades.map((t) => t.tradeId));
  for (const f of s.fills) {
    if (!venueIds.has(f.tradeId)) {
      violate("5-fills", s.at, `fill ${f.tradeId} unknown to the venue`);
    } else if (settled.has(f.tradeId) && f.status !== "FAILED") ourFees += f.fee;
  }
  if (ourFees !== venueFees) {
    violate("5-fills", s.at, `fees booked ${ourFees}, venue charged ${venueFees}`);
  }
}

function checkPositions(s: RestSnapshot, violate: Violate): void {
  const held = new Map<string, number>();
  const moving = new Set(
    s.venueTrades.filter((t) => t.updatedAt > s.settledBefore).map((t) => t.tokenId),
  );
  const fillsOf = new Map<string, number>();
  const known = new Set(s.positions.map((p) => p.positionId));
  for (const f of s.fills) {
    if (f.status === "FAILED") continue;
    if (f.updatedAt <= s.settledBefore && (f.positionId === null || !known.has(f.positionId))) {
      violate(
        "5-fills",
        s.at,
        `fill ${f.tradeId} is booked in no position (${f.positionId ?? "none named"})`,
      );
    }
    if (f.positionId === null) continue;
    const signed = f.side === "BUY" ? f.size : -f.size;
    fillsOf.set(f.positionId, (fillsOf.get(f.positionId) ?? 0) + signed);
  }
  for (const p of s.positions) {
    if (p.state === "CLOSED" || moving.has(p.tokenId)) continue;
    const size = p.size + p.provisionalSize;
    held.set(p.tokenId, (held.get(p.tokenId) ?? 0) + size);
    const sum = fillsOf.get(p.positionId) ?? 0;
    if (sum !== size) {
      violate("5-fills", s.at, `position ${p.positionId} holds ${size}, its fills sum to ${sum}`);
    }
  }
  for (const vp of s.venuePositions) {
    if (vp.shares === 0 || moving.has(vp.tokenId)) continue;
    const ours = held.get(vp.tokenId) ?? 0;
    if (ours !== vp.shares) {
      violate("5-fills", s.at, `token ${vp.tokenId}: we hold ${ours}, the venue ${vp.shares}`);
    }
  }
}
