/**
 * Portfolio: positions as XState lifecycles, PnL net of fees, exits through the CRO. A singleton:
 * one leader holds the lease and writes positions fenced by its epoch; a second replica waits.
 */
import type { AgentDefinition } from "../runtime/actor.ts";
import { PortfolioActor } from "./agent.ts";
import { resolvePortfolioConfig, type PortfolioConfig } from "./config.ts";
import type { StrategyManifest } from "../../contracts/strategy-manifest.ts";

export interface PortfolioDeps {
  config?: Partial<PortfolioConfig>;
  /**
   * The strategies' manifests: each one's stop-loss and take-profit govern that strategy's
   * positions (exit-policy.ts strategyExitParams); absent: none, the configured defaults apply.
   */
  manifests?: readonly StrategyManifest[];
}

export function createPortfolioAgent(deps: PortfolioDeps = {}): AgentDefinition {
  const config = resolvePortfolioConfig(deps.config);
  return {
    name: "portfolio",
    singleton: true,
    create: (ctx) => new PortfolioActor(ctx, config, deps.manifests ?? []),
  };
}

export { portfolioConfig, resolvePortfolioConfig, type PortfolioConfig } from "./config.ts";
export {
  decideExit,
  exitParamsFrom,
  strategyExitParams,
  type ExitDecision,
  type ExitParams,
} from "./exit-policy.ts";
export { exitLimitPrice, exitIntentId } from "./exit-intent.ts";
export {
  positionMachine,
  POSITION_MACHINE_VERSION,
  type PositionContext,
  type PositionEvent,
  type PositionInput,
} from "./machine.ts";
export { bookFill, settle, unrealizedPnl, averagePrice, slippage, type Holdings } from "./pnl.ts";
export { positionViolations, assertPositionSums, confirmedSums } from "./invariants.ts";
