/** Strategy: registered strategies evaluate windows; signals become intents for the CRO. */
import type { AgentDefinition } from "../runtime/actor.ts";
import { StrategyActor } from "./actor.ts";
import { activeStrategies, strategyConfig, type StrategyConfig } from "./config.ts";
import { StrategyRegistry } from "./registry.ts";
import type { Strategy } from "./strategy.ts";
import type { StrategyManifest } from "../../contracts/strategy-manifest.ts";
import { loadManifests } from "./manifests.ts";

export { StrategyActor } from "./actor.ts";
export {
  strategyConfig,
  strategyConfigSchema,
  activeStrategies,
  type StrategyConfig,
} from "./config.ts";
export { StrategyRegistry, DuplicateStrategyError, defaultStrategies } from "./registry.ts";
export { loadManifests, checkManifest, checkParams, SHIPPED_MANIFESTS } from "./manifests.ts";
export { canary, canaryParams, type CanaryParams } from "./canary.ts";
export { momentum, momentumParams, type MomentumParams } from "./momentum.ts";
export { probe, probeParams, type ProbeParams } from "./probe.ts";
export { cheapSide, cheapSideParams, type CheapSideParams } from "./cheap-side.ts";
export { croGate, windowGate, checkSignal, type CroSeen, type GateResult } from "./gate.ts";
export { MarketView, type WindowInfo, type ViewBounds } from "./market-view.ts";
export * from "./strategy.ts";

export interface StrategyDeps {
  strategies: StrategyRegistry | Strategy[];
  config?: Partial<StrategyConfig>;
  /**
   * The manifests the enabled strategies are deployed from (default: the shipped ones, checked
   * here); null: not checked (unit tests of the agent's mechanics with ad-hoc strategies).
   */
  manifests?: readonly StrategyManifest[] | null;
}

export const STRATEGY_AGENT = "strategy";

export function createStrategyAgent(deps: StrategyDeps): AgentDefinition {
  const config = strategyConfig(deps.config);
  const registry =
    deps.strategies instanceof StrategyRegistry
      ? deps.strategies
      : new StrategyRegistry(deps.strategies);
  const manifests = deps.manifests === undefined ? loadManifests() : deps.manifests;
  const active = activeStrategies(registry, config, manifests);
  return {
    name: STRATEGY_AGENT,
    singleton: false,
    create: (ctx) => new StrategyActor(ctx, active, config),
  };
}
