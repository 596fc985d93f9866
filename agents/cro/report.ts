/** What the CRO tells the fleet (`cro.state`) and the operator (`status`) about itself. */
import type { Payload } from "../../bus/messages.ts";
import type { Blocker } from "./blockers.ts";
import type { TradingKeeper } from "./trading.ts";
import type { RiskWorld } from "./world.ts";

/** The wire bounds of `cro.state` (contracts/cro.ts). */
const BLOCKERS_MAX = 64;
const AGENTS_MAX = 256;
const HALTS_MAX = 64;

export function blockerTexts(blockers: readonly Blocker[]): string[] {
  return blockers.map((b) => b.text).slice(0, BLOCKERS_MAX);
}

export function statePayload(
  trading: TradingKeeper,
  world: RiskWorld,
  blockers: readonly Blocker[],
  epoch: number,
  now: number,
): Payload<"cro.state"> {
  const { context } = trading;
  const agents = world.liveness.table(now, world.controls.agent_timeout_ms);
  return {
    state: trading.state,
    reason: context.reason,
    since: context.since,
    epoch,
    blockers: blockerTexts(blockers),
    operatorHold: context.operatorHold,
    agents: agents.slice(0, AGENTS_MAX),
    strategyHalts: world.strategies.halts().slice(0, HALTS_MAX),
    strategyLossLimits: world.strategyLossLimits().slice(0, HALTS_MAX),
  };
}

export function statusReport(
  trading: TradingKeeper,
  world: RiskWorld,
  blockers: readonly Blocker[],
  fence: { epoch: number } | null,
  now: number,
): Record<string, unknown> {
  return {
    ...statePayload(trading, world, blockers, fence?.epoch ?? 0, now),
    leader: fence !== null,
    tripped: trading.context.tripped,
    dailyPnl: world.dailyPnl(now),
    sessionPnl: world.sessionPnl(),
    balance: world.balance,
  };
}
