/**
 * A run stopped by its signal (Ctrl-C, a session's end) stops at the next clock step, skips the
 * heal and the at-rest checks, and reports what it did up to then as INTERRUPTED, never as a pass.
 */
import { describe, expect, it } from "vitest";
import { DAY_MS, runSimulation, verdictOf } from "../../infra/chaos/sim/run.ts";

describe("an interrupted simulation", () => {
  it("stops where it was told to and says how far it got, without a verdict", async () => {
    const stop = new AbortController();
    const days = 0.02;
    const r = await runSimulation({
      seed: 31,
      days,
      chaos: "heavy",
      cadence: "relaxed",
      signal: stop.signal,
      onProgress: (done, total) => {
        if (done >= total * 0.3) stop.abort("SIGINT");
      },
    });
    expect(r.interrupted).toBe(true);
    expect(r.violations).toEqual([]);
    // Stopped within one progress step (1/200 of the run) of where it was told, not at the end.
    expect(r.simulatedMs).toBeGreaterThanOrEqual(days * DAY_MS * 0.3);
    expect(r.simulatedMs).toBeLessThan(days * DAY_MS * 0.31);
    expect(r.events).toBeGreaterThan(0);
    expect(verdictOf(r)).toBe(
      "INTERRUPTED at simulated day 0.01 of 0.02: no invariant violated up to then (not a pass)",
    );
  });

  it("a run left alone is not interrupted", async () => {
    const r = await runSimulation({ seed: 31, days: 0.002, chaos: "heavy", cadence: "relaxed" });
    expect(r.interrupted).toBe(false);
    expect(verdictOf(r)).toBe("PASS: no invariant violated");
  });
});
