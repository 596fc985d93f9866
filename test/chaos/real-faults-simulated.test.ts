/**
 * Issue 19: the simulated counterpart of the real faults (test/chaos-real/simulated.ts), the one
 * `npm run chaos:real -- --compare-sim` prints beside the real recoveries. Each kind the simulator
 * models is injected on the virtual clock and recovers; the comparison names the kinds it does not
 * model rather than inventing a figure for them.
 */
import { expect, it } from "vitest";
import { summarize, type FaultRecord, type RealChaosReport } from "../chaos-real/engine.ts";
import { formatComparison, SIMULATED_KINDS, simulatedRecovery } from "../chaos-real/simulated.ts";

it("every modelled kind is injected on the virtual clock, noticed and recovered; the rest are named as not modelled", async () => {
  const simulated = await simulatedRecovery(19, 2);
  for (const kind of SIMULATED_KINDS) {
    const s = simulated[kind];
    expect(s.count, kind).toBe(2);
    expect(s.stuck, kind).toBe(0);
  }
  // Noticed and timed: a stop, a takeover and a halt always take trading out of ACTIVE.
  for (const kind of ["agent.stop", "cro.takeover", "operator.halt"] as const) {
    expect(simulated[kind].undetected, kind).toBe(0);
    expect(simulated[kind].p50, kind).toBeGreaterThan(0);
  }
  const fault = (kind: FaultRecord["kind"], recoveryMs: number): FaultRecord => ({
    ...{ i: 0, kind, target: "", detail: "", at: 0, detectMs: 10, left: null, recoveryMs },
    ...{ notActive: null, checks: { activeAgain: true, noBuyWhileNotActive: true } },
    ...{ tradesBefore: 1, failure: null, blockers: null },
  });
  const faults = [fault("agent.stop", 2_000), fault("nats.restart", 6_000)];
  const real = { byKind: summarize(faults) } as RealChaosReport;
  const text = formatComparison(real, simulated);
  expect(text).toMatch(/agent\.stop\s+2000\/2000\/2000 \(10\)\s+\d+\/\d+\/\d+/);
  expect(text).toMatch(/nats\.restart\s+6000\/6000\/6000 \(10\)\s+not modelled by the simulator/);
}, 300_000);
