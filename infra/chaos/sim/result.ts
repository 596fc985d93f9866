/**
 * What one simulation run produced and the one-line verdict on it. Kept apart from run.ts so the
 * report (report.ts) can read a result without importing the runner that writes the report.
 */
import type { ChaosLevel } from "../engine.ts";
import type { Violation } from "./invariants.ts";
import type { OperatorStats } from "./operator.ts";
import type { Cadence } from "./cadence.ts";

export const DAY_MS = 86_400_000;

export interface SimResult {
  seed: number;
  days: number;
  chaos: ChaosLevel;
  scenario: string | null;
  plant: string | null;
  cadence: Cadence;
  events: number;
  busMessages: number;
  faultsInjected: number;
  faultsByKind: Record<string, number>;
  violations: Violation[];
  eventLogHash: string;
  wallMs: number;
  simulatedMs: number;
  bookUpdatesPerTokenPer10s: number;
  orders: number;
  fills: number;
  /** What the simulated operator's daily reviews did (operator.ts). */
  operator: OperatorStats;
  finalState: string;
  /** Stopped by `signal` before the faults ended: no violation up to then, and no verdict. */
  interrupted: boolean;
  reproduce: string;
  postMortem: string | null;
  report: string | null;
}

/** One line: PASS, FAIL with the count, or INTERRUPTED with how far the run got. */
export function verdictOf(
  r: Pick<SimResult, "violations" | "interrupted" | "simulatedMs" | "days">,
): string {
  if (r.violations.length > 0) return `FAIL: ${r.violations.length} violation(s)`;
  if (r.interrupted) {
    const day = (r.simulatedMs / DAY_MS).toFixed(2);
    return `INTERRUPTED at simulated day ${day} of ${r.days}: no invariant violated up to then (not a pass)`;
  }
  return "PASS: no invariant violated";
}
