/**
 * Windows in MarketData's state: added or advanced by window events and the feed's market list
 * (statuses only move forward), and forgotten a while after they resolve. No I/O.
 */
import { MICRO } from "../../contracts/money.ts";
import type { VenueMarket, WindowStatus } from "../runtime/venue.ts";
import { WINDOWS_MAX, type BookState, type Outcome, type RejectReason } from "./book-types.ts";

const RANK: Record<WindowStatus, number> = { LISTED: 0, OPEN: 1, RESOLVED: 2 };

/**
 * Adds or advances a window (from a window event or the feed's market list). Statuses only move
 * forward, so a late or repeated announcement changes nothing.
 */
export function applyMarket(state: BookState, market: VenueMarket, now: number): Outcome {
  const bad = checkMarket(state, market);
  if (bad !== null) return bad;
  const existing = state.windows.get(market.windowId);
  if (existing !== undefined && RANK[market.status] <= RANK[existing.market.status]) {
    return { kind: "ignored", reason: "STALE_WINDOW" };
  }
  const open = market.status === "OPEN";
  state.windows.set(market.windowId, {
    market: { ...market },
    openSince: open ? now : (existing?.openSince ?? null),
    resolvedAt: market.status === "RESOLVED" ? now : null,
  });
  for (const tokenId of [market.upTokenId, market.downTokenId]) {
    if (!state.tokens.has(tokenId)) {
      state.tokens.set(tokenId, {
        windowId: market.windowId,
        book: null,
        gap: false,
        lastSeenAt: null,
      });
    }
  }
  return { kind: "window", market: { ...market } };
}

function checkMarket(
  state: BookState,
  m: VenueMarket,
): Extract<Outcome, { kind: "rejected" }> | null {
  if (m.startTs >= m.endTs) return reject("BAD_WINDOW", `${m.windowId} starts at or after its end`);
  if (m.upTokenId === m.downTokenId) return reject("BAD_WINDOW", `${m.windowId}: one token twice`);
  if (!isPrice(m.tickSize)) return reject("BAD_TICK", `${m.windowId} tick size ${m.tickSize}`);
  if (m.minSize < 0) return reject("BAD_SIZE", `${m.windowId} minimum size ${m.minSize}`);
  if (m.feeRateBps < 0 || m.feeRateBps > 10_000) {
    return reject("BAD_WINDOW", `${m.windowId} fee rate ${m.feeRateBps} bps`);
  }
  for (const tokenId of [m.upTokenId, m.downTokenId]) {
    const owner = state.tokens.get(tokenId)?.windowId;
    if (owner !== undefined && owner !== m.windowId) {
      return reject("TOKEN_CONFLICT", `token ${tokenId} already belongs to ${owner}`);
    }
  }
  if (!state.windows.has(m.windowId) && state.windows.size >= WINDOWS_MAX) {
    return reject("BAD_WINDOW", `more than ${WINDOWS_MAX} windows`);
  }
  return null;
}

/** Forgets windows resolved more than `retainMs` ago, with their tokens. Returns how many. */
export function pruneResolved(state: BookState, now: number, retainMs: number): number {
  let pruned = 0;
  for (const [windowId, entry] of state.windows) {
    if (entry.resolvedAt === null || now - entry.resolvedAt <= retainMs) continue;
    state.tokens.delete(entry.market.upTokenId);
    state.tokens.delete(entry.market.downTokenId);
    state.windows.delete(windowId);
    pruned++;
  }
  return pruned;
}

export function isPrice(p: number): boolean {
  return p > 0 && p < MICRO;
}

export function reject(
  reason: RejectReason,
  detail: string,
): Extract<Outcome, { kind: "rejected" }> {
  return { kind: "rejected", reason, detail };
}
