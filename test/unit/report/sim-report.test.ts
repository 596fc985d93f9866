/**
 * The simulation report's HTML (issue 21): the title names the scenario, seed, chaos level and
 * version; the summary, faults and violations are HTML tables; every injected fault is a band on
 * the equity and drawdown charts and a segment of its kind's lane, named; and the page is
 * self-contained (the chart script inlined, nothing fetched).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { FaultRecord } from "../../../infra/chaos/engine.ts";
import { simReportHtml } from "../../../infra/chaos/sim/report.ts";
import type { SimResult } from "../../../infra/chaos/sim/result.ts";
import type { Samples } from "../../../infra/chaos/sim/samples.ts";
import { SPECS_ELEMENT_ID, type ChartSpec } from "../../../infra/report/spec.ts";

const T0 = Date.UTC(2026, 0, 5, 12, 0);
const MIN = 60_000;
const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

const result: SimResult = {
  seed: 15,
  days: 0.05,
  chaos: "extreme",
  scenario: "kitchen-sink",
  plant: null,
  cadence: "production",
  events: 1000,
  busMessages: 5000,
  faultsInjected: 2,
  faultsByKind: { "bus.drop": 1, "venue.timeout": 1 },
  faultFloor: { minPerKind: 1, injectedByKind: { "bus.drop": 1, "venue.timeout": 1 } },
  violations: [],
  eventLogHash: "ab".repeat(32),
  wallMs: 4000,
  cpuMs: 3900,
  eventsPerSecond: 250,
  simulatedMs: 72 * MIN,
  bookUpdatesPerTokenPer10s: 3,
  orders: 12,
  fills: 7,
  operator: { reviews: 0, newSessions: 0 } as SimResult["operator"],
  finalState: "ACTIVE",
  interrupted: false,
  reproduce: "predator sim --seed 15 --days 0.05 --chaos extreme --scenario kitchen-sink",
  postMortem: null,
  report: null,
};

const samples: Samples = {
  samples: Array.from({ length: 30 }, (_, i) => ({
    at: T0 + i * 2 * MIN,
    equity: 100_000_000 - i * 50_000,
    state: "ACTIVE" as const,
    orders: i,
    fills: i,
  })),
  states: [
    { at: T0, state: "ACTIVE", reason: "start" },
    { at: T0 + 10 * MIN, state: "HALTED", reason: "agent-timeout: strategy" },
    { at: T0 + 20 * MIN, state: "ACTIVE", reason: "recovered" },
  ],
};

const faults: FaultRecord[] = [
  { at: T0 + 5 * MIN, kind: "bus.drop", target: "bus", detail: "p=0.3", healedAt: T0 + 9 * MIN },
  {
    at: T0 + 12 * MIN,
    kind: "venue.timeout",
    target: "venue",
    detail: "all calls",
    healedAt: T0 + 15 * MIN,
  },
];

function specs(html: string): ChartSpec[] {
  const m = new RegExp(
    `<script type="application/json" id="${SPECS_ELEMENT_ID}">(.*?)</script>`,
    "s",
  ).exec(html);
  return JSON.parse(m?.[1] ?? "null") as ChartSpec[];
}

describe("the simulation report's HTML", () => {
  it("titles the run with its scenario, seed, chaos level and version", async () => {
    const html = await simReportHtml(result, samples, faults, [["RISK_LIMIT", 3]]);
    const title = /<title>(.*?)<\/title>/.exec(html)?.[1] ?? "";
    for (const part of ["scenario kitchen-sink", "seed 15", "chaos extreme", `v${pkg.version}`])
      expect(title).toContain(part);
    expect(html).toContain(`<h1>${title}</h1>`);
  });

  it("renders the summary, faults by kind, fault windows and rejections as HTML tables", async () => {
    const html = await simReportHtml(result, samples, faults, [["RISK_LIMIT", 3]]);
    expect(html.match(/<table>/g)?.length).toBe(4);
    expect(html).toMatch(/<td>event log hash<\/td><td>(ab){32}<\/td>/);
    expect(html).toContain("<td>venue.timeout</td><td>venue</td>");
    expect(html).toContain('<td>RISK_LIMIT</td><td class="num">3</td>');
  });

  it("draws a named band per injected fault on the value charts and a lane per fault kind", async () => {
    const html = await simReportHtml(result, samples, faults, []);
    const charts = specs(html);
    for (const id of ["chart-equity", "chart-drawdown"]) {
      const chart = charts.find((c) => c.id === id);
      if (chart?.kind !== "time") throw new Error(`${id}: no time chart`);
      expect(chart.bands.map((b) => [b.name, b.from, b.to])).toEqual(
        faults.map((f) => [`${f.kind} (${f.target})`, f.at, f.healedAt]),
      );
      expect(chart.yLabel).toMatch(/\(USD\)$/);
      expect(chart.xLabel).toMatch(/^simulated time \(UTC/);
      expect(chart.points).toHaveLength(samples.samples.length);
    }
    const timeline = charts.find((c) => c.id === "chart-timeline");
    if (timeline?.kind !== "timeline") throw new Error("no timeline");
    expect(timeline.lanes.map((l) => l.label)).toEqual([
      "trading state",
      "bus.drop",
      "venue.timeout",
    ]);
    expect(timeline.lanes[0]?.segments.map((s) => s.name)).toEqual(["ACTIVE", "HALTED", "ACTIVE"]);
    expect(timeline.domain).toEqual([T0, T0 + result.simulatedMs]);
  });

  it("is self-contained: the chart script is inlined and nothing is loaded from elsewhere", async () => {
    const html = await simReportHtml(result, samples, faults, []);
    const inline = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? "";
    const page = html.replace(inline, "");
    // Outside the bundled script (whose code mentions react.dev in its error messages): no URL.
    expect(/<script[^>]+src=|<link[^>]+href=|https?:\/\//.exec(page)?.[0]).toBeUndefined();
    // The bundle loads nothing itself: no dynamic import or fetch of a script.
    expect(/\bimport\(["'`]http/.test(inline)).toBe(false);
    expect(inline.length).toBeGreaterThan(100_000);
    expect(inline).toContain("recharts");
  });
});
