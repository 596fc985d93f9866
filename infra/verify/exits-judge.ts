/**
 * Judges the exit of one window under one preset: did the trigger fire on a bid that crossed its
 * threshold (integer arithmetic), was the exit order placed at once, filled at or above its limit,
 * the position closed in the store, and the balance moved by the realized PnL. A window whose path
 * never crossed the threshold is "not exercised", never "passed"; the control E passes only when
 * nothing fired. Pure.
 */
import type { FillRecord, PositionRecord, StoredAuditEntry } from "../../agents/runtime/store.ts";
import type { ExitReason } from "../../contracts/intents.ts";
import { notional } from "../../contracts/money.ts";
import { averagePrice } from "../../agents/portfolio/pnl.ts";
import { crosses, type ExitPreset } from "./exit-presets.ts";
import type { BusObserver } from "./observer.ts";
import { item, type VerificationItem } from "./types.ts";

const PRICE_TRIGGERS: readonly ExitReason[] = ["STOP_LOSS", "TAKE_PROFIT", "TRAILING_STOP"];

export interface BidSample {
  at: number;
  bid: number;
}

export interface ExitWindowEvidence {
  preset: ExitPreset;
  windowId: string;
  strategy: string;
  seen: BusObserver;
  /** The venue's best bid of the held token, sampled after the entry filled. */
  bids: readonly BidSample[];
  positions: readonly PositionRecord[];
  fills: readonly FillRecord[];
  /** Portfolio's audit entries of the window's position (its `exit.intent` records the trigger). */
  audit: readonly StoredAuditEntry[];
  collateralBefore: number;
  collateralAfter: number;
  /** Trigger → exit order acknowledged by the venue must take at most this long. */
  orderLatencyMaxMs: number;
  /** The trigger must fire within this long of the first sampled bid beyond its threshold. */
  detectionMaxMs: number;
}

export interface ExitWindowVerdict {
  subject: string;
  /** What fired (the first price-triggered exit), or null. */
  fired: ExitReason | null;
  exercised: boolean;
  items: VerificationItem[];
}

export function judgeExitWindow(e: ExitWindowEvidence): ExitWindowVerdict {
  const subject = `${e.preset.name}:${e.windowId}`;
  const entry = e.seen.intents.find(
    (s) =>
      s.message.subject === "strategy.intent" &&
      s.message.strategy === e.strategy &&
      s.message.windowId === e.windowId,
  );
  const position = e.positions.find((p) => p.positionId === entry?.message.positionId);
  const entryFills = e.fills.filter(
    (f) => f.intentId === entry?.message.intentId && f.status === "CONFIRMED",
  );
  const entrySize = sum(entryFills.map((f) => f.size));
  const entryPrice = averagePrice(sum(entryFills.map((f) => notional(f.size, f.price))), entrySize);
  if (entry === undefined || position === undefined || entryPrice === null) {
    const why = entry === undefined ? "no entry in the window" : "the entry did not fill";
    return { subject, fired: null, exercised: false, items: [notExercised(subject, why)] };
  }
  const exits = e.seen.intents.filter(
    (s) =>
      s.message.subject === "portfolio.exit" &&
      s.message.positionId === position.positionId &&
      PRICE_TRIGGERS.includes(s.message.exitReason ?? "SETTLEMENT"),
  );
  const exit = exits[0];
  const crossing = firstCrossing(e, entryPrice, highWaterMark(position));
  if (exit === undefined) return unfired(e, subject, entryPrice, crossing);
  const reason = exit.message.exitReason ?? "SETTLEMENT";
  const items: VerificationItem[] = [];
  const add = (point: string, ok: boolean, detail: string, data = {}) =>
    items.push(item(subject, point, ok ? "PASS" : "FAIL", detail, data));

  const decided = e.audit.find(
    (a) => a.kind === "exit.intent" && a.intentId === exit.message.intentId,
  );
  const bid = bidOf(decided);
  const high = highWaterMark(position);
  const legal = e.preset.expected.includes(reason);
  const crossed = bid !== null && crosses(reason, e.preset, bid, entryPrice, high);
  // Which threshold the venue's book crossed first, and when: the exit must be that one, at once.
  const first = crossing === null || crossing.reason === reason;
  // Shares are sellable once the entry is CONFIRMED: a crossing before that can only act then.
  const sellableAt = Math.max(
    ...e.seen.fills
      .filter((f) => f.message.intentId === entry.message.intentId)
      .filter((f) => f.message.status === "CONFIRMED")
      .map((f) => f.at),
  );
  const armedAt = crossing === null ? null : Math.max(crossing.at, sellableAt);
  const late = armedAt !== null && exit.at > armedAt + e.detectionMaxMs;
  add(
    "trigger",
    legal && crossed && first && !late,
    !legal
      ? `${reason} fired, but preset ${e.preset.name} allows ${e.preset.expected.join(",") || "nothing"}`
      : `${reason}: bid ${bid ?? "unknown"} vs entry ${entryPrice}${reason === "TRAILING_STOP" ? ` (high ${high ?? "none"})` : ""}, threshold ${crossed ? "crossed" : "NOT crossed"}` +
          (first ? "" : `; but ${crossing.reason} was crossed first`) +
          (late ? `; fired ${exit.at - armedAt} ms after the venue's bid crossed` : ""),
    {
      reason,
      bid,
      entryPrice,
      high,
      venueCrossedAt: crossing?.at ?? null,
      firedAt: exit.at,
      detectionMs: armedAt === null ? null : exit.at - armedAt,
    },
  );

  const orders = e.seen.orders.filter((o) => o.message.intentId === exit.message.intentId);
  const acked = orders.find((o) => o.message.venueOrderId !== null);
  const latency = acked === undefined ? null : acked.at - exit.at;
  add(
    "order",
    latency !== null && latency <= e.orderLatencyMaxMs,
    latency === null
      ? `no exit order reached the venue (${orders.map((o) => o.message.status).join(",") || "none"})`
      : `exit order acknowledged ${latency} ms after the trigger (bound ${e.orderLatencyMaxMs} ms)`,
    { latencyMs: latency },
  );

  const sells = e.fills.filter((f) => f.intentId === exit.message.intentId);
  const confirmed = sells.filter((f) => f.status === "CONFIRMED");
  const sold = sum(confirmed.map((f) => f.size));
  const limit = exit.message.limitPrice;
  const below = confirmed.filter((f) => f.price < limit);
  add(
    "fill",
    confirmed.length > 0 && sold === exit.message.size && below.length === 0,
    confirmed.length === 0
      ? "no confirmed exit fill"
      : `${sold} of ${exit.message.size} shares sold${below.length > 0 ? `, ${below.length} fill(s) below the limit ${limit}` : ""}`,
    { sold, limitPrice: limit },
  );

  const avg = averagePrice(sum(confirmed.map((f) => notional(f.size, f.price))), sold);
  add(
    "slippage",
    avg !== null && avg >= limit,
    avg === null
      ? "nothing sold"
      : `intended ${bid ?? "unknown"}, sold at ${avg} (limit ${limit}; slippage ${bid === null ? "unknown" : bid - avg})`,
    {
      intendedPrice: bid,
      exitPrice: avg,
      slippage: bid === null || avg === null ? null : bid - avg,
    },
  );

  add(
    "closed",
    position.state === "CLOSED" && position.exitReason === reason,
    `stored position ${position.state}, exit ${position.exitReason ?? "none"}`,
  );
  const delta = e.collateralAfter - e.collateralBefore;
  add(
    "balance",
    delta === position.realizedPnl,
    `collateral moved ${delta}, realized PnL ${position.realizedPnl}`,
    { balanceDelta: delta, realizedPnl: position.realizedPnl },
  );
  return { subject, fired: reason, exercised: true, items };
}

