/**
 * THE exit decision: one pure function, one explicit priority order. The first rule that holds
 * wins and the others are not looked at:
 *
 *   1. SETTLEMENT   the window ended or resolved: the venue settles the shares at 1 or 0, no
 *                   order is needed (and none could fill), so nothing else matters;
 *   2. FLATTEN      the CRO is FLATTENING: close everything, whatever the price;
 *   3. STOP_LOSS    bid ≤ entry × (1 − stopLossPct/100)           (on by default, 10 %);
 *   4. TAKE_PROFIT  bid ≥ entry × (1 + takeProfitPct/100)         (30 %);
 *   5. TRAILING_STOP bid ≤ highWaterMark × (1 − trailingStopPct/100), once the high-water mark
 *                   is above entry (off by default).
 *
 * Rules 2–5 need shares that can be sold (sellable ≥ the book's minimum size), wait out the
 * retry delay after a failed exit, and hold while the CRO is HALTED (it refuses everything but
 * cancels then, so an exit would only be vetoed; the position is re-evaluated once it resumes). Comparisons are exact integer cross-multiplications: no
 * rounded threshold price decides a trade.
 */
import type { ExitReason } from "../../contracts/intents.ts";
import { fromMicro } from "../../contracts/money.ts";
import { resolveControls } from "../../contracts/controls.ts";
import type { StrategyManifest } from "../../contracts/strategy-manifest.ts";

export interface ExitParams {
  /** 0 = off. */
  stopLossPct: number;
  /** 0 = off. */
  takeProfitPct: number;
  /** 0 = off. */
  trailingStopPct: number;
}

export interface ExitView {
  nowMs: number;
  windowEndTs: number | null;
  windowResolved: boolean;
  flatten: boolean;
  /** The CRO is HALTED: no order may leave, exits included. */
  halted: boolean;
  /** Average entry price; null before any confirmed entry. */
  entryPrice: number | null;
  /** Best bid of the token's latest book; null with no book or an empty bid side. */
  bid: number | null;
  highWaterMark: number | null;
  /** Confirmed shares not already being sold. */
  sellableSize: number;
  /** The venue's minimum order size (from the book); 0 when unknown. */
  minSize: number;
  /** No price-triggered exit before this time; null = no delay. */
  retryAt: number | null;
}

export interface ExitDecision {
  reason: ExitReason;
  /** For the log and the intent's `reason` field. */
  detail: string;
}

export function decideExit(view: ExitView, params: ExitParams): ExitDecision | null {
  if (view.windowResolved) return { reason: "SETTLEMENT", detail: "window resolved" };
  if (view.windowEndTs !== null && view.nowMs >= view.windowEndTs) {
    return { reason: "SETTLEMENT", detail: `window ended at ${view.windowEndTs}` };
  }
  if (view.halted) return null;
  if (view.sellableSize <= 0 || view.sellableSize < view.minSize) return null;
  if (view.retryAt !== null && view.nowMs < view.retryAt) return null;
  if (view.flatten) return { reason: "FLATTEN", detail: "CRO is FLATTENING" };
  const { bid, entryPrice } = view;
  if (bid === null || entryPrice === null) return null;
  const { stopLossPct, takeProfitPct, trailingStopPct } = params;
  if (stopLossPct > 0 && bid * 100 <= entryPrice * (100 - stopLossPct)) {
    return {
      reason: "STOP_LOSS",
      detail: `bid ${p(bid)} ≤ entry ${p(entryPrice)} − ${stopLossPct}%`,
    };
  }
  if (takeProfitPct > 0 && bid * 100 >= entryPrice * (100 + takeProfitPct)) {
    return {
      reason: "TAKE_PROFIT",
      detail: `bid ${p(bid)} ≥ entry ${p(entryPrice)} + ${takeProfitPct}%`,
    };
  }
  const high = view.highWaterMark;
  if (
    trailingStopPct > 0 &&
    high !== null &&
    high > entryPrice &&
    bid * 100 <= high * (100 - trailingStopPct)
  ) {
    return {
      reason: "TRAILING_STOP",
      detail: `bid ${p(bid)} ≤ high ${p(high)} − ${trailingStopPct}%`,
    };
  }
  return null;
}

function p(micro: number): string {
  return fromMicro(micro);
}

const CONTROL_KEYS = { stopLossPct: "stop_loss_pct", takeProfitPct: "take_profit_pct" } as const;

/**
 * The policy's parameters from the runtime controls: a stored, valid `stop_loss_pct` or
 * `take_profit_pct` overrides the configured default. A stored value that does not parse is
 * reported and the configured default is kept, so a typo never switches the stop-loss off.
 */
export function exitParamsFrom(
  rows: ReadonlyArray<{ key: string; value: string }>,
  defaults: ExitParams,
): { params: ExitParams; errors: string[]; stored: StoredExitControls } {
  const { controls, errors } = resolveControls(rows);
  const ours = errors.filter((e) => Object.values(CONTROL_KEYS).some((k) => e.startsWith(`${k}:`)));
  const stored = (key: string) =>
    rows.some((r) => r.key === key) && !ours.some((e) => e.startsWith(`${key}:`));
  return {
    params: {
      stopLossPct: stored(CONTROL_KEYS.stopLossPct) ? controls.stop_loss_pct : defaults.stopLossPct,
      takeProfitPct: stored(CONTROL_KEYS.takeProfitPct)
        ? controls.take_profit_pct
        : defaults.takeProfitPct,
      trailingStopPct: defaults.trailingStopPct,
    },
    errors: ours,
    stored: {
      stopLossPct: stored(CONTROL_KEYS.stopLossPct),
      takeProfitPct: stored(CONTROL_KEYS.takeProfitPct),
    },
  };
}

/** Which of the two exit controls an operator stored (valid) in the runtime controls. */
export interface StoredExitControls {
  stopLossPct: boolean;
  takeProfitPct: boolean;
}

/**
 * The exit parameters for one strategy's positions (issue 20, Phase 3). Its manifest's stop-loss
 * and take-profit govern them (null: off, e.g. the canary runs to settlement); an operator's
 * stored runtime control (`stop_loss_pct`, `take_profit_pct`) is an explicit override and wins
 * over the manifest; a strategy without a manifest keeps the configured defaults. The trailing
 * stop is not a manifest parameter: the configured one applies to every strategy.
 */
export function strategyExitParams(
  params: ExitParams,
  stored: StoredExitControls,
  risk: Pick<StrategyManifest["risk"], "stopLossPct" | "takeProfitPct"> | null,
): ExitParams {
  if (risk === null) return params;
  return {
    stopLossPct: stored.stopLossPct ? params.stopLossPct : (risk.stopLossPct ?? 0),
    takeProfitPct: stored.takeProfitPct ? params.takeProfitPct : (risk.takeProfitPct ?? 0),
    trailingStopPct: params.trailingStopPct,
  };
}
