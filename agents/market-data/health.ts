/**
 * Feed health from MarketData's state, as md.health reports it. Pure: the actor publishes the
 * result every healthIntervalMs. Worst first: DOWN (nothing at all for downAfterMs) > GAP (a token
 * lost updates and has not resynced) > STALE (an OPEN window's token silent past staleAfterMs, or
 * the whole feed quiet, or never heard from yet) > OK.
 */
import type { BookState } from "./book-state.ts";

export type FeedStatus = "OK" | "STALE" | "GAP" | "DOWN";

/** md.health carries at most this many stale tokens. */
export const STALE_TOKENS_MAX = 1000;

export interface HealthBounds {
  staleAfterMs: number;
  downAfterMs: number;
}

export interface HealthReport {
  status: FeedStatus;
  staleTokens: string[];
  lastMessageAgeMs: number | null;
  gapsTotal: number;
  gapTokens: string[];
}

export function computeHealth(
  state: BookState,
  now: number,
  startedAt: number,
  bounds: HealthBounds,
): HealthReport {
  const silentMs = now - (state.lastEventAt ?? startedAt);
  const staleTokens = staleTokensOf(state, now, startedAt, bounds.staleAfterMs);
  const gapTokens = gapTokensOf(state);
  const report = {
    staleTokens,
    gapTokens,
    lastMessageAgeMs: state.lastEventAt === null ? null : Math.max(0, now - state.lastEventAt),
    gapsTotal: state.gapsTotal,
  };
  if (silentMs > bounds.downAfterMs) return { status: "DOWN", ...report };
  if (gapTokens.length > 0) return { status: "GAP", ...report };
  const quiet = state.lastEventAt === null || silentMs > bounds.staleAfterMs;
  if (quiet || staleTokens.length > 0) return { status: "STALE", ...report };
  return { status: "OK", ...report };
}

/** Tokens of OPEN windows not heard from within `staleAfterMs` (counting from when it opened). */
function staleTokensOf(state: BookState, now: number, startedAt: number, staleAfterMs: number) {
  const stale: string[] = [];
  for (const entry of state.windows.values()) {
    if (entry.market.status !== "OPEN") continue;
    const openSince = entry.openSince ?? startedAt;
    for (const tokenId of [entry.market.upTokenId, entry.market.downTokenId]) {
      const seen = state.tokens.get(tokenId)?.lastSeenAt ?? null;
      const since = seen === null ? openSince : Math.max(seen, openSince);
      if (now - since > staleAfterMs && stale.length < STALE_TOKENS_MAX) stale.push(tokenId);
    }
  }
  return stale;
}

function gapTokensOf(state: BookState): string[] {
  const gaps: string[] = [];
  for (const [tokenId, token] of state.tokens) {
    const resolved = state.windows.get(token.windowId)?.market.status === "RESOLVED";
    if (token.gap && !resolved) gaps.push(tokenId);
  }
  return gaps;
}
