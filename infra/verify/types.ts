/**
 * Evidence before money (DESIGN.md): a verification run is stored as an id, its inputs, each
 * checked item with its outcome, and timestamps. `readiness` reads these and nothing else.
 */

/** What one checked point came to. NOT_EXERCISED is never a pass; EXCLUDED is never counted. */
export type ItemOutcome = "PASS" | "FAIL" | "EXCLUDED" | "NOT_EXERCISED";

export const RUN_KINDS = ["canary", "exits", "drill", "preflight"] as const;
export type RunKind = (typeof RUN_KINDS)[number];

export interface VerificationItem {
  /** What was checked: a window id, `A:window`, a drill level. */
  subject: string;
  /** Which point of it: `signal`, `fill`, `assertions`, `trigger`… */
  point: string;
  outcome: ItemOutcome;
  detail: string;
  /** Measured numbers (integer micro-units, milliseconds) and labels for reports. */
  data: Record<string, string | number | boolean | null>;
}

export interface VerificationRun {
  id: string;
  kind: RunKind;
  /** paper, dry-run, live or sim. */
  mode: string;
  inputs: Record<string, unknown>;
  /** Real (wall-clock) time the evidence was recorded: its age and expiry count from here. */
  recordedAt: number;
  /** On the run's own clock (virtual in simulation). */
  startedAt: number;
  finishedAt: number;
  passed: boolean;
  /** One line for people. */
  verdict: string;
  summary: Record<string, unknown>;
  items: VerificationItem[];
}

export function item(
  subject: string,
  point: string,
  outcome: ItemOutcome,
  detail: string,
  data: VerificationItem["data"] = {},
): VerificationItem {
  return { subject, point, outcome, detail, data };
}
