/**
 * The campaign's and a verification run's HTML reports (issue 21) open from disk in headless
 * Chromium with no page or console error and no request, and draw their bar charts with labelled
 * axes; their tables are HTML.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaignHtml, type CampaignReportRow } from "../../infra/chaos/campaign-report.ts";
import { renderHtml } from "../../infra/verify/html.ts";
import { item } from "../../infra/verify/types.ts";
import { haveChromium, launch, pageErrors } from "./browser.ts";

function row(seed: number, violations: number): CampaignReportRow {
  return {
    seed,
    faults: 20 + seed,
    violations,
    invariants: violations > 0 ? ["pnl-match"] : [],
    error: null,
    finalState: "ACTIVE",
    wallMs: 2000,
    eventsPerSecond: 30_000 + seed,
    hash: "ef".repeat(32),
    reproduce: `predator sim --seed ${seed} --days 0.1 --chaos medium`,
  };
}

describe.skipIf(!haveChromium)("campaign and verification reports in headless Chromium", () => {
  let dir = "";
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "predator-reports-"));
    const rows = [row(1, 0), row(2, 1), row(3, 0)];
    await writeFile(
      join(dir, "campaign.html"),
      await campaignHtml(
        { seeds: { from: 1, to: 3 }, days: 0.1, chaos: "medium" },
        { rows, failing: rows.filter((r) => r.violations > 0), jobs: 2, wallMs: 5000 },
      ),
    );
    await writeFile(
      join(dir, "verify.html"),
      await renderHtml({
        id: "canary-1",
        kind: "canary",
        mode: "sim",
        inputs: { seed: 1 },
        recordedAt: Date.UTC(2026, 11, 7),
        startedAt: Date.UTC(2026, 0, 5),
        finishedAt: Date.UTC(2026, 0, 5, 1),
        passed: true,
        verdict: "PASS: 2 windows",
        summary: { windows: 2 },
        items: [item("w-1", "fill", "PASS", "ok"), item("w-2", "fill", "PASS", "ok")],
      }),
    );
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  async function open(file: string, chart: string) {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const errors = pageErrors(page);
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
    });
    const requests: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith("file:")) requests.push(r.url());
    });
    await page.goto(pathToFileURL(join(dir, file)).href);
    await page.locator(`#${chart} .recharts-surface`).first().waitFor();
    return { page, errors, requests };
  }

  it("draws the campaign's faults per seed, failing seeds in red, without errors", async () => {
    const { page, errors, requests } = await open("campaign.html", "chart-faults");
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    const bars = page.locator("#chart-faults rect.bar");
    expect(await bars.count()).toBe(3);
    expect(await bars.nth(1).getAttribute("fill")).toBe("#c62828");
    const ticks = await page
      .locator("#chart-faults .recharts-yAxis-tick-labels text")
      .allTextContents();
    expect(ticks).toEqual(["seed 1", "seed 2 (FAILED)", "seed 3"]);
    expect(await page.locator("#chart-faults .recharts-label").allTextContents()).toContain(
      "faults injected (count)",
    );
    expect(await page.locator("table td").first().textContent()).toBe("2");
    await page.close();
  });

  it("draws the verification run's items by outcome without errors", async () => {
    const { page, errors, requests } = await open("verify.html", "chart-outcomes");
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    const ticks = await page
      .locator("#chart-outcomes .recharts-yAxis-tick-labels text")
      .allTextContents();
    expect(ticks).toEqual(["PASS", "FAIL", "NOT_EXERCISED", "EXCLUDED"]);
    expect(await page.title()).toMatch(/verification: canary canary-1 \(sim, seed 1\): PASS$/);
    await page.close();
  });
});
