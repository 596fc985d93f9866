/**
 * A verification run's HTML report (issue 21): kind, id, mode, seed, version and the outcome in
 * the title; items by outcome as a chart; inputs, summary and every item as HTML tables.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderHtml } from "../../../infra/verify/html.ts";
import { item, type VerificationRun } from "../../../infra/verify/types.ts";
import { SPECS_ELEMENT_ID, type ChartSpec } from "../../../infra/report/spec.ts";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

const run: VerificationRun = {
  id: "canary-20261207-1",
  kind: "canary",
  mode: "sim",
  inputs: { seed: 7, windows: 3 },
  recordedAt: Date.UTC(2026, 11, 7),
  startedAt: Date.UTC(2026, 0, 5),
  finishedAt: Date.UTC(2026, 0, 5, 1),
  passed: false,
  verdict: "FAIL: 1 window failed (w-2: fill)",
  summary: { assertionFailures: 1 },
  items: [
    item("w-1", "fill", "PASS", "filled 5 @ 0.52"),
    item("w-2", "fill", "FAIL", "no fill <in time>", { waitedMs: 30_000 }),
    item("w-3", "fill", "EXCLUDED", "window skipped"),
  ],
};

describe("the verification run's HTML report", () => {
  it("titles the run and shows its outcomes as a chart and its items as a table", async () => {
    const html = await renderHtml(run);
    expect(/<title>(.*?)<\/title>/.exec(html)?.[1]).toBe(
      `predator v${pkg.version} verification: canary canary-20261207-1 (sim, seed 7): FAIL`,
    );
    const json = new RegExp(`id="${SPECS_ELEMENT_ID}">(.*?)</script>`, "s").exec(html)?.[1];
    const chart = (JSON.parse(json ?? "[]") as ChartSpec[])[0];
    if (chart?.kind !== "bar") throw new Error("no outcome chart");
    expect(chart.rows.map((r) => [r.label, r.value])).toEqual([
      ["PASS", 1],
      ["FAIL", 1],
      ["NOT_EXERCISED", 0],
      ["EXCLUDED", 1],
    ]);
    expect(html.match(/<table>/g)).toHaveLength(3);
    expect(html).toContain(
      "<td>w-2</td><td>fill</td><td>FAIL</td><td>no fill &lt;in time&gt;</td>",
    );
    expect(html).toContain("<td>seed</td><td>7</td>");
  });
});
