/**
 * The underlying (BTC/USD…) in MarketData's state: the latest tick per symbol, and each window's
 * price to beat — its underlying price at the window's start, which the window settles against
 * (Up iff the close is at or above it; reference §4.5). Pure: the actor feeds ticks in with their
 * receive time and publishes what comes out.
 *
 * The price to beat is the first tick whose source time is at or after the window's start (and
 * before its end), provided the tick before it was before the start (or it is exactly at the
 * start): Chainlink prices each second on the second, so live that is the tick at the start
 * itself, and the simulated venue ticks on the same boundaries. A window whose start MarketData
 * did not see (it started before the first tick here) has none (null), never a guess.
 */
import { z } from "zod";
import { underlyingSymbolOf } from "../../contracts/market-data.ts";
import type { VenueMarket } from "../runtime/venue.ts";

/** A tick as the venue hands it over, checked before use. */
export const underlyingTickSchema = z.object({
  symbol: z.string().min(1).max(32),
  price: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  ts: z.number().int().nonnegative(),
  origin: z.string().min(1).max(64),
});
export type CheckedTick = z.infer<typeof underlyingTickSchema>;

export interface PriceToBeat {
  windowId: string;
  priceToBeat: number;
  sourceTs: number;
}

export interface UnderlyingState {
  readonly latest: Map<string, CheckedTick & { receiveTs: number }>;
  /** The last ticks per symbol, oldest first, so a window learned of late still finds its start. */
  readonly recent: Map<string, CheckedTick[]>;
  readonly priceToBeat: Map<string, PriceToBeat>;
  /** When the last valid tick arrived (receive time); null: never. */
  lastTickAt: number | null;
  /** Ticks refused: malformed, or older than the symbol's latest. */
  readonly rejected: { malformed: number; outOfOrder: number };
}

/** Ticks kept per symbol to find a window's start in (two minutes at one a second). */
export const RECENT_TICKS_MAX = 120;

/** Windows carried on one md.underlying at most (the contract's bound). */
export const PRICE_TO_BEAT_WINDOWS_MAX = 64;

export function newUnderlyingState(): UnderlyingState {
  return {
    latest: new Map(),
    recent: new Map(),
    priceToBeat: new Map(),
    lastTickAt: null,
    rejected: { malformed: 0, outOfOrder: 0 },
  };
}

export type TickOutcome =
  | { kind: "tick"; tick: CheckedTick & { receiveTs: number }; windows: PriceToBeat[] }
  | { kind: "rejected"; reason: "MALFORMED" | "OUT_OF_ORDER"; detail: string };

/**
 * Applies one tick: the symbol's latest price, and the price to beat of every window of the symbol
 * that started by this tick and has none yet. Returns what to publish: the tick and the prices to
 * beat of the symbol's known windows.
 */
export function applyTick(
  u: UnderlyingState,
  windows: Iterable<VenueMarket>,
  raw: unknown,
  receiveTs: number,
): TickOutcome {
  const parsed = underlyingTickSchema.safeParse(raw);
  if (!parsed.success) {
    u.rejected.malformed++;
    const issue = parsed.error.issues[0];
    const detail = `${issue?.path.join(".") || "tick"}: ${issue?.message ?? "invalid"}`;
    return { kind: "rejected", reason: "MALFORMED", detail };
  }
  const tick = parsed.data;
  const prior = u.latest.get(tick.symbol);
  if (prior !== undefined && tick.ts < prior.ts) {
    u.rejected.outOfOrder++;
    return {
      kind: "rejected",
      reason: "OUT_OF_ORDER",
      detail: `${tick.symbol} at ${tick.ts} after ${prior.ts}`,
    };
  }
  const held = { ...tick, receiveTs };
  u.latest.set(tick.symbol, held);
  u.lastTickAt = receiveTs;
  const recent = u.recent.get(tick.symbol) ?? [];
  recent.push(tick);
  if (recent.length > RECENT_TICKS_MAX) recent.shift();
  u.recent.set(tick.symbol, recent);
  const out: PriceToBeat[] = [];
  for (const w of windows) {
    if (underlyingSymbolOf(w.slug) !== tick.symbol) continue;
    let p = u.priceToBeat.get(w.windowId);
    if (p === undefined && w.status !== "RESOLVED") {
      p = startTickOf(recent, w.startTs, w.endTs);
      if (p !== undefined) {
        p = { ...p, windowId: w.windowId };
        u.priceToBeat.set(w.windowId, p);
      }
    }
    if (p !== undefined && out.length < PRICE_TO_BEAT_WINDOWS_MAX) out.push(p);
  }
  return { kind: "tick", tick: held, windows: out };
}

/** The first tick at or after `startTs` that is known to be the first (see the file's comment). */
function startTickOf(
  recent: readonly CheckedTick[],
  startTs: number,
  endTs: number,
): PriceToBeat | undefined {
  for (let i = 0; i < recent.length; i++) {
    const t = recent[i];
    if (t === undefined || t.ts < startTs) continue;
    if (t.ts >= endTs) return undefined;
    const before = recent[i - 1];
    if (t.ts === startTs || (before !== undefined && before.ts < startTs)) {
      return { windowId: "", priceToBeat: t.price, sourceTs: t.ts };
    }
    return undefined;
  }
  return undefined;
}

/** Forgets the prices to beat of windows MarketData no longer holds. */
export function prunePricesToBeat(u: UnderlyingState, known: (windowId: string) => boolean): void {
  for (const windowId of u.priceToBeat.keys()) if (!known(windowId)) u.priceToBeat.delete(windowId);
}

/**
 * The underlying counted like any other feed: silent past `staleAfterMs` is STALE, past
 * `downAfterMs` DOWN (counting from start while no tick came yet).
 */
export function underlyingStatus(
  u: UnderlyingState,
  now: number,
  startedAt: number,
  bounds: { staleAfterMs: number; downAfterMs: number },
): "OK" | "STALE" | "DOWN" {
  const silentMs = now - (u.lastTickAt ?? startedAt);
  if (silentMs > bounds.downAfterMs) return "DOWN";
  if (u.lastTickAt === null || silentMs > bounds.staleAfterMs) return "STALE";
  return "OK";
}
