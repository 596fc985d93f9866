/**
 * `predator drill kill-switch` in simulation (issue 20, phase 3): PAUSE, FLATTEN with a position
 * open, and EMERGENCY, each pulled through ops.command and resumed, each step timed and bounded.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_DRILL_BOUNDS, runKillSwitchDrill } from "../../infra/verify/drill-sim.ts";

describe("kill-switch drill (simulation)", () => {
  it("exercises PAUSE, FLATTEN and EMERGENCY, flattens the open position and resumes each", async () => {
    const { run } = await runKillSwitchDrill({
      seed: 1,
      cadence: "production",
      recordedAt: Date.UTC(2026, 11, 7),
      bounds: DEFAULT_DRILL_BOUNDS,
    });
    expect(run.verdict).toBe("PASS: PAUSE, FLATTEN and EMERGENCY each exercised and resumed");
    const point = (subject: string, p: string) =>
      run.items.find((i) => i.subject === subject && i.point === p);
    for (const level of ["PAUSE", "FLATTEN", "EMERGENCY"]) {
      expect(point(level, "command")?.outcome).toBe("PASS");
      expect(point(level, "halt")?.outcome).toBe("PASS");
      expect(point(level, "no-entries")?.outcome).toBe("PASS");
      expect(point(level, "resume")?.outcome).toBe("PASS");
    }
    expect(point("FLATTEN", "position")?.outcome).toBe("PASS");
    const flatten = point("FLATTEN", "flatten");
    expect(flatten?.outcome).toBe("PASS");
    expect(flatten?.data.ms).toBeLessThanOrEqual(DEFAULT_DRILL_BOUNDS.flattenMs);
  });

  it("fails a level whose bound cannot be met, naming it", async () => {
    const { run } = await runKillSwitchDrill({
      seed: 1,
      cadence: "production",
      recordedAt: Date.UTC(2026, 11, 7),
      // Closing a position takes the venue's confirmation delay (seconds): 1 ms cannot be met.
      bounds: { ...DEFAULT_DRILL_BOUNDS, flattenMs: 1 },
    });
    expect(run.passed).toBe(false);
    expect(run.verdict).toBe("FAIL: FLATTEN flatten");
  });
});
