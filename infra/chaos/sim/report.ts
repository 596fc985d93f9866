/**
 * `predator sim --report DIR`: report.md and report.html (self-contained: Recharts charts of equity
 * and drawdown over simulated time with every fault window shaded under the lines and named on
 * hover, the trading state as a coloured strip, orders, fills and rejections by reason; the summary,
 * faults and violations as HTML tables), and for a failing run postmortem.md: the seed, the
 * invariant, the last events, the state of every agent.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FaultRecord } from "../engine.ts";
import { INVARIANTS, type InvariantChecker } from "./invariants.ts";
import { verdictOf, type SimResult } from "./result.ts";
import type { Samples } from "./samples.ts";
import type { SimWorld } from "./world.ts";
import { esc, keys, renderPage, type PageSpec, type TableSpec } from "../../report/page.ts";
import type { LaneSpec } from "../../report/spec.ts";
import { VERSION } from "../../report/version.ts";

const STATE_COLOR: Record<string, string> = {
  ACTIVE: "#2e7d32",
  PAUSED: "#f9a825",
  FLATTENING: "#ef6c00",
  HALTED: "#c62828",
};
/** Fault lanes are coloured by family (the kind's prefix). */
const FAULT_COLOR: Record<string, string> = {
  bus: "#6a1b9a",
  process: "#ad1457",
  venue: "#00838f",
  market: "#4e342e",
  strategy: "#546e7a",
  governance: "#283593",
};
const BAND_KEY = {
  label: "fault window, any kind (hover for its name)",
  color: "#8e24aa",
  opacity: 0.25,
};

export async function writeReport(
  dir: string,
  result: SimResult,
  data: Samples,
  faults: readonly FaultRecord[],
  checker: InvariantChecker,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const rejections = [...checker.counts.rejectionsByReason.entries()].sort((a, b) => b[1] - a[1]);
  const md = markdown(result, rejections, faults);
  await writeFile(join(dir, "report.md"), md);
  await writeFile(join(dir, "report.html"), await simReportHtml(result, data, faults, rejections));
  return join(dir, "report.html");
}

/** "predator sim vX: scenario S, seed N, chaos L, D days" (no scenario: "no scenario"). */
export function simTitle(r: SimResult): string {
  const scenario = r.scenario === null ? "no scenario" : `scenario ${r.scenario}`;
  return `predator ${VERSION} sim: ${scenario}, seed ${r.seed}, chaos ${r.chaos}, ${r.days} days`;
}

