/**
 * `predator sim --report DIR`: report.md and report.html (inline, hand-written SVG: equity and
 * drawdown, trading state over time with faults marked, fills and rejections by reason), and for a
 * failing run postmortem.md: the seed, the invariant, the last events, the state of every agent.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FaultRecord } from "../engine.ts";
import { INVARIANTS, type InvariantChecker } from "./invariants.ts";
import { verdictOf, type SimResult } from "./result.ts";
import type { Samples } from "./samples.ts";
import type { SimWorld } from "./world.ts";

const W = 720;
const H = 160;
const PAD = 36;
const STATE_ROW: Record<string, number> = { ACTIVE: 0, PAUSED: 1, FLATTENING: 2, HALTED: 3 };
const STATE_COLOR: Record<string, string> = {
  ACTIVE: "#2e7d32",
  PAUSED: "#f9a825",
  FLATTENING: "#ef6c00",
  HALTED: "#c62828",
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
  const charts = {
    equity: equityChart(data),
    drawdown: drawdownChart(data),
    states: stateChart(data, faults, result),
    bars: barChart([["fills", result.fills], ["orders", result.orders], ...rejections]),
  };
  const md = markdown(result, rejections, faults);
  await writeFile(join(dir, "report.md"), md);
  await writeFile(join(dir, "report.html"), html(result, md, charts));
  return join(dir, "report.html");
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

function html(r: SimResult, md: string, charts: Record<string, string>): string {
  const title = `predator sim: seed ${r.seed}, ${r.days} days, chaos ${r.chaos}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:780px;margin:2em auto;color:#222}
svg{background:#fafafa;border:1px solid #ddd;margin:.5em 0}pre{white-space:pre-wrap;background:#f4f4f4;padding:1em}</style>
</head><body>
<h1>${esc(title)}</h1>
<h2>Equity (USD)</h2>${charts.equity ?? ""}
<h2>Drawdown (USD)</h2>${charts.drawdown ?? ""}
<h2>Trading state (faults marked in grey)</h2>${charts.states ?? ""}
<h2>Fills, orders and rejections by reason</h2>${charts.bars ?? ""}
<h2>Summary</h2><pre>${esc(md)}</pre>
</body></html>
`;
}

function lineChart(points: [number, number][], color: string): string {
  if (points.length < 2) return empty("not enough samples");
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => PAD + ((x - x0) / Math.max(1, x1 - x0)) * (W - 2 * PAD);
  const sy = (y: number) => H - PAD / 2 - ((y - y0) / Math.max(1e-9, y1 - y0)) * (H - PAD);
  const path = points.map(
    (p, i) => `${i === 0 ? "M" : "L"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`,
  );
  return svg(
    `<path d="${path.join("")}" fill="none" stroke="${color}" stroke-width="1.5"/>` +
      `<text x="2" y="12" font-size="10">${y1.toFixed(2)}</text>` +
      `<text x="2" y="${H - 4}" font-size="10">${y0.toFixed(2)}</text>`,
  );
}

function equityChart(d: Samples): string {
  return lineChart(
    d.samples.map((s) => [s.at, s.equity / 1e6]),
    "#1565c0",
  );
}

function drawdownChart(d: Samples): string {
  let peak = Number.NEGATIVE_INFINITY;
  return lineChart(
    d.samples.map((s) => {
      peak = Math.max(peak, s.equity);
      return [s.at, (s.equity - peak) / 1e6];
    }),
    "#c62828",
  );
}

function stateChart(d: Samples, faults: readonly FaultRecord[], r: SimResult): string {
  const first = d.samples[0]?.at ?? d.states[0]?.at;
  if (first === undefined) return empty("no samples");
  const last = first + r.simulatedMs;
  const sx = (x: number) => PAD + ((x - first) / Math.max(1, last - first)) * (W - 2 * PAD);
  const rowH = (H - PAD) / 4;
  const parts: string[] = [];
  for (const f of faults) {
    const end = f.healedAt ?? last;
    const width = Math.max(1, sx(end) - sx(f.at));
    parts.push(
      `<rect x="${sx(f.at).toFixed(1)}" y="0" width="${width.toFixed(1)}" height="${H}" fill="#999" opacity="0.25"><title>${esc(`${f.kind} ${f.target} ${f.detail}`)}</title></rect>`,
    );
  }
  d.states.forEach((s, i) => {
    const end = d.states[i + 1]?.at ?? last;
    const y = PAD / 2 + (STATE_ROW[s.state] ?? 0) * rowH;
    const width = Math.max(1, sx(end) - sx(s.at));
    parts.push(
      `<rect x="${sx(s.at).toFixed(1)}" y="${y.toFixed(1)}" width="${width.toFixed(1)}" height="${(rowH - 2).toFixed(1)}" fill="${STATE_COLOR[s.state] ?? "#555"}"><title>${esc(`${s.state}: ${s.reason}`)}</title></rect>`,
    );
  });
  Object.entries(STATE_ROW).forEach(([name, row]) => {
    parts.push(
      `<text x="2" y="${(PAD / 2 + row * rowH + rowH / 2 + 3).toFixed(1)}" font-size="9">${name.slice(0, 6)}</text>`,
    );
  });
  return svg(parts.join(""));
}

function barChart(rows: [string, number][]): string {
  const max = Math.max(1, ...rows.map((r) => r[1]));
  const rowH = 16;
  const height = rows.length * rowH + 8;
  const bars = rows.map(([label, n], i) => {
    const w = (n / max) * (W - 260);
    const y = 4 + i * rowH;
    return `<text x="4" y="${y + 11}" font-size="10">${esc(label)}</text><rect x="220" y="${y}" width="${w.toFixed(1)}" height="${rowH - 4}" fill="#5c6bc0"/><text x="${(224 + w).toFixed(1)}" y="${y + 11}" font-size="10">${n}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}">${bars.join("")}</svg>`;
}

function svg(body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${body}</svg>`;
}

function empty(text: string): string {
  return svg(`<text x="${PAD}" y="${H / 2}" font-size="12">${esc(text)}</text>`);
}

function esc(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
