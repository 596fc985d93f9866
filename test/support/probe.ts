/**
 * The probe strategy as the fleet tests run it: it buys the minimum size whenever an outcome is
 * offered at or below 0.6, on windows of the length the test's venue uses, within limits loose
 * enough that it keeps trading.
 */
import { windowInstrument } from "../../infra/venue-sim/index.ts";

export const PROBE_STRATEGY = { enabled: ["probe"], params: { probe: { askMax: 600_000 } } };

/** The environment that gives an agent process the probe strategy. */
export const PROBE_AGENT_ENV = { PREDATOR_STRATEGY_CONFIG: JSON.stringify(PROBE_STRATEGY) };

export function probeControls(windowMs: number): Record<string, string> {
  return {
    allowed_instruments: windowInstrument("btc", windowMs),
    allowed_strategies: "probe",
    orders_per_window_max: "100",
    order_rate_per_min: "120",
    position_cap_usd: "20",
  };
}
