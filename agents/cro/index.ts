/**
 * Risk/CRO: the trading state, the kill switch, the limits and every approval. Public surface:
 * the agent definition, its config, and the pure parts other code and tests use directly.
 */
import type { AgentDefinition } from "../runtime/actor.ts";
import { CroActor } from "./agent.ts";
import { croConfig, type CroConfig } from "./config.ts";

export { croConfig, croConfigSchema, REQUIRED_AGENTS, type CroConfig } from "./config.ts";
export { runChecks, ENTRY_CHECKS, EXIT_CHECKS, CANCEL_CHECKS } from "./checks.ts";
export type { CheckSnapshot, Verdict } from "./checks.ts";
export { computeBlockers, type Blocker, type BlockerCode } from "./blockers.ts";
export { tradingMachine, MACHINE_VERSION, type TradingEvent } from "./machine.ts";

export interface CroDeps {
  config?: Partial<CroConfig>;
}

export function createCroAgent(deps: CroDeps = {}): AgentDefinition {
  const config = croConfig(deps.config);
  return {
    name: "cro",
    singleton: true,
    create: (ctx) => new CroActor(ctx, config),
  };
}
