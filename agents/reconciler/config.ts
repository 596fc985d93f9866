/**
 * The Reconciler's bounds, all named, units last. Runtime controls (allowed instruments, position
 * cap, agent timeout) are read from the store on every run, so they follow the operator without a
 * restart; these settings are fixed for the life of the process.
 */
import { z } from "zod";
import { agentName } from "../../contracts/envelope.ts";

/** Agents whose heartbeats the `heartbeats` assertion requires (the reconciler is the observer). */
export const RECON_REQUIRED_AGENTS = [
  "market-data",
  "strategy",
  "cro",
  "execution",
  "portfolio",
] as const;

const ms = (min: number, max: number) => z.number().int().min(min).max(max);
const count = (min: number, max: number) => z.number().int().min(min).max(max);

export const reconcilerConfigSchema = z.object({
  /** A full run (venue comparison and every assertion) this often, and once at start. */
  reconIntervalMs: ms(50, 600_000).default(2_000),
  /**
   * A difference seen for the first time is re-checked this long later instead of a full interval
   * later: it becomes a mismatch only if the next run sees exactly the same difference (see
   * compare.ts, "in-flight fills").
   */
  confirmDelayMs: ms(10, 60_000).default(300),
  /** Every venue call's timeout; the run also stops waiting 250 ms past it on its own clock. */
  venueTimeoutMs: ms(10, 60_000).default(1_500),
  /** `fill-confirmation`: a fill still MATCHED this long after it was recorded fails. */
  confirmBoundMs: ms(1_000, 3_600_000).default(10_000),
  /** `position-count`: open positions allowed at once. */
  openPositionsMax: count(1, 100_000).default(20),
  /**
   * `signal-order-mapping` looks at orders this old or older: the CRO may write its decision's
   * audit entry a moment after Execution has persisted the order it caused.
   */
  mappingGraceMs: ms(0, 60_000).default(1_000),
  requiredAgents: z
    .array(agentName)
    .max(32)
    .default([...RECON_REQUIRED_AGENTS]),
  /**
   * `heartbeats`: a required agent never seen is not failed until this long after the reconciler
   * started (processes of a fleet come up in any order, some in seconds).
   */
  startupGraceMs: ms(0, 600_000).default(10_000),
  /** An agent instance silent this long is forgotten (bounds the heartbeat table). */
  instanceForgetMs: ms(1_000, 86_400_000).default(60_000),
  instancesMax: count(1, 100_000).default(1_024),
});
export type ReconcilerConfig = z.infer<typeof reconcilerConfigSchema>;

/** Defaults plus overrides, validated; a bad value throws with the field named. */
export function resolveReconcilerConfig(
  overrides: Partial<ReconcilerConfig> = {},
): ReconcilerConfig {
  return reconcilerConfigSchema.parse(overrides);
}