/** The self-contained HTML report (charts drawn by the inlined Recharts bundle). */
export async function simReportHtml(
  r: SimResult,
  data: Samples,
  faults: readonly FaultRecord[],
  rejections: [string, number][],
): Promise<string> {
  const first = data.samples[0]?.at ?? data.states[0]?.at ?? faults[0]?.at ?? 0;
  const domain: [number, number] = [first, first + Math.max(1, r.simulatedMs)];
  const xLabel = `simulated time (UTC; run started ${iso(first).replace("T", " ").slice(0, 16)})`;
  const bands = faults.map((f) => ({
    from: f.at,
    to: Math.max(f.at, f.healedAt ?? domain[1]),
    name: `${f.kind} (${f.target})`,
    detail: f.detail,
  }));
  let peak = Number.NEGATIVE_INFINITY;
  const points = data.samples.map((s) => {
    peak = Math.max(peak, s.equity);
    return { t: s.at, equity: s.equity / 1e6, drawdown: (s.equity - peak) / 1e6 };
  });
  const lanes: LaneSpec[] = [
    {
      label: "trading state",
      segments: data.states.map((s, i) => ({
        from: s.at,
        to: data.states[i + 1]?.at ?? domain[1],
        color: STATE_COLOR[s.state] ?? "#555",
        title: `${s.state} from ${iso(s.at)}: ${s.reason}`,
        role: "state" as const,
        name: s.state,
      })),
    },
  ];
  const byKind = new Map<string, LaneSpec>();
  for (const f of faults) {
    let lane = byKind.get(f.kind);
    if (lane === undefined) {
      lane = { label: f.kind, segments: [] };
      byKind.set(f.kind, lane);
    }
    lane.segments.push({
      from: f.at,
      to: Math.max(f.at, f.healedAt ?? domain[1]),
      color: FAULT_COLOR[f.kind.split(".")[0] ?? ""] ?? "#8e24aa",
      title: `${f.kind} on ${f.target}: ${iso(f.at)} to ${f.healedAt === null ? "the end" : iso(f.healedAt)} (${f.detail})`,
      role: "fault",
      name: f.kind,
    });
  }
  lanes.push(...[...byKind.values()].sort((x, y) => x.label.localeCompare(y.label)));
  const stateKeys = Object.entries(STATE_COLOR).map(([label, color]) => ({ label, color }));
  const verdict = verdictOf(r);
  const page: PageSpec = {
    title: simTitle(r),
    lead: [
      `<strong>${esc(verdict)}</strong>`,
      `Reproduce: <code>${esc(r.reproduce)}</code>`,
      `Cadence ${esc(r.cadence)}. Faults are shaded under the lines; hover a band for the fault's name.`,
    ],
    sections: [
      {
        heading: "Equity (USD)",
        blocks: [
          {
            kind: "chart",
            spec: {
              kind: "time",
              id: "chart-equity",
              xLabel,
              yLabel: "equity (USD)",
              unit: "USD",
              series: [
                {
                  key: "equity",
                  name: "equity: collateral + shares at the mid (USD)",
                  color: "#1565c0",
                },
              ],
              points,
              bands,
              domain,
              height: 280,
            },
            caption: keys([BAND_KEY]),
          },
        ],
      },
      {
        heading: "Drawdown from the running peak (USD)",
        blocks: [
          {
            kind: "chart",
            spec: {
              kind: "time",
              id: "chart-drawdown",
              xLabel,
              yLabel: "drawdown (USD)",
              unit: "USD",
              series: [
                { key: "drawdown", name: "drawdown from peak equity (USD)", color: "#c62828" },
              ],
              points,
              bands,
              domain,
              height: 220,
            },
            caption: keys([BAND_KEY]),
          },
        ],
      },
      {
        heading: "Trading state and fault windows by kind (hover a segment for details)",
        blocks: [
          {
            kind: "chart",
            spec: { kind: "timeline", id: "chart-timeline", xLabel, lanes, domain },
            caption: keys([
              ...stateKeys,
              ...Object.entries(FAULT_COLOR).map(([family, color]) => ({
                label: `${family} fault`,
                color,
                opacity: 0.75,
              })),
            ]),
          },
        ],
      },
      {
        heading: "Orders, fills and rejections by reason",
        blocks: [
          {
            kind: "chart",
            spec: {
              kind: "bar",
              id: "chart-counts",
              xLabel: "count",
              rows: [
                { label: "orders", value: r.orders, color: "#5c6bc0" },
                { label: "fills", value: r.fills, color: "#5c6bc0" },
                ...rejections.map(([label, value]) => ({
                  label: `rejected: ${label}`,
                  value,
                  color: "#ef6c00",
                })),
              ],
            },
          },
        ],
      },
      { heading: "Summary", blocks: [{ kind: "table", table: summaryTable(r) }] },
      {
        heading: "Violations",
        blocks: [
          r.violations.length === 0
            ? { kind: "text", text: "None." }
            : {
                kind: "table",
                table: {
                  head: ["invariant", "what it says", "at (UTC)", "message"],
                  rows: r.violations.map((v) => [
                    v.invariant,
                    INVARIANTS[v.invariant],
                    iso(v.at),
                    v.message,
                  ]),
                },
              },
        ],
      },
      {
        heading: "Faults by kind",
        blocks: [
          Object.keys(r.faultFloor.injectedByKind).length === 0
            ? { kind: "text", text: "No fault kind enabled." }
            : {
                kind: "table",
                table: {
                  head: ["kind", "injected", "floor per kind"],
                  rows: Object.entries(r.faultFloor.injectedByKind).map(([k, n]) => [
                    k,
                    n,
                    r.faultFloor.minPerKind,
                  ]),
                  numeric: [1, 2],
                },
              },
        ],
      },
      {
        heading: `Fault windows (${faults.length})`,
        blocks: [
          faults.length === 0
            ? { kind: "text", text: "None injected." }
            : {
                kind: "table",
                table: {
                  head: ["kind", "target", "from (UTC)", "healed (UTC)", "lasted (s)", "detail"],
                  rows: faults.map((f) => [
                    f.kind,
                    f.target,
                    iso(f.at),
                    f.healedAt === null ? "not healed" : iso(f.healedAt),
                    f.healedAt === null ? "" : ((f.healedAt - f.at) / 1000).toFixed(1),
                    f.detail,
                  ]),
                  numeric: [4],
                },
              },
        ],
      },
      {
        heading: "Rejections by reason",
        blocks: [
          rejections.length === 0
            ? { kind: "text", text: "None." }
            : {
                kind: "table",
                table: { head: ["reason", "count"], rows: rejections, numeric: [1] },
              },
        ],
      },
    ],
  };
  return renderPage(page);
}

