/**
 * Invariant 10 (issue 6 acceptance): the same seed gives the same event log, byte for byte, at
 * every level of chaos; different seeds give different logs. Short runs: the property does not
 * depend on length, and the suite must stay fast.
 */
import { describe, expect, it } from "vitest";
import { runSimulation, type SimResult } from "../../infra/chaos/sim/run.ts";

const DAYS = 0.002; // ≈ 3 simulated minutes of faults, then the heal and the checks at rest

function run(seed: number): Promise<SimResult> {
  return runSimulation({ seed, days: DAYS, chaos: "none" });
}

describe("the simulator is deterministic", () => {
  it("gives byte-identical event logs for the same seed, and different ones for other seeds", async () => {
    const hashes = new Map<number, string>();
    for (const seed of [1, 2]) {
      const a = await run(seed);
      const b = await run(seed);
      expect(a.violations, `seed ${seed}`).toEqual([]);
      expect(a.busMessages).toBeGreaterThan(1_000);
      expect(b.eventLogHash, `seed ${seed}`).toBe(a.eventLogHash);
      expect(b.busMessages).toBe(a.busMessages);
      expect(b.events).toBe(a.events);
      hashes.set(seed, a.eventLogHash);
    }
    expect(hashes.get(1)).not.toBe(hashes.get(2));
  });

  it("stays deterministic under chaos (every fault kind, extreme level)", async () => {
    const options = { seed: 7, days: 0.003, chaos: "extreme", scenario: "kitchen-sink" } as const;
    const a = await runSimulation(options);
    const b = await runSimulation(options);
    expect(a.faultsInjected).toBeGreaterThan(5);
    expect(b.eventLogHash).toBe(a.eventLogHash);
    expect(b.faultsByKind).toEqual(a.faultsByKind);
    expect(b.violations).toEqual(a.violations);
  });
});
