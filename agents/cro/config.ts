/**
 * The CRO's own settings (not runtime controls: those live in the store and change without a
 * restart; these are fixed for the life of the process).
 */
import { z } from "zod";
import { agentName } from "../../contracts/envelope.ts";

/**
 * Agents that must be alive before the CRO lets anything trade. Alert counts: an operator trusting
 * the system with money must hear about halts and mismatches, so trading without the alerting
 * channel is trading blind (the state goes PAUSED; exits still pass).
 */
export const REQUIRED_AGENTS = [
  "market-data",
  "strategy",
  "execution",
  "portfolio",
  "reconciler",
  "alert",
] as const;

const ms = (min: number, max: number) => z.number().int().min(min).max(max);

export const croConfigSchema = z.object({
  /** `cro.state` is republished this often, so its silence tells others the CRO is gone. */
  statePublishMs: ms(50, 10_000).default(500),
  /** Liveness and blockers are re-evaluated this often, with or without new messages. */
  livenessCheckMs: ms(10, 5_000).default(100),
  /**
   * Controls, open orders and positions are re-read from the store this often. Must stay under a
   * second so that a control change takes effect within one second of being written.
   */
  refreshMs: ms(50, 900).default(500),
  requiredAgents: z
    .array(agentName)
    .max(32)
    .default([...REQUIRED_AGENTS]),
  /** The window of the order-rate limit (`order_rate_per_min`). */
  orderRateWindowMs: ms(1_000, 3_600_000).default(60_000),
  /** Bounds on what the CRO keeps in memory. */
  windowsRememberedMax: ms(10, 100_000).default(2_000),
  decisionsRememberedMax: ms(10, 1_000_000).default(10_000),
  /** An instance silent this long is dropped from the liveness table altogether. */
  instanceForgetMs: ms(1_000, 86_400_000).default(60_000),
  /**
   * At start, settled trades (closed positions) are read back this far for the kill criteria; a
   * strategy halted or resumed later counts only from then.
   */
  killHorizonMs: ms(60_000, 366 * 86_400_000).default(30 * 86_400_000),
});
export type CroConfig = z.infer<typeof croConfigSchema>;

export function croConfig(overrides: Partial<CroConfig> = {}): CroConfig {
  return croConfigSchema.parse(overrides);
}
