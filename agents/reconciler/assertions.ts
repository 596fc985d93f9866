/**
 * The runtime assertions, run on every reconciliation tick over a snapshot of the books. Pure: the
 * actor gathers the snapshot, these decide. Each has a stable name; any failure becomes a mismatch
 * of kind ASSERTION keyed by that name, which trips the CRO (DESIGN.md, safety invariants).
 */
import type { AssertionResult, Mismatch } from "../../contracts/index.ts";
import { type AssertionInput, verdict } from "./assertion-kit.ts";
import {
  capitalCap,
  fillConfirmation,
  heartbeats,
  pnlMatch,
  positionCount,
} from "./assertions-books.ts";

export {
  ASSERTION_NAMES,
  type AssertionInput,
  type AssertionName,
  type DecisionEvidence,
  type HeartbeatSeen,
} from "./assertion-kit.ts";

export function runAssertions(input: AssertionInput): AssertionResult[] {
  return [
    signalOrderMapping(input),
    fillConfirmation(input),
    positionCount(input),
    pnlMatch(input),
    noNullOrderIds(input),
    instrumentScope(input),
    noFutureWindows(input),
    capitalCap(input),
    heartbeats(input),
  ];
}

/** Every failed assertion as a mismatch of kind ASSERTION, keyed by its name. */
export function assertionMismatches(results: readonly AssertionResult[]): Mismatch[] {
  return results
    .filter((r) => !r.passed)
    .map((r) => ({
      kind: "ASSERTION",
      key: r.name,
      expected: "passed",
      actual: r.detail.slice(0, 500),
    }));
}

/** Every order that may have reached the venue names an approved CRO decision for its intent. */
function signalOrderMapping(i: AssertionInput): AssertionResult {
  const offenders: string[] = [];
  const cutoff = i.now - i.limits.mappingGraceMs;
  let checked = 0;
  for (const o of i.orders) {
    if (o.status === "REFUSED" || o.createdAt > cutoff) continue;
    checked++;
    if (o.decisionId === null) {
      offenders.push(`${o.orderId}: no decision`);
      continue;
    }
    const d = i.decisions.get(o.decisionId);
    if (d === undefined) offenders.push(`${o.orderId}: no cro.decision audit for ${o.decisionId}`);
    else if (d.approved !== true) {
      offenders.push(`${o.orderId}: decision ${o.decisionId} is not an approval`);
    } else if (d.intentId !== null && d.intentId !== o.intentId) {
      offenders.push(
        `${o.orderId}: decision ${o.decisionId} approved ${d.intentId}, not ${o.intentId}`,
      );
    }
  }
  return verdict("signal-order-mapping", offenders, `${checked} order(s) traced to approvals`);
}

/** Statuses that only exist once the venue has acknowledged the order. */
const VENUE_ACKED = new Set(["OPEN", "PARTIALLY_FILLED", "FILLED"]);

function noNullOrderIds(i: AssertionInput): AssertionResult {
  const offenders: string[] = [];
  for (const o of i.orders) {
    if (o.orderId.trim() === "") offenders.push(`order with empty orderId (intent ${o.intentId})`);
    if (VENUE_ACKED.has(o.status) && (o.venueOrderId ?? "").trim() === "") {
      offenders.push(`${o.orderId}: ${o.status} without a venue order id`);
    }
  }
  for (const f of i.fills) {
    if (f.orderId.trim() === "") offenders.push(`fill ${f.tradeId}: empty orderId`);
    if ((f.venueOrderId ?? "").trim() === "")
      offenders.push(`fill ${f.tradeId}: no venue order id`);
  }
  for (const v of i.venueOrderIds) {
    if (v.venueOrderId.trim() === "" || v.clientOrderId.trim() === "") {
      offenders.push(`venue open order with an empty id (${v.venueOrderId}/${v.clientOrderId})`);
    }
  }
  return verdict(
    "no-null-order-ids",
    offenders,
    `${i.orders.length} order(s), ${i.fills.length} fill(s) carry ids`,
  );
}

/** `allowed_instruments` holds slug prefixes ("btc-updown-15m") or "*". */
export function instrumentAllowed(windowId: string, allowed: readonly string[]): boolean {
  return allowed.some((p) => p === "*" || windowId === p || windowId.startsWith(`${p}-`));
}

/** Entries only, placed since the control last changed: exits are never blocked (invariant 4). */
function instrumentScope(i: AssertionInput): AssertionResult {
  const allowed = i.controls.allowed_instruments;
  const offenders = i.orders
    .filter((o) => o.kind === "ENTRY" && o.createdAt >= i.controlsChangedAt.allowedInstruments)
    .filter((o) => !instrumentAllowed(o.windowId, allowed))
    .map((o) => `${o.orderId} on ${o.windowId} (allowed: ${allowed.join(",")})`);
  return verdict("instrument-scope", offenders, `every entry within ${allowed.join(",")}`);
}

/** The window start encoded in its slug, `<asset>-updown-15m-<start unix seconds>`; null if none. */
export function windowStartMs(windowId: string): number | null {
  const m = /-(\d{9,12})$/.exec(windowId);
  return m?.[1] === undefined ? null : Number(m[1]) * 1000;
}

function noFutureWindows(i: AssertionInput): AssertionResult {
  const offenders: string[] = [];
  for (const o of i.orders) {
    const start = windowStartMs(o.windowId);
    if (start !== null && o.createdAt < start) {
      offenders.push(`${o.orderId} placed ${start - o.createdAt} ms before ${o.windowId} started`);
    }
  }
  return verdict("no-future-windows", offenders, "no order before its window's start");
}
