/**
 * `verify canary` in simulation (issue 20, phase 1): twenty windows of the production fleet on the
 * virtual clock, every window judged on every point, both outcomes seen; and runs broken on
 * purpose fail naming the window and the point.
 */
import { describe, expect, it } from "vitest";
import { CANARY_POINTS } from "../../infra/verify/canary-judge.ts";
import { runCanarySimulation, type CanaryRunOptions } from "../../infra/verify/canary-sim.ts";
import { renderCsv, renderMarkdown, renderTable } from "../../infra/verify/render.ts";
import { renderHtml } from "../../infra/verify/html.ts";

const BASE: CanaryRunOptions = {
  seed: 1,
  windows: 20,
  windowsMax: 40,
  windowMs: 120_000,
  collateralUsd: "100",
  cadence: "production",
  recordedAt: Date.UTC(2026, 11, 7),
};

describe("verify canary (simulation)", () => {
  it("verifies 20 windows on every point with both outcomes and zero assertion failures", async () => {
    const { run, windows } = await runCanarySimulation(BASE);
    const counted = windows.filter((w) => w.outcome !== "EXCLUDED");
    expect(run.verdict).toMatch(/^PASS/);
    expect(run.passed).toBe(true);
    expect(counted.length).toBeGreaterThanOrEqual(20);
    expect(new Set(counted.map((w) => w.resolution))).toEqual(new Set(["UP", "DOWN"]));
    expect(run.summary.assertionFailures).toBe(0);
    for (const w of counted) {
      expect(w.items.map((i) => i.point)).toEqual([...CANARY_POINTS]);
      expect(w.items.every((i) => i.outcome === "PASS")).toBe(true);
      // The balance moved by exactly the realized PnL, fees included.
      expect(w.balanceDelta).toBe(w.realizedPnl);
      expect(w.fees).toBeGreaterThan(0);
    }
    // The same rows in every export.
    expect(renderCsv(run).trim().split("\n")).toHaveLength(run.items.length + 1);
    expect(renderMarkdown(run)).toContain(counted[0]?.windowId ?? "?");
    expect(renderTable(run)).toContain(`${run.id}: PASS`);
    const html = await renderHtml(run);
    expect(html.match(/<tr><td>/g)?.length).toBeGreaterThan(run.items.length);
    expect(html).toContain(`<strong>${run.verdict}</strong>`);
  });

  it("fails on an injected assertion failure, naming the window and the point", async () => {
    const { run, windows } = await runCanarySimulation({
      ...BASE,
      windows: 3,
      windowsMax: 3,
      inject: { kind: "assertion", window: 2 },
    });
    expect(run.passed).toBe(false);
    expect(windows[0]?.outcome).toBe("PASS");
    const broken = windows[1];
    expect(broken?.outcome).toBe("FAIL");
    expect(broken?.failedPoints).toContain("assertions");
    const detail = broken?.items.find((i) => i.point === "assertions")?.detail ?? "";
    expect(detail).toContain("no-null-order-ids");
    expect(run.verdict).toContain(`first ${broken?.windowId ?? "?"} at`);
  });

  it("fails on a resolution that differs from the venue's, at that window and point only", async () => {
    const { run, windows } = await runCanarySimulation({
      ...BASE,
      windows: 3,
      windowsMax: 3,
      inject: { kind: "resolution", window: 2 },
    });
    expect(run.passed).toBe(false);
    expect(windows.map((w) => w.outcome)).toEqual(["PASS", "FAIL", "PASS"]);
    expect(windows[1]?.failedPoints).toEqual(["resolution"]);
    expect(run.verdict).toBe(
      `FAIL: 1 of 3 counted window(s) failed; first ${windows[1]?.windowId ?? "?"} at resolution`,
    );
  });
});
