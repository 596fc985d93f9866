/**
 * Judges one canary window on the plan's points, from what the run saw on the bus, what the store
 * holds and what the venue reports: signal → order → fill → position → monitoring → settlement →
 * resolution → PnL → balance, plus the runtime assertions and the reconciliation all along. Pure:
 * the driver gathers the evidence, this decides. Money is compared exactly, in micro-units.
 */
import { notional } from "../../contracts/money.ts";
import type { FillRecord, PositionRecord } from "../../agents/runtime/store.ts";
import type { WindowOutcome } from "../../agents/runtime/venue.ts";
import type { BusObserver } from "./observer.ts";
import { item, type VerificationItem } from "./types.ts";

export const CANARY_POINTS = [
  "signal",
  "order",
  "fill",
  "position",
  "monitoring",
  "settlement",
  "resolution",
  "pnl",
  "balance",
  "assertions",
] as const;
export type CanaryPoint = (typeof CANARY_POINTS)[number];

export interface CanaryWindowEvidence {
  windowId: string;
  startTs: number;
  endTs: number;
  upTokenId: string;
  downTokenId: string;
  strategy: string;
  /** When the evidence was gathered (after the window settled). */
  checkedAt: number;
  seen: BusObserver;
  /** The store's positions and fills of this window. */
  positions: readonly PositionRecord[];
  fills: readonly FillRecord[];
  /** The venue's own resolution of the window; null when it reports none. */
  venueOutcome: WindowOutcome | null;
  /** The account's collateral at the previous window's check and at this one. */
  collateralBefore: number;
  collateralAfter: number;
  /** Feed gaps recorded while the window was open. */
  feedGaps: number;
}

export interface WindowVerdict {
  windowId: string;
  outcome: "PASS" | "FAIL" | "EXCLUDED";
  /** Our resolution (the venue's when ours is missing). */
  resolution: WindowOutcome | null;
  /** Points that failed, in plan order. */
  failedPoints: CanaryPoint[];
  /** Why the window is excluded; null when counted. */
  excludedBecause: string | null;
  realizedPnl: number | null;
  balanceDelta: number;
  fees: number | null;
  items: VerificationItem[];
}

/** Venue answers that mean "nothing to match at the limit": no trade happened, nothing to verify. */
const NO_MATCH = /^(FAK_NOT_FILLED|FOK_NOT_FILLED)/;

