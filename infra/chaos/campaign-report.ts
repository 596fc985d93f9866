/**
 * A campaign's self-contained HTML report (campaign.html beside campaign.json): the options and
 * verdict in the title and lead, faults and speed per seed as bar charts, and every seed's row,
 * failing ones first, as an HTML table with the command that reproduces it.
 */
import { esc, renderPage, type PageSpec } from "../report/page.ts";
import { VERSION } from "../report/version.ts";

/** What the report reads of a campaign's options (campaign.ts's CampaignOptions fits). */
export interface CampaignReportOptions {
  seeds: { from: number; to: number };
  days: number;
  chaos: string;
  scenario?: string;
  cadence?: string;
}

/** What the report reads of a seed's row (campaign.ts's CampaignRow fits). */
export interface CampaignReportRow {
  seed: number;
  faults: number;
  violations: number;
  invariants: string[];
  error: string | null;
  finalState: string;
  wallMs: number;
  eventsPerSecond: number;
  hash: string;
  reproduce: string;
}

export interface CampaignReportResult {
  rows: CampaignReportRow[];
  failing: CampaignReportRow[];
  jobs: number;
  wallMs: number;
}

export function campaignTitle(o: CampaignReportOptions): string {
  const scenario = o.scenario === undefined ? "no scenario" : `scenario ${o.scenario}`;
  const seeds =
    o.seeds.from === o.seeds.to ? `seed ${o.seeds.from}` : `seeds ${o.seeds.from}..${o.seeds.to}`;
  return `predator ${VERSION} campaign: ${scenario}, ${seeds}, chaos ${o.chaos}, ${o.days} days, cadence ${o.cadence ?? "production"}`;
}

function failed(r: CampaignReportRow): boolean {
  return r.violations > 0 || r.error !== null;
}

export function campaignHtml(
  o: CampaignReportOptions,
  result: CampaignReportResult,
): Promise<string> {
  const verdict =
    result.failing.length === 0
      ? `PASS: ${result.rows.length} seeds, no violation`
      : `FAIL: ${result.failing.length} of ${result.rows.length} seeds failed`;
  const rows = [...result.rows].sort(
    (a, b) => Number(failed(b)) - Number(failed(a)) || a.seed - b.seed,
  );
  const page: PageSpec = {
    title: campaignTitle(o),
    lead: [
      `<strong>${esc(verdict)}</strong>`,
      `${result.jobs} worker processes, ${(result.wallMs / 1000).toFixed(1)} s wall.`,
    ],
    sections: [
      {
        heading: "Faults injected per seed",
        blocks: [
          {
            kind: "chart",
            spec: {
              kind: "bar",
              id: "chart-faults",
              xLabel: "faults injected (count)",
              rows: result.rows.map((r) => ({
                label: `seed ${r.seed}${failed(r) ? " (FAILED)" : ""}`,
                value: r.faults,
                color: failed(r) ? "#c62828" : "#5c6bc0",
              })),
            },
          },
        ],
      },
      {
        heading: "Simulator speed per seed",
        blocks: [
          {
            kind: "chart",
            spec: {
              kind: "bar",
              id: "chart-speed",
              xLabel: "events per wall second",
              rows: result.rows.map((r) => ({
                label: `seed ${r.seed}`,
                value: r.eventsPerSecond,
                color: "#00838f",
              })),
            },
          },
        ],
      },
      {
        heading: `Seeds (${result.rows.length}; failing first)`,
        blocks: [
          {
            kind: "table",
            table: {
              head: [
                "seed",
                "verdict",
                "faults",
                "violations",
                "invariants",
                "final state",
                "wall (s)",
                "events/s",
                "event log hash",
                "reproduce",
              ],
              rows: rows.map((r) => [
                r.seed,
                r.error !== null ? "CRASHED" : r.violations > 0 ? "FAIL" : "PASS",
                r.faults,
                r.violations,
                r.error ?? r.invariants.join(", "),
                r.finalState,
                (r.wallMs / 1000).toFixed(1),
                r.eventsPerSecond,
                r.hash.slice(0, 16),
                r.reproduce,
              ]),
              numeric: [0, 2, 3, 6, 7],
            },
          },
        ],
      },
    ],
  };
  return renderPage(page);
}
