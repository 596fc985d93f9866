/**
 * How often the agents' periodic work runs in a simulation: heartbeats, the CRO's state broadcast
 * and liveness evaluation, health and reconciliation reports. These are settings, not code: both
 * profiles run the same production agents.
 *
 * - `production`: the defaults every deployed process runs with (heartbeat 200 ms, `cro.state`
 *   every 500 ms, `agent_timeout_ms` 800 ms: a hang is detected within 1 s, issue 19). About 92% of the bus traffic of a quiet hour is these
 *   periodic messages, not market data or trading.
 * - `relaxed`: every liveness period several times longer (heartbeat 2 s, timeout 10 s), with every timeout that depends on it
 *   scaled to match, so the ratios that make detection work are the production ones (timeout = 5
 *   heartbeats; a CRO silent for 4 of its own state periods is dead). A hang is detected in
 *   10 s instead of under 1 s, so the bus's 5–10 s lags sit around the threshold rather than above it.
 *   Market data (book updates), strategy evaluation, approvals and their TTL keep production
 *   timing: what the system trades on is unchanged. Long campaigns use it; the speed bench reports
 *   both.
 */
import type { AgentTuning } from "../../../agents/catalog.ts";
import type { HostSettings } from "../../../agents/runtime/host.ts";
import type { StrategyConfig } from "../../../agents/strategy/index.ts";
import { CONTROL_DEFAULTS, type ControlKey } from "../../../contracts/controls.ts";
import type { CheckerSettings } from "./invariants.ts";

export const CADENCE_NAMES = ["production", "relaxed"] as const;
export type Cadence = (typeof CADENCE_NAMES)[number];

export function isCadence(value: string): value is Cadence {
  return (CADENCE_NAMES as readonly string[]).includes(value);
}

export interface CadenceProfile {
  host: Partial<HostSettings>;
  tuning: AgentTuning;
  strategy: Partial<StrategyConfig>;
  /** Runtime controls written before the fleet starts (as an operator would). */
  controls: Partial<Record<ControlKey, string>>;
  /** What the invariant checker must know of the same settings. */
  checker: Pick<CheckerSettings, "croSilenceMs" | "agentTimeoutMs" | "livenessSlackMs">;
}

const PRODUCTION: CadenceProfile = {
  host: {},
  tuning: {},
  strategy: {},
  controls: {},
  checker: {
    croSilenceMs: 2_000,
    agentTimeoutMs: Number(CONTROL_DEFAULTS.agent_timeout_ms),
    livenessSlackMs: 1_000,
  },
};

const RELAXED: CadenceProfile = {
  host: { heartbeatMs: 2_000 },
  tuning: {
    cro: { statePublishMs: 2_000, livenessCheckMs: 800, refreshMs: 900 },
    execution: { croSilenceMs: 8_000, confirmCheckMs: 2_000 },
    "market-data": { healthIntervalMs: 2_000 },
    portfolio: { controlsRefreshMs: 4_000, markRefreshMs: 4_000 },
    reconciler: { reconIntervalMs: 8_000 },
    alert: { agentTimeoutMs: 10_000, checkIntervalMs: 4_000 },
  },
  strategy: { croSilenceMs: 8_000 },
  controls: { agent_timeout_ms: "10000" },
  checker: { croSilenceMs: 8_000, agentTimeoutMs: 10_000, livenessSlackMs: 2_000 },
};

export function cadenceProfile(cadence: Cadence): CadenceProfile {
  return cadence === "production" ? PRODUCTION : RELAXED;
}
