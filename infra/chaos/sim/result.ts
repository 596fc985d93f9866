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
  /**
   * The level's floor (scenarios.ts `minPerKind`) and, for every kind the seed enabled, how many
   * times it was injected: each must reach the floor for the run to count as a chaos pass.
   */
  faultFloor: { minPerKind: number; injectedByKind: Record<string, number> };
  violations: Violation[];
  eventLogHash: string;
  wallMs: number;
  /** CPU time of this process during the run (user + system; the simulator is one thread). */
  cpuMs: number;
  /** Clock steps (timers fired, deliveries) per wall second of the run: the simulator's speed. */
  eventsPerSecond: number;
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

/** Enabled kinds injected fewer times than the level's floor, with their counts. */
export function belowFloor(r: Pick<SimResult, "faultFloor">): [string, number][] {
  const { minPerKind, injectedByKind } = r.faultFloor;
  return Object.entries(injectedByKind).filter(([, n]) => n < minPerKind);
}

/**
 * One line: PASS, FAIL with the count, INTERRUPTED with how far the run got, or NO CHAOS PASS when
 * a level with a floor injected nothing, or less than its floor of some enabled kind.
 */
export function verdictOf(
  r: Pick<
    SimResult,
    | "violations"
    | "interrupted"
    | "simulatedMs"
    | "days"
    | "chaos"
    | "faultsInjected"
    | "faultFloor"
  >,
): string {
  if (r.violations.length > 0) return `FAIL: ${r.violations.length} violation(s)`;
  if (r.interrupted) {
    const day = (r.simulatedMs / DAY_MS).toFixed(2);
    return `INTERRUPTED at simulated day ${day} of ${r.days}: no invariant violated up to then (not a pass)`;
  }
  if (r.faultFloor.minPerKind > 0) {
    if (r.faultsInjected === 0) {
      return `NO CHAOS PASS: chaos ${r.chaos} injected no fault (no invariant violated, not a pass)`;
    }
    const short = belowFloor(r);
    if (short.length > 0) {
      const list = short.map(([k, n]) => `${k} ${n}`).join(", ");
      return `NO CHAOS PASS: below the floor of ${r.faultFloor.minPerKind} per kind: ${list} (not a pass)`;
    }
  }
  return "PASS: no invariant violated";
}

/** True only for a verdict that counts as a pass. */
export function isPass(verdict: string): boolean {
  return verdict.startsWith("PASS");
}