function summaryTable(r: SimResult): TableSpec {
  return {
    head: ["item", "value"],
    rows: [
      ["version", VERSION],
      ["scenario", r.scenario ?? "none"],
      ["seed", r.seed],
      ["chaos level", r.chaos],
      ["cadence", r.cadence],
      ["verdict", verdictOf(r)],
      ["simulated", `${(r.simulatedMs / 86_400_000).toFixed(3)} days`],
      ["wall", `${(r.wallMs / 1000).toFixed(1)} s (CPU ${(r.cpuMs / 1000).toFixed(1)} s)`],
      ["events (clock steps)", `${r.events} (${r.eventsPerSecond} per wall second)`],
      ["bus messages", r.busMessages],
      ["book updates per token per 10 s", r.bookUpdatesPerTokenPer10s],
      ["orders / fills", `${r.orders} / ${r.fills}`],
      ["faults injected", r.faultsInjected],
      [
        "operator: daily reviews / new sessions",
        `${r.operator.reviews} / ${r.operator.newSessions}`,
      ],
      ["final state", r.finalState],
      ["event log hash", r.eventLogHash],
    ],
  };
}

export async function writePostMortem(
  dir: string,
  result: SimResult,
  checker: InvariantChecker,
  world: SimWorld,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const agents = [...world.fleet.hosts.entries()].map(([name, host]) => ({
    name,
    lifecycle: host.state(),
    leader: host.isLeader(),
    paused: host.isPaused(),
    mailboxDepth: host.mailboxDepth(),
    crash: host.crashError()?.message ?? null,
    bus: host.bus.stats(),
  }));
  const orders = await world.store.listOrders();
  const positions = await world.store.listPositions();
  const lines = [
    `# Post-mortem: seed ${result.seed}`,
    "",
    `Reproduce: \`${result.reproduce}\``,
    "",
    "## Violations",
    "",
    ...result.violations.map(
      (v) => `- **${v.invariant}** (${INVARIANTS[v.invariant]}) at ${iso(v.at)}: ${v.message}`,
    ),
    "",
    `Trading state: ${JSON.stringify(checker.tradingState())}`,
    "",
    "## Agents",
    "",
    "```json",
    JSON.stringify(agents, null, 2),
    "```",
    "",
    `## Store: ${orders.length} orders, ${positions.length} positions`,
    "",
    "```json",
    JSON.stringify(
      {
        openOrders: orders.filter((o) =>
          ["PENDING", "SUBMITTED", "UNKNOWN", "OPEN"].includes(o.status),
        ),
        openPositions: positions.filter((p) => p.state !== "CLOSED"),
        // The newest positions, closed ones included, one line each: what the money checks add up.
        recentPositions: positions.slice(-20).map((p) => ({
          positionId: p.positionId,
          windowId: p.windowId,
          tokenId: p.tokenId,
          state: p.state,
          size: p.size,
          costBasis: p.costBasis,
          fees: p.fees,
          realizedPnl: p.realizedPnl,
          exitReason: p.exitReason,
          closedAt: p.closedAt,
        })),
      },
      null,
      2,
    ),
    "```",
    "",
    `## Last ${checker.recentEvents().length} events (books left out)`,
    "",
    "```",
    ...checker.recentEvents(),
    "```",
    "",
  ];
  const path = join(dir, "postmortem.md");
  await writeFile(path, lines.join("\n"));
  return path;
}

function markdown(
  r: SimResult,
  rejections: [string, number][],
  faults: readonly FaultRecord[],
): string {
  const verdict = verdictOf(r);
  return [
    `# Simulation report: seed ${r.seed}, ${r.days} days, chaos ${r.chaos}`,
    "",
    `**${verdict}**. Reproduce: \`${r.reproduce}\``,
    "",
    "| | |",
    "|---|---|",
    `| simulated | ${(r.simulatedMs / 86_400_000).toFixed(3)} days |`,
    `| wall | ${(r.wallMs / 1000).toFixed(1)} s |`,
    `| events (clock steps) | ${r.events} (${r.eventsPerSecond} per wall second) |`,
    `| bus messages | ${r.busMessages} |`,
    `| book updates per token per 10 s | ${r.bookUpdatesPerTokenPer10s} |`,
    `| orders / fills | ${r.orders} / ${r.fills} |`,
    `| faults injected | ${r.faultsInjected} |`,
    `| operator (daily reviews / new sessions) | ${r.operator.reviews} / ${r.operator.newSessions} |`,
    `| final state | ${r.finalState} |`,
    `| event log hash | \`${r.eventLogHash}\` |`,
    "",
    "## Violations",
    "",
    ...(r.violations.length === 0
      ? ["None."]
      : r.violations.map((v) => `- **${v.invariant}** at ${iso(v.at)}: ${v.message}`)),
    "",
    "## Faults by kind",
    "",
    ...(faults.length === 0
      ? ["None injected."]
      : Object.entries(r.faultsByKind).map(([k, n]) => `- ${k}: ${n}`)),
    "",
    "## Rejections by reason",
    "",
    ...(rejections.length === 0 ? ["None."] : rejections.map(([k, n]) => `- ${k}: ${n}`)),
    "",
  ].join("\n");
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