export function judgeCanaryWindow(e: CanaryWindowEvidence): WindowVerdict {
  const ours = ourResolution(e);
  const base = {
    windowId: e.windowId,
    resolution: ours ?? e.venueOutcome,
    balanceDelta: e.collateralAfter - e.collateralBefore,
  };
  if (e.feedGaps > 0) {
    return excluded(base, `gap: ${e.feedGaps} feed gap(s) while the window was open`);
  }
  const items: VerificationItem[] = [];
  const add = (point: CanaryPoint, ok: boolean, detail: string, data = {}) =>
    items.push(item(e.windowId, point, ok ? "PASS" : "FAIL", detail, data));

  const intents = e.seen.intents.filter(
    (s) =>
      s.message.subject === "strategy.intent" &&
      s.message.strategy === e.strategy &&
      s.message.windowId === e.windowId &&
      s.message.kind === "ENTRY",
  );
  const signal = intents[0];
  const signalOk =
    intents.length === 1 && signal !== undefined && signal.at >= e.startTs && signal.at < e.endTs;
  add(
    "signal",
    signalOk,
    intents.length === 0 ? "no entry signal in the window" : `${intents.length} entry signal(s)`,
    { signalAt: signal?.at ?? null, limitPrice: signal?.message.limitPrice ?? null },
  );
  if (signal === undefined) {
    items.push(resolutionItem(e, ours));
    return finish(base, items, e);
  }
  const intent = signal.message;

  const decision = e.seen.decisions.find((d) => d.message.intent.intentId === intent.intentId);
  const orders = e.seen.orders.filter((o) => o.message.intentId === intent.intentId);
  const rejected = orders.find((o) => o.message.status === "REJECTED");
  if (rejected !== undefined && NO_MATCH.test(rejected.message.reason ?? "")) {
    return excluded(base, `no fill: ${(rejected.message.reason ?? "").split(":")[0] ?? ""}`);
  }
  const accepted = orders.find((o) => o.message.venueOrderId !== null);
  const orderOk = decision?.message.approved === true && accepted !== undefined;
  add(
    "order",
    orderOk,
    decision === undefined
      ? "no CRO decision for the intent"
      : decision.message.approved
        ? accepted === undefined
          ? `approved, but no order reached the venue (${orders.map((o) => o.message.status).join(",") || "none"}${rejected ? `: ${rejected.message.reason ?? ""}` : ""})`
          : `approved ${decision.message.decisionId}; venue order ${accepted.message.venueOrderId ?? ""}`
        : `vetoed by the CRO (${decision.message.reasons.join(",")})`,
    {
      decisionMs: decision === undefined ? null : decision.at - signal.at,
      orderMs: accepted === undefined ? null : accepted.at - signal.at,
    },
  );

  const fills = e.fills.filter((f) => f.intentId === intent.intentId);
  const confirmed = fills.filter((f) => f.status === "CONFIRMED");
  const filledSize = sum(confirmed.map((f) => f.size));
  const worst = Math.max(0, ...confirmed.map((f) => f.price));
  const fillOk =
    confirmed.length > 0 &&
    confirmed.length === fills.length &&
    filledSize <= intent.size &&
    worst <= intent.limitPrice;
  const firstFill = e.seen.fills.find((f) => f.message.intentId === intent.intentId);
  add(
    "fill",
    fillOk,
    confirmed.length === 0
      ? "no confirmed fill"
      : `${confirmed.length}/${fills.length} fill(s) confirmed, ${filledSize} shares at worst ${worst} (limit ${intent.limitPrice})`,
    {
      filledSize,
      worstPrice: confirmed.length === 0 ? null : worst,
      slippage: confirmed.length === 0 ? null : worst - intent.limitPrice,
      fillMs: firstFill === undefined ? null : firstFill.at - signal.at,
    },
  );

  const position = e.positions.find((p) => p.positionId === intent.positionId);
  const monitored = e.seen.positions.filter(
    (p) => p.message.positionId === intent.positionId && p.message.state === "MONITORING",
  );
  const heldSize = Math.max(0, ...monitored.map((p) => p.message.size));
  const cost = sum(confirmed.map((f) => notional(f.size, f.price)));
  const positionOk =
    position !== undefined && position.windowId === e.windowId && heldSize === filledSize;
  add(
    "position",
    positionOk,
    position === undefined
      ? `no stored position ${intent.positionId ?? "(none named)"}`
      : `position ${position.positionId} held ${heldSize} shares (fills: ${filledSize}), cost ${cost}`,
    { heldSize, cost },
  );

  const exits = e.seen.intents.filter(
    (s) => s.message.subject === "portfolio.exit" && s.message.positionId === intent.positionId,
  );
  const sells = fills.filter((f) => f.side === "SELL");
  add(
    "monitoring",
    monitored.length > 0 && exits.length === 0 && sells.length === 0,
    monitored.length === 0
      ? "the position never reached MONITORING"
      : exits.length + sells.length > 0
        ? `an exit was sent before settlement (${exits.map((x) => x.message.exitReason ?? "?").join(",")})`
        : `monitored (${monitored.length} update(s)), held to settlement`,
    { updates: monitored.length },
  );

  const settled =
    position?.state === "CLOSED" &&
    position.exitReason === "SETTLEMENT" &&
    (position.closedAt ?? 0) >= e.endTs;
  add(
    "settlement",
    settled,
    position === undefined
      ? "no position"
      : `state ${position.state}, exit ${position.exitReason ?? "none"}, closed ${position.closedAt ?? "never"} (window end ${e.endTs})`,
    { closedAt: position?.closedAt ?? null },
  );

  items.push(resolutionItem(e, ours));

  const heldToken = signal.message.tokenId;
  const winner = ours === "UP" ? e.upTokenId : ours === "DOWN" ? e.downTokenId : null;
  const flows = sum(
    confirmed.map((f) => (f.side === "SELL" ? 1 : -1) * notional(f.size, f.price) - f.fee),
  );
  const net = sum(confirmed.map((f) => (f.side === "BUY" ? f.size : -f.size)));
  const expected = flows + (winner === heldToken ? net : 0);
  const fees = sum(confirmed.map((f) => f.fee));
  const realized = position?.realizedPnl ?? null;
  add(
    "pnl",
    realized === expected && position?.fees === fees,
    `realized ${realized ?? "none"} vs fills and resolution ${expected}; fees ${position?.fees ?? "none"} vs venue ${fees}`,
    { realizedPnl: realized, expectedPnl: expected, fees },
  );
  add(
    "balance",
    realized !== null && base.balanceDelta === realized,
    `collateral ${e.collateralBefore} → ${e.collateralAfter} (${base.balanceDelta}) vs realized ${realized ?? "none"}`,
    { collateralBefore: e.collateralBefore, collateralAfter: e.collateralAfter },
  );
  items.push(assertionsItem(e));
  return finish(base, items, e, realized, fees);
}

