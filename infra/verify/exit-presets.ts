/**
 * The plan's exit variants as named presets (issue 20, phase 2). Each says what it sets, which
 * triggers may fire under it, and the market path the simulation drives so that its threshold is
 * crossed (or, for the control E, approached but never crossed) in every window.
 */
import type { ExitReason } from "../../contracts/intents.ts";

export const PRESET_NAMES = ["A", "B", "C", "D", "E"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** A target for the held token's best bid, as a percentage of the entry price, from `afterMs`. */
export interface PathLeg {
  afterMs: number;
  targetPct: number;
}

export interface ExitPreset {
  name: PresetName;
  description: string;
  stopLossPct: number;
  takeProfitPct: number;
  trailingStopPct: number;
  /** Triggers this preset may fire; empty: a control that must never fire. */
  expected: readonly ExitReason[];
  /** The path by window: legs in time order, relative to the entry fill. */
  path(windowIndex: number): readonly PathLeg[];
}

export const EXIT_PRESETS: Record<PresetName, ExitPreset> = {
  A: {
    name: "A",
    description: "5% stop-loss, no take-profit",
    stopLossPct: 5,
    takeProfitPct: 0,
    trailingStopPct: 0,
    expected: ["STOP_LOSS"],
    path: () => [{ afterMs: 0, targetPct: 85 }],
  },
  B: {
    name: "B",
    description: "15% stop-loss, no take-profit",
    stopLossPct: 15,
    takeProfitPct: 0,
    trailingStopPct: 0,
    expected: ["STOP_LOSS"],
    path: () => [{ afterMs: 0, targetPct: 70 }],
  },
  C: {
    name: "C",
    description: "5% stop-loss and 20% take-profit: whichever is crossed first fires",
    stopLossPct: 5,
    takeProfitPct: 20,
    trailingStopPct: 0,
    expected: ["STOP_LOSS", "TAKE_PROFIT"],
    // Alternate windows rise and fall, so both of C's triggers are exercised.
    path: (k) => [{ afterMs: 0, targetPct: k % 2 === 0 ? 135 : 85 }],
  },
  D: {
    name: "D",
    description: "no stop-loss, 10% trailing stop",
    stopLossPct: 0,
    takeProfitPct: 0,
    trailingStopPct: 10,
    expected: ["TRAILING_STOP"],
    path: () => [
      { afterMs: 0, targetPct: 125 },
      { afterMs: 30_000, targetPct: 95 },
    ],
  },
  E: {
    name: "E",
    description: "50% stop-loss (control: must never fire)",
    stopLossPct: 50,
    takeProfitPct: 0,
    trailingStopPct: 0,
    expected: [],
    // An adverse move of a quarter, then a recovery that holds to settlement.
    path: () => [
      { afterMs: 0, targetPct: 75 },
      { afterMs: 40_000, targetPct: 150 },
    ],
  },
};

/**
 * Whether a bid triggers `reason` under the preset, in integer arithmetic exactly as the exit
 * policy decides (agents/portfolio/exit-policy.ts): no rounded threshold price is involved.
 */
export function crosses(
  reason: ExitReason,
  p: Pick<ExitPreset, "stopLossPct" | "takeProfitPct" | "trailingStopPct">,
  bid: number,
  entry: number,
  high: number | null,
): boolean {
  switch (reason) {
    case "STOP_LOSS":
      return p.stopLossPct > 0 && bid * 100 <= entry * (100 - p.stopLossPct);
    case "TAKE_PROFIT":
      return p.takeProfitPct > 0 && bid * 100 >= entry * (100 + p.takeProfitPct);
    case "TRAILING_STOP":
      return (
        p.trailingStopPct > 0 &&
        high !== null &&
        high > entry &&
        bid * 100 <= high * (100 - p.trailingStopPct)
      );
    case "FLATTEN":
    case "SETTLEMENT":
      return false;
  }
}
