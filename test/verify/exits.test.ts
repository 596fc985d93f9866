/**
 * `verify exits` in simulation (issue 20, phase 2): the presets A–E, each over five windows whose
 * seeded market path crosses its threshold (E: approaches it), every trigger judged; an injected
 * slow exit or wrong fill price fails the variant it was injected into and no other.
 */
import { describe, expect, it } from "vitest";
import { runExitsSimulation, type ExitsRunOptions } from "../../infra/verify/exits-sim.ts";

const BASE: ExitsRunOptions = {
  seed: 1,
  variants: ["A", "B", "C", "D", "E"],
  windowsPerVariant: 5,
  windowMs: 180_000,
  collateralUsd: "100",
  // Liveness every 2 s instead of 0.5 s (cadence.ts): the exit path is timed as in production.
  cadence: "relaxed",
  orderLatencyMaxMs: 1_000,
  recordedAt: Date.UTC(2026, 11, 7),
};

describe("verify exits (simulation)", () => {
  it("verifies A–E over five windows each: every trigger legal, at once, filled, closed and booked", async () => {
    const { run, variants } = await runExitsSimulation(BASE);
    expect(run.verdict).toBe("PASS: variant(s) A,B,C,D,E verified");
    const fired = (name: string) => variants[name]?.windows.map((w) => w.fired) ?? [];
    expect(fired("A")).toEqual(Array(5).fill("STOP_LOSS"));
    expect(fired("B")).toEqual(Array(5).fill("STOP_LOSS"));
    expect(new Set(fired("C"))).toEqual(new Set(["STOP_LOSS", "TAKE_PROFIT"]));
    expect(fired("D")).toEqual(Array(5).fill("TRAILING_STOP"));
    // The control never fired, on paths that went against the entry.
    expect(fired("E")).toEqual(Array(5).fill(null));
    expect(variants.E?.windows.every((w) => w.exercised)).toBe(true);
    for (const i of run.items.filter((x) => x.point === "order")) {
      expect(i.data.latencyMs).toBeLessThanOrEqual(1_000);
    }
  });

  it("fails the variant whose exits were slowed, and only that one", async () => {
    const { run, variants } = await runExitsSimulation({
      ...BASE,
      variants: ["A", "B"],
      windowsPerVariant: 2,
      inject: { kind: "slow-exit", variant: "A" },
    });
    expect(run.passed).toBe(false);
    expect(variants.A?.outcome).toBe("FAIL");
    expect(variants.B?.outcome).toBe("PASS");
    const failed = run.items.filter((i) => i.outcome === "FAIL");
    expect(failed.every((i) => i.subject.startsWith("A"))).toBe(true);
    expect(failed.map((i) => i.point)).toContain("order");
  });

  it("fails the variant whose exit fills were mispriced, at fill, slippage and balance", async () => {
    const { run, variants } = await runExitsSimulation({
      ...BASE,
      variants: ["A", "B"],
      windowsPerVariant: 2,
      inject: { kind: "wrong-fill-price", variant: "B" },
    });
    expect(variants.A?.outcome).toBe("PASS");
    expect(variants.B?.outcome).toBe("FAIL");
    expect(run.verdict).toBe("FAIL: B FAIL");
    const failedPoints = new Set(
      run.items
        .filter((i) => i.outcome === "FAIL" && i.subject.startsWith("B:"))
        .map((i) => i.point),
    );
    expect(failedPoints).toEqual(new Set(["fill", "slippage", "balance"]));
  });
});
