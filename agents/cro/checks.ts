/**
 * Pre-trade checks: pure functions over a snapshot of everything the CRO knows at decision time.
 * Each check has a stable code (contracts/cro.ts); a decision lists every check it ran, passed or
 * not, so the audit trail shows the whole reasoning.
 *
 * Which checks run depends on the intent's kind. Exits and cancels reduce risk, so they skip the
 * entry-only checks (caps, limits, rate, feed, liveness) and must never be blocked by PAUSED or
 * FLATTENING (invariant 4); they still need a real position or instrument.
 */
import type { CheckCode, CheckResult } from "../../contracts/cro.ts";
import type { IntentKind } from "../../contracts/intents.ts";
import type { Check, CheckSnapshot } from "./check-types.ts";
import * as rules from "./check-rules.ts";
import * as limits from "./check-limits.ts";
import * as exits from "./check-exits.ts";

export type {
  Check,
  CheckSnapshot,
  OrderView,
  PendingApproval,
  PositionView,
  WindowInfo,
} from "./check-types.ts";

export const ENTRY_CHECKS: readonly Check[] = [
  rules.tradingState,
  rules.killSwitch,
  rules.duplicateIntent,
  rules.agentsAlive,
  rules.feedFresh,
  rules.instrumentAllowed,
  rules.strategyAllowed,
  rules.strategyHalted,
  rules.strategyManifest,
  rules.strategySessionLoss,
  rules.strategyReviewPending,
  rules.entryBuys,
  rules.tickSize,
  rules.minSize,
  rules.priceBand,
  limits.positionCap,
  limits.ordersPerWindow,
  limits.dailyDrawdown,
  limits.sessionLoss,
  limits.balance,
  rules.futureWindow,
  rules.windowClosed,
  rules.unknownOrder,
  limits.orderRate,
];

export const EXIT_CHECKS: readonly Check[] = [
  rules.tradingState,
  rules.killSwitch,
  rules.duplicateIntent,
  exits.exitPosition,
  rules.tickSize,
  rules.windowClosed,
  rules.unknownOrder,
];

export const CANCEL_CHECKS: readonly Check[] = [
  rules.tradingState,
  rules.duplicateIntent,
  exits.cancelInstrument,
];

const CHECKS_BY_KIND: Record<IntentKind, readonly Check[]> = {
  ENTRY: ENTRY_CHECKS,
  EXIT: EXIT_CHECKS,
  CANCEL: CANCEL_CHECKS,
};

export interface Verdict {
  approved: boolean;
  reasons: CheckCode[];
  checks: CheckResult[];
}

/** Runs every check for the intent's kind; approved only if all of them pass. */
export function runChecks(s: CheckSnapshot): Verdict {
  const checks = CHECKS_BY_KIND[s.intent.kind].map((check) => check(s));
  const reasons = [...new Set(checks.filter((c) => !c.passed).map((c) => c.code))];
  return { approved: reasons.length === 0, reasons, checks };
}
