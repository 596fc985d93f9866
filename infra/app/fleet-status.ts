/**
 * One snapshot of the fleet for `predator status`, GET /api/status and GET /health: the CRO's
 * trading state (or null when it does not answer) and one row per agent instance.
 */
import type { Clock } from "../../bus/clock.ts";
import { AGENT_NAMES } from "../../agents/catalog.ts";
import {
  agentRows,
  unhealthyAgents,
  type AgentRow,
  type HeardInstance,
  type HeartbeatTracker,
  type LocalChild,
} from "./fleet-view.ts";
import { croStatus, type CroStatus, type Operator } from "./operator.ts";

export interface FleetStatus {
  /** The CRO's status reply; null when it did not answer. */
  cro: CroStatus | null;
  agents: AgentRow[];
  /** Required agents with no healthy instance (for a singleton: no live leader). */
  unhealthy: string[];
  /** Every required agent healthy and the CRO answering. */
  healthy: boolean;
}

export interface FleetStatusSource {
  operator: Operator;
  tracker: HeartbeatTracker;
  clock: Clock;
  /** The supervisor's children, when this process runs them (`predator up`). */
  local: () => readonly LocalChild[];
  actor: string;
}

export async function fleetStatus(source: FleetStatusSource): Promise<FleetStatus> {
  const cro = await croStatus(source.operator, source.actor);
  return composeStatus(cro, source.tracker.instances(), source.local(), source.clock.now());
}

export function composeStatus(
  cro: CroStatus | null,
  heard: readonly HeardInstance[],
  local: readonly LocalChild[],
  now: number,
): FleetStatus {
  const agents = agentRows(heard, cro?.agents ?? [], local, now);
  const unhealthy = unhealthyAgents(agents, AGENT_NAMES);
  return { cro, agents, unhealthy, healthy: cro !== null && unhealthy.length === 0 };
}