/** Nothing fired: right for the control, a miss if the path crossed, else not exercised. */
function unfired(
  e: ExitWindowEvidence,
  subject: string,
  entryPrice: number,
  crossing: { at: number; bid: number; reason: ExitReason } | null,
): ExitWindowVerdict {
  const low = Math.min(...e.bids.map((b) => b.bid));
  const range = e.bids.length === 0 ? "no bids" : `lowest bid ${low} vs entry ${entryPrice}`;
  if (e.preset.expected.length === 0) {
    const adverse = e.bids.length > 0 && low < entryPrice;
    const i = item(
      subject,
      "trigger",
      adverse ? "PASS" : "NOT_EXERCISED",
      adverse ? `never fired; ${range}` : `never fired, but the path never went against the entry`,
      { lowestBid: e.bids.length === 0 ? null : low, entryPrice },
    );
    return { subject, fired: null, exercised: adverse, items: [i] };
  }
  if (crossing !== null) {
    const i = item(
      subject,
      "trigger",
      "FAIL",
      `the venue's bid ${crossing.bid} crossed the ${crossing.reason} threshold at ${crossing.at} and no exit fired`,
      { crossedAt: crossing.at, bid: crossing.bid, entryPrice },
    );
    return { subject, fired: null, exercised: true, items: [i] };
  }
  return {
    subject,
    fired: null,
    exercised: false,
    items: [notExercised(subject, `threshold never crossed (${range})`)],
  };
}

/** The first venue bid that crossed one of the preset's thresholds (with the mark so far). */
function firstCrossing(
  e: ExitWindowEvidence,
  entry: number,
  finalHigh: number | null,
): { at: number; bid: number; reason: ExitReason } | null {
  let high: number | null = null;
  for (const s of e.bids) {
    high = high === null ? s.bid : Math.max(high, s.bid);
    // The trailing mark is Portfolio's, from its own books; never above what it finally held.
    const mark = finalHigh === null ? null : Math.min(high, finalHigh);
    for (const reason of e.preset.expected) {
      if (crosses(reason, e.preset, s.bid, entry, mark)) return { at: s.at, bid: s.bid, reason };
    }
  }
  return null;
}

function notExercised(subject: string, why: string): VerificationItem {
  return item(subject, "trigger", "NOT_EXERCISED", `not exercised: ${why}`);
}

function bidOf(a: StoredAuditEntry | undefined): number | null {
  const detail = a?.detail as { book?: { bid?: unknown } } | undefined;
  const bid = detail?.book?.bid;
  return typeof bid === "number" ? bid : null;
}

function highWaterMark(p: PositionRecord): number | null {
  const snapshot = p.snapshot as { context?: { highWaterMark?: unknown } } | null;
  const high = snapshot?.context?.highWaterMark;
  return typeof high === "number" ? high : null;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
