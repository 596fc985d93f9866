/**
 * Risk/CRO: the trading state, the kill switch, the limits and every approval. Public surface:
 * the agent definition, its config, and the pure parts other code and tests use directly.
 */
import type { ConnectionEvents } from "../../bus/connection-events.ts";
import type { ApprovalKey } from "../../contracts/approval-signature.ts";
import type { AgentDefinition } from "../runtime/actor.ts";
import { CroActor } from "./agent.ts";
import { croConfig, type CroConfig } from "./config.ts";
import type { StrategyManifest } from "../../contracts/strategy-manifest.ts";
import { loadManifests } from "../strategy/manifests.ts";

export { croConfig, croConfigSchema, REQUIRED_AGENTS, type CroConfig } from "./config.ts";
export { runChecks, ENTRY_CHECKS, EXIT_CHECKS, CANCEL_CHECKS } from "./checks.ts";
export type { CheckSnapshot, Verdict } from "./checks.ts";
export { computeBlockers, type Blocker, type BlockerCode } from "./blockers.ts";
export { tradingMachine, MACHINE_VERSION, type TradingEvent } from "./machine.ts";

export interface CroDeps {
  config?: Partial<CroConfig>;
  /** Bus connection events (NATS `$SYS`, or the embedded fleet's): an agent's death at once. */
  connectionEvents?: ConnectionEvents;
  /** Signs every decision (PREDATOR_APPROVAL_KEY, shared with Execution only). */
  approvalKey?: ApprovalKey;
  /** The strategies' manifests, whose kill criteria the CRO applies; default: the shipped ones. */
  manifests?: readonly StrategyManifest[];
}

export function createCroAgent(deps: CroDeps = {}): AgentDefinition {
  const config = croConfig(deps.config);
  const manifests = deps.manifests ?? loadManifests();
  return {
    name: "cro",
    singleton: true,
    create: (ctx) =>
      new CroActor(ctx, config, deps.connectionEvents ?? null, deps.approvalKey ?? null, manifests),
  };
}
