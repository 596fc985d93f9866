/** The invariants the simulator checks (DESIGN.md "Safety invariants") and what a violation is. */

export const INVARIANTS = {
  "1-approval": "No order without approval (exact intent, current epoch, unexpired)",
  "2-halt": "Halt means halt (nothing risk-increasing outside ACTIVE; dead man on CRO silence)",
  "3-fail-closed": "Fail closed (never ACTIVE with a required agent silent past its timeout)",
  "4-exits": "Exits are never blocked by PAUSED or FLATTENING",
  "5-fills": "Every fill counts once; positions, fees and fills equal the venue's",
  "6-unknown": "Unknown is not rejected; re-entry waits until it resolves",
  "7-limits": "Limits belong to the CRO (an approval passed every limit check)",
  "8-no-crash": "Bad input never crashes an agent",
  "9-restart": "Trading resumes only after a clean reconciliation following a restart",
  "10-determinism": "Same seed, same event log",
  cash: "Cash equals the venue's collateral (starting cash + realized PnL net of fees − open cost)",
  "in-flight": "No order stuck in flight after the faults stop",
  liveness: "After the heal, the system returns to ACTIVE with a clean reconciliation",
} as const;
export type InvariantId = keyof typeof INVARIANTS;

export interface Violation {
  invariant: InvariantId;
  at: number;
  message: string;
}
