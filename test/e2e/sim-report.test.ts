/**
 * The simulation report in a real browser (issue 21): the report of a short seeded kitchen-sink run
 * opens from disk in headless Chromium with no page or console error and no request off the file,
 * and shows the simulated time axis, the legend, a named band per fault on the value charts, the
 * trading state strip and the fault lanes. Saves docs/screenshots/sim-report.png.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSimulation, type SimResult } from "../../infra/chaos/sim/run.ts";
import { haveChromium, launch, pageErrors } from "./browser.ts";

describe.skipIf(!haveChromium)("the simulation report in headless Chromium", () => {
  let dir = "";
  let result: SimResult;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "predator-sim-report-"));
    // About 72 simulated minutes with every fault kind early: a few seconds of wall time.
    result = await runSimulation({
      seed: 15,
      days: 0.05,
      chaos: "extreme",
      scenario: "kitchen-sink",
      reportDir: dir,
    });
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1000, height: 1000 } });
    const thrown = pageErrors(page);
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on("request", (r) => {
      if (!r.url().startsWith("file:")) requests.push(r.url());
    });
    await page.goto(pathToFileURL(join(dir, "report.html")).href);
    await page.locator("#chart-timeline .recharts-surface").waitFor();
    errors.push(...thrown);
  }, 180_000);

  afterAll(async () => {
    await browser.close();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("renders without page errors, console errors or network requests", () => {
    expect(result.report).toBe(join(dir, "report.html"));
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it("titles the page with the scenario, seed, level and version", async () => {
    const title = await page.title();
    expect(title).toMatch(
      /^predator v\d+\.\d+\.\d+ sim: scenario kitchen-sink, seed 15, chaos extreme/,
    );
    expect(await page.locator("h1").textContent()).toBe(title);
  });

  it("draws the simulated time axis with its label, the y axes with units and the legend", async () => {
    for (const id of ["chart-equity", "chart-drawdown", "chart-timeline"]) {
      const ticks = await page.locator(`#${id} .recharts-xAxis-tick-labels text`).allTextContents();
      expect(ticks.length, id).toBeGreaterThanOrEqual(4);
      for (const t of ticks) expect(t, id).toMatch(/^\d\d:\d\d$/);
      const labels = await page.locator(`#${id} .recharts-label`).allTextContents();
      expect(
        labels.some((l) => l.startsWith("simulated time (UTC")),
        id,
      ).toBe(true);
    }
    const yLabels = await page.locator("#chart-equity .recharts-label").allTextContents();
    expect(yLabels).toContain("equity (USD)");
    const legend = await page.locator("#chart-equity .recharts-legend-item-text").allTextContents();
    expect(legend).toEqual(["equity: collateral + shares at the mid (USD)"]);
  });

  it("shades every fault's window under the lines, named on hover, and lays out a lane per kind", async () => {
    expect(result.faultsInjected).toBeGreaterThan(20);
    for (const id of ["chart-equity", "chart-drawdown"]) {
      const bands = page.locator(`#${id} .fault-band`);
      expect(await bands.count(), id).toBe(result.faultsInjected);
      const titles = await page.locator(`#${id} .fault-band title`).allTextContents();
      for (const kind of Object.keys(result.faultsByKind))
        expect(
          titles.some((t) => t.startsWith(`${kind} (`)),
          `${id} ${kind}`,
        ).toBe(true);
      expect(Number(await bands.first().getAttribute("fill-opacity"))).toBeLessThan(0.5);
    }
    // Under the lines: in document (painting) order no band comes after the line.
    const equity = page.locator("#chart-equity");
    const curve = "contains(@class,'recharts-line-curve')";
    const band = "contains(@class,'fault-band')";
    expect(await equity.locator(`xpath=.//*[${curve}]`).count()).toBe(1);
    expect(
      await equity
        .locator(`xpath=.//*[${curve}]/following::*[${band} and ancestor::*[@id='chart-equity']]`)
        .count(),
    ).toBe(0);
    expect(await page.locator("#chart-timeline .fault-segment").count()).toBe(
      result.faultsInjected,
    );
    expect(await page.locator("#chart-timeline .state-segment").count()).toBeGreaterThan(0);
    const lanes = await page
      .locator("#chart-timeline .recharts-yAxis-tick-labels text")
      .allTextContents();
    expect(lanes[0]).toBe("trading state");
    expect(lanes.slice(1).sort()).toEqual(Object.keys(result.faultsByKind).sort());
  });

  it("renders the summary as HTML tables and saves the screenshot", async () => {
    const summary = page.locator("section", { hasText: "Summary" }).locator("table");
    await expect.poll(() => summary.locator("td").allTextContents()).toContain("kitchen-sink");
    // The page is not scrolled, so the box's y is the document's.
    const caption = await page.locator("#chart-timeline + .caption").boundingBox();
    const bottom = (caption?.y ?? 0) + (caption?.height ?? 1600) + 12;
    await page.screenshot({
      path: "docs/screenshots/sim-report.png",
      clip: { x: 0, y: 0, width: 1000, height: Math.ceil(bottom) },
      fullPage: true,
    });
  });
});
