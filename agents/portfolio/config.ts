/**
 * Portfolio's bounds, all named, units last. The stop-loss and take-profit here are only the
 * defaults: the runtime controls `stop_loss_pct` and `take_profit_pct` override them while the
 * fleet runs (re-read every `controlsRefreshMs`).
 */
import { z } from "zod";

const ms = (min: number, max: number) => z.number().int().min(min).max(max);
const pct = (max: number) => z.number().int().min(0).max(max);

export const portfolioConfig = z.object({
  /** Exit when the best bid falls this far below the average entry price; 0 turns it off. */
  stopLossPct: pct(100).default(10),
  /** Exit when the best bid rises this far above the average entry price; 0 turns it off. */
  takeProfitPct: pct(1_000).default(30),
  /** Exit when the bid falls this far below its high-water mark; 0 (the default) turns it off. */
  trailingStopPct: pct(100).default(0),
  /**
   * How far below the best bid an exit's limit price is set, in price micro-units, so that a FAK
   * sell still fills when the bid moves a tick while the intent travels through the CRO.
   */
  exitSlippageMicro: z.number().int().min(0).max(500_000).default(20_000),
  /**
   * An exit with no terminal answer (fill, veto, reject, cancel) within this long counts as
   * failed, and the position goes back to MONITORING.
   */
  exitTimeoutMs: ms(100, 600_000).default(15_000),
  /** After a failed exit, no new price-triggered exit for this long (settlement is not delayed). */
  exitRetryDelayMs: ms(0, 600_000).default(1_000),
  /** How often runtime controls are re-read from the store. */
  controlsRefreshMs: ms(100, 60_000).default(1_000),
  /** How often positions whose mark moved are re-persisted and re-published. */
  markRefreshMs: ms(100, 600_000).default(1_000),
});
export type PortfolioConfig = z.infer<typeof portfolioConfig>;

/** Defaults plus overrides, validated; a bad value throws with the field named. */
export function resolvePortfolioConfig(overrides: Partial<PortfolioConfig> = {}): PortfolioConfig {
  return portfolioConfig.parse(overrides);
}
