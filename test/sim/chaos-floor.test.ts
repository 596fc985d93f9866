/**
 * Chaos levels have a floor (issue 21): at "heavy" every enabled fault kind is injected at least
 * once and at "extreme" at least twice, however short the run; the result says how many of each;
 * and a run that injected none (or fewer than the floor) is not reported as a pass.
 */
import { describe, expect, it } from "vitest";
import { LEVELS } from "../../infra/chaos/scenarios.ts";
import { runSimulation } from "../../infra/chaos/sim/run.ts";
import { isPass, verdictOf, type SimResult } from "../../infra/chaos/sim/result.ts";

// ≈ 43 simulated seconds: far shorter than any kind's mean gap (hours), so without the floor
// a run this short injects next to nothing.
const DAYS = 0.0005;

describe("the chaos floor", () => {
  it("is documented on the levels: 1 per enabled kind at heavy, 2 at extreme, none below", () => {
    expect(LEVELS.heavy.minPerKind).toBe(1);
    expect(LEVELS.extreme.minPerKind).toBe(2);
    expect(LEVELS.medium.minPerKind).toBe(0);
  });

  it.each([
    ["heavy", 1],
    ["extreme", 2],
  ] as const)(
    "a very short %s run injects at least %i of every enabled kind",
    async (chaos, min) => {
      const r = await runSimulation({ seed: 3, days: DAYS, chaos });
      const kinds = Object.entries(r.faultFloor.injectedByKind);
      expect(kinds.length).toBeGreaterThan(3);
      expect(r.faultFloor.minPerKind).toBe(min);
      for (const [kind, n] of kinds) expect(n, kind).toBeGreaterThanOrEqual(min);
      // The counts are the records': what the summary says is what was injected.
      for (const [kind, n] of kinds) expect(r.faultsByKind[kind] ?? 0, kind).toBe(n);
      expect(r.faultsInjected).toBeGreaterThanOrEqual(kinds.length * min);
      expect(r.violations).toEqual([]);
      expect(verdictOf(r)).toBe("PASS: no invariant violated");
    },
  );

  it("does not report a run without faults, or below the floor, as a chaos pass", () => {
    const base: Parameters<typeof verdictOf>[0] = {
      violations: [],
      interrupted: false,
      simulatedMs: 1_000,
      days: 0.001,
      chaos: "heavy",
      faultsInjected: 0,
      faultFloor: { minPerKind: 1, injectedByKind: { "bus.drop": 0 } },
    };
    expect(verdictOf(base)).toMatch(/^NO CHAOS PASS: chaos heavy injected no fault/);
    expect(isPass(verdictOf(base))).toBe(false);
    const short: Pick<SimResult, "faultFloor"> = {
      faultFloor: { minPerKind: 2, injectedByKind: { "bus.drop": 2, "venue.outage": 1 } },
    };
    const v = verdictOf({ ...base, chaos: "extreme", faultsInjected: 3, ...short });
    expect(v).toBe("NO CHAOS PASS: below the floor of 2 per kind: venue.outage 1 (not a pass)");
    expect(isPass(v)).toBe(false);
    // Below a floor, "none" and "medium" still pass without faults: they promise none.
    const calm = {
      ...base,
      chaos: "medium" as const,
      faultFloor: { minPerKind: 0, injectedByKind: {} },
    };
    expect(isPass(verdictOf(calm))).toBe(true);
  });
});
