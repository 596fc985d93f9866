/**
 * The daily summary: trades, PnL, the runtime assertions' pass rate and the trading uptime of the
 * last 24 hours, read from the store (and the assertion counts the agent kept from recon.report).
 */
import type { Position } from "../../contracts/positions.ts";
import { formatUsd, notional } from "../../contracts/money.ts";
import type { FillRecord, StoredCroEvent, Store } from "../runtime/store.ts";

export const DAY_MS = 86_400_000;
/** How far back the summary looks for the trading state in force when its period began. */
const STATE_LOOKBACK_MS = 7 * DAY_MS;

/** The next time strictly after `now` at `hourUtc`:00 UTC. */
export function nextSummaryAt(now: number, hourUtc: number): number {
  const today = now - (now % DAY_MS) + hourUtc * 3_600_000;
  return today > now ? today : today + DAY_MS;
}

export interface AssertionCounts {
  passed: number;
  total: number;
  /** When counting began (the agent's start or the previous summary). */
  since: number;
}

export interface SummaryData {
  from: number;
  to: number;
  fills: readonly FillRecord[];
  closed: readonly Position[];
  croEvents: readonly StoredCroEvent[];
  assertions: AssertionCounts;
}

/** The share of [from, to) spent ACTIVE, from the CRO's state changes; null when unknown. */
export function activeFraction(
  events: readonly StoredCroEvent[],
  from: number,
  to: number,
): number | null {
  const sorted = [...events].sort((a, b) => a.ts - b.ts || a.id - b.id);
  let state = sorted.filter((e) => e.ts <= from).at(-1)?.state ?? null;
  let at = from;
  let activeMs = 0;
  let knownMs = 0;
  for (const e of sorted.filter((x) => x.ts > from && x.ts < to)) {
    if (state !== null) knownMs += e.ts - at;
    if (state === "ACTIVE") activeMs += e.ts - at;
    state = e.state;
    at = e.ts;
  }
  if (state !== null) knownMs += to - at;
  if (state === "ACTIVE") activeMs += to - at;
  return knownMs === 0 ? null : activeMs / knownMs;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function summaryLines(d: SummaryData): string[] {
  const volume = d.fills.reduce((s, f) => s + notional(f.size, f.price), 0);
  const fees = d.fills.reduce((s, f) => s + f.fee, 0);
  const pnl = d.closed.reduce((s, p) => s + p.realizedPnl, 0);
  const wins = d.closed.filter((p) => p.realizedPnl > 0).length;
  const { passed, total, since } = d.assertions;
  const rate = total === 0 ? "no checks seen" : `${pct(passed / total)} passed (${total} checks)`;
  const counted = since > d.from ? ` since ${new Date(since).toISOString()}` : "";
  const active = activeFraction(d.croEvents, d.from, d.to);
  return [
    `Period: ${new Date(d.from).toISOString()} to ${new Date(d.to).toISOString()}`,
    `Trades: ${d.fills.length} fills, volume ${formatUsd(volume)}, fees ${formatUsd(fees)}`,
    `PnL: ${formatUsd(pnl)} realized over ${d.closed.length} closed positions (${wins} won)`,
    `Assertions: ${rate}${counted}`,
    `Uptime: trading ACTIVE ${active === null ? "unknown" : pct(active)} of the period`,
  ];
}

export async function readSummary(
  store: Store,
  from: number,
  to: number,
  assertions: AssertionCounts,
): Promise<SummaryData> {
  const inPeriod = (t: number | null) => t !== null && t >= from && t < to;
  // Only the period is read: a position closed in it was written (updatedAt) at or after `from`.
  const fills = (await store.listFills({ sinceTs: from })).filter(
    (f) => f.status !== "FAILED" && inPeriod(f.ts),
  );
  const closed = (await store.listPositions({ open: false, updatedSince: from })).filter((p) =>
    inPeriod(p.closedAt),
  );
  const croEvents = await store.listCroEvents({ sinceTs: from - STATE_LOOKBACK_MS, limit: 10_000 });
  return { from, to, fills, closed, croEvents, assertions };
}
