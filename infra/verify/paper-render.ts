/**
 * The paper validation report for people and machines: a terminal table, Markdown, a
 * self-contained HTML page (inline SVG chart of the cumulative net PnL, no script, no CDN) and
 * JSON. Same figures in every form; "not recorded" where the store holds nothing.
 */
import { fromMicro } from "../../contracts/money.ts";
import type { Figures, PaperReport, StrategyReport } from "./paper-report.ts";

export const NOT_RECORDED = "not recorded";

export function renderPaperJson(r: PaperReport): string {
  return JSON.stringify(r, null, 2) + "\n";
}

const iso = (ms: number) => new Date(ms).toISOString();
const pct = (x: number | null) => (x === null ? "-" : `${(x * 100).toFixed(1)}%`);
const usd = (m: number | null) => (m === null ? "-" : fromMicro(m));

function ci(f: Figures): string {
  return f.winRateCi === null ? "-" : `[${pct(f.winRateCi.low)}, ${pct(f.winRateCi.high)}]`;
}

function exits(f: Figures): string {
  const e = Object.entries(f.exits).sort(([a], [b]) => (a < b ? -1 : 1));
  return e.length === 0 ? "-" : e.map(([k, v]) => `${k} ${v}`).join(", ");
}

function expected(s: StrategyReport): [string, string] {
  const c = s.comparison;
  if (c === null) return ["-", "-"];
  const { winRatePct: wr, pnlPerTrade: pp } = c.expectations;
  return [`[${wr.min}%, ${wr.max}%]`, `[${fromMicro(pp.min)}, ${fromMicro(pp.max)}]`];
}

const HEAD = [
  "STRATEGY",
  "TRADES",
  "W/L",
  "WIN RATE",
  "95% CI",
  "EXPECTED WIN",
  "GROSS",
  "FEES",
  "NET",
  "PNL/TRADE",
  "EXPECTED PNL/TRADE",
  "AVG SLIP",
  "WORST SLIP",
  "MAX DD",
  "EXITS",
  "VERDICT",
];

function row(name: string, f: Figures, s: StrategyReport | null): string[] {
  const [ew, ep] = s === null ? ["", ""] : expected(s);
  return [
    name,
    String(f.trades),
    `${f.wins}/${f.losses}`,
    pct(f.winRate),
    ci(f),
    ew,
    usd(f.grossPnl),
    usd(f.fees),
    usd(f.netPnl),
    usd(f.pnlPerTrade),
    ep,
    usd(f.avgSlippage),
    usd(f.worstSlippage),
    usd(f.maxDrawdown),
    exits(f),
    s === null ? "" : s.verdict,
  ];
}

function rows(r: PaperReport): string[][] {
  return [
    ...r.strategies.map((s) => row(s.strategy, s, s)),
    ...(r.strategyFilter === null ? [row("(overall)", r.overall, null)] : []),
  ];
}

function footer(r: PaperReport): string[] {
  const a = r.assertions;
  return [
    `Uptime (CRO ACTIVE): ${r.uptime === null ? NOT_RECORDED : pct(r.uptime)}`,
    `Assertion pass rate: ${a === null ? NOT_RECORDED : `${pct(a.rate)} (${a.passed}/${a.total})`}`,
    `Feed completeness: ${r.feed.completeness === null ? NOT_RECORDED : pct(r.feed.completeness)} (${r.feed.gaps} gap(s), ${r.feed.missedMessages} missed message(s) stored)`,
  ];
}

function title(r: PaperReport): string {
  const who = r.strategyFilter === null ? "all strategies" : r.strategyFilter;
  return `Paper validation report, ${who}, ${iso(r.from)} to ${iso(r.to)}`;
}

export function renderPaperTable(r: PaperReport): string {
  const all = [HEAD, ...rows(r)];
  const widths = HEAD.map((_, c) => Math.max(...all.map((x) => (x[c] ?? "").length)));
  const line = (x: string[]) =>
    x
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join("  ")
      .trimEnd();
  const verdicts = r.strategies.map((s) => `${s.strategy}: ${s.verdict} (${s.verdictDetail})`);
  return [title(r), "", ...all.map(line), "", ...verdicts, "", ...footer(r)].join("\n") + "\n";
}