/** Our resolution (the feed's RESOLVED window) against the venue's own. */
function resolutionItem(e: CanaryWindowEvidence, ours: WindowOutcome | null): VerificationItem {
  const ok = ours !== null && ours === e.venueOutcome;
  return item(
    e.windowId,
    "resolution",
    ok ? "PASS" : "FAIL",
    `ours ${ours ?? "none"}, venue ${e.venueOutcome ?? "none"}`,
    {
      ours,
      venue: e.venueOutcome,
    },
  );
}

/** The runtime assertions and the reconciliation verdict, in every report of the window. */
function assertionsItem(e: CanaryWindowEvidence): VerificationItem {
  const reports = e.seen.recon.filter((r) => r.at >= e.startTs && r.at <= e.checkedAt);
  const failed = new Set<string>();
  let mismatchRuns = 0;
  let names = 0;
  for (const r of reports) {
    names = Math.max(names, r.message.assertions.length);
    for (const a of r.message.assertions) if (!a.passed) failed.add(a.name);
    if (r.message.verdict === "MISMATCH") mismatchRuns++;
  }
  const mismatches = e.seen.mismatches.filter((m) => m.at >= e.startTs && m.at <= e.checkedAt);
  for (const m of mismatches) for (const k of m.message.keys) failed.add(k);
  const ok = reports.length > 0 && failed.size === 0 && mismatchRuns === 0;
  const detail =
    reports.length === 0
      ? "no reconciliation report while the window was open"
      : ok
        ? `${names} runtime assertions and the reconciliation held in ${reports.length} report(s)`
        : `failed: ${[...failed].sort().join(", ")}${mismatchRuns > 0 ? `; ${mismatchRuns} MISMATCH report(s)` : ""}`;
  return item(e.windowId, "assertions", ok ? "PASS" : "FAIL", detail, {
    reports: reports.length,
    assertions: names,
  });
}

function ourResolution(e: CanaryWindowEvidence): WindowOutcome | null {
  const resolved = e.seen.windows.find(
    (w) => w.message.windowId === e.windowId && w.message.status === "RESOLVED",
  );
  return resolved?.message.outcome ?? null;
}

type Base = Pick<WindowVerdict, "windowId" | "resolution" | "balanceDelta">;

function excluded(base: Base, why: string): WindowVerdict {
  return {
    ...base,
    outcome: "EXCLUDED",
    failedPoints: [],
    excludedBecause: why,
    realizedPnl: null,
    fees: null,
    items: [item(base.windowId, "window", "EXCLUDED", `excluded, ${why}`)],
  };
}

function finish(
  base: Base,
  items: VerificationItem[],
  e: CanaryWindowEvidence,
  realizedPnl: number | null = null,
  fees: number | null = null,
): WindowVerdict {
  const present = new Set(items.map((i) => i.point));
  // A chain that stopped early (no signal) fails every point it never reached.
  for (const point of CANARY_POINTS) {
    if (present.has(point)) continue;
    items.push(
      point === "assertions"
        ? assertionsItem(e)
        : item(e.windowId, point, "FAIL", "not reached: an earlier point failed"),
    );
  }
  items.sort(
    (a, b) =>
      CANARY_POINTS.indexOf(a.point as CanaryPoint) - CANARY_POINTS.indexOf(b.point as CanaryPoint),
  );
  const failedPoints = items.filter((i) => i.outcome === "FAIL").map((i) => i.point as CanaryPoint);
  return {
    ...base,
    outcome: failedPoints.length === 0 ? "PASS" : "FAIL",
    failedPoints,
    excludedBecause: null,
    realizedPnl,
    fees,
    items,
  };
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
