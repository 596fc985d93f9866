/**
 * The campaign's HTML report (issue 21): options and version in the title, the verdict, a bar
 * chart of faults per seed and one of speed, and every seed as a table row, failing seeds first
 * with their invariants and the command that reproduces them.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { campaignHtml, type CampaignReportRow } from "../../../infra/chaos/campaign-report.ts";
import { SPECS_ELEMENT_ID, type ChartSpec } from "../../../infra/report/spec.ts";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

function row(seed: number, violations = 0): CampaignReportRow {
  return {
    seed,
    faults: 10 + seed,
    violations,
    invariants: violations > 0 ? ["pnl-match"] : [],
    error: null,
    finalState: "ACTIVE",
    wallMs: 1500,
    eventsPerSecond: 40_000,
    hash: "cd".repeat(32),
    reproduce: `predator sim --seed ${seed} --days 0.1 --chaos heavy --cadence relaxed`,
  };
}

describe("the campaign's HTML report", () => {
  it("titles, charts and tables the campaign, failing seeds first", async () => {
    const rows = [row(1), row(2, 3), row(3)];
    const html = await campaignHtml(
      { seeds: { from: 1, to: 3 }, days: 0.1, chaos: "heavy", cadence: "relaxed" },
      { rows, failing: [rows[1] ?? row(2)], jobs: 2, wallMs: 4000 },
    );
    const title = /<title>(.*?)<\/title>/.exec(html)?.[1] ?? "";
    expect(title).toBe(
      `predator v${pkg.version} campaign: no scenario, seeds 1..3, chaos heavy, 0.1 days, cadence relaxed`,
    );
    expect(html).toContain("<strong>FAIL: 1 of 3 seeds failed</strong>");
    const json = new RegExp(`id="${SPECS_ELEMENT_ID}">(.*?)</script>`, "s").exec(html)?.[1];
    const charts = JSON.parse(json ?? "[]") as ChartSpec[];
    const faults = charts.find((c) => c.id === "chart-faults");
    if (faults?.kind !== "bar") throw new Error("no faults chart");
    expect(faults.rows.map((r) => [r.label, r.value])).toEqual([
      ["seed 1", 11],
      ["seed 2 (FAILED)", 12],
      ["seed 3", 13],
    ]);
    expect(charts.map((c) => c.id)).toContain("chart-speed");
    const body = /<tbody>(.*?)<\/tbody>/s.exec(html)?.[1] ?? "";
    const seeds = [...body.matchAll(/<tr><td class="num">(\d+)<\/td><td>(\w+)<\/td>/g)];
    expect(seeds.map((m) => [m[1], m[2]])).toEqual([
      ["2", "FAIL"],
      ["1", "PASS"],
      ["3", "PASS"],
    ]);
    expect(body).toContain("<td>pnl-match</td>");
    expect(body).toContain(`<td>${row(2).reproduce}</td>`);
  });
});