function mdCell(value: string): string {
  return value.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function renderPaperMarkdown(r: PaperReport): string {
  const md = (x: string[]) => `| ${x.map(mdCell).join(" | ")} |`;
  return (
    [
      `# ${title(r)}`,
      "",
      md(HEAD.map((h) => h.toLowerCase())),
      md(HEAD.map(() => "---")),
      ...rows(r).map(md),
      "",
      ...r.strategies.map((s) => `- **${s.strategy}**: ${s.verdict}: ${s.verdictDetail}`),
      "",
      ...footer(r).map((l) => `- ${l}`),
      "",
      "Money in USDC; slippage in price units (positive: worse than the intent asked).",
    ].join("\n") + "\n"
  );
}

function esc(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"];

/** Cumulative net PnL per strategy over time, as an inline SVG; a note when there is no trade. */
export function pnlChartSvg(r: PaperReport, width = 800, height = 300): string {
  const series = r.strategies.filter((s) => s.curve.length > 0);
  if (series.length === 0) return `<p class="empty">No trade in the period: no PnL curve.</p>`;
  const pad = { l: 70, r: 10, t: 10, b: 30 };
  const values = series.flatMap((s) => s.curve.map((p) => p.cumulative)).concat(0);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const x = (ts: number) =>
    pad.l + ((ts - r.from) / Math.max(1, r.to - r.from)) * (width - pad.l - pad.r);
  const y = (v: number) => pad.t + ((hi - v) / span) * (height - pad.t - pad.b);
  const f = (n: number) => n.toFixed(1);
  const lines = series.map((s, i) => {
    const pts = [`${f(x(r.from))},${f(y(0))}`];
    let last = 0;
    for (const p of s.curve) {
      pts.push(`${f(x(p.ts))},${f(y(last))}`, `${f(x(p.ts))},${f(y(p.cumulative))}`);
      last = p.cumulative;
    }
    pts.push(`${f(x(r.to))},${f(y(last))}`);
    const color = COLORS[i % COLORS.length] ?? "#000";
    return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(" ")}"><title>${esc(s.strategy)}</title></polyline>`;
  });
  const legend = series.map(
    (s, i) =>
      `<text x="${pad.l + 10}" y="${pad.t + 14 + i * 16}" fill="${COLORS[i % COLORS.length] ?? "#000"}" font-size="12">${esc(s.strategy)}</text>`,
  );
  const axis = [
    `<line x1="${pad.l}" y1="${f(y(0))}" x2="${width - pad.r}" y2="${f(y(0))}" stroke="#999" stroke-dasharray="4 3"/>`,
    `<text x="${pad.l - 6}" y="${f(y(hi) + 4)}" text-anchor="end" font-size="11">${fromMicro(hi)}</text>`,
    `<text x="${pad.l - 6}" y="${f(y(lo) + 4)}" text-anchor="end" font-size="11">${fromMicro(lo)}</text>`,
    `<text x="${pad.l}" y="${height - 8}" font-size="11">${iso(r.from)}</text>`,
    `<text x="${width - pad.r}" y="${height - 8}" text-anchor="end" font-size="11">${iso(r.to)}</text>`,
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="cumulative net PnL" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${[...axis, ...lines, ...legend].join("")}</svg>`;
}

export function renderPaperHtml(r: PaperReport): string {
  const tr = (cells: string[], tag: "td" | "th") =>
    `<tr>${cells.map((c) => `<${tag}>${esc(c)}</${tag}>`).join("")}</tr>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title(r))}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td:first-child,th:first-child{text-align:left}</style>
</head><body>
<h1>${esc(title(r))}</h1>
<h2>Cumulative net PnL (USDC)</h2>
${pnlChartSvg(r)}
<h2>Figures against the pre-registered expectations</h2>
<table>${tr(HEAD, "th")}${rows(r)
    .map((x) => tr(x, "td"))
    .join("")}</table>
<ul>${r.strategies.map((s) => `<li><b>${esc(s.strategy)}</b>: ${esc(s.verdict)}: ${esc(s.verdictDetail)}</li>`).join("")}</ul>
<ul>${footer(r)
    .map((l) => `<li>${esc(l)}</li>`)
    .join("")}</ul>
<p>Money in USDC; slippage in price units (positive: worse than the intent asked).</p>
</body></html>
`;
}
