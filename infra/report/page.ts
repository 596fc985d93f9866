/**
 * A self-contained HTML report: a title, sections of HTML tables and charts, the chart specs as
 * JSON and the script that draws them (React + Recharts, inlined: no CDN, opens offline).
 */
import { reportScript } from "./bundle.ts";
import { SPECS_ELEMENT_ID, type ChartSpec } from "./spec.ts";

export type Cell = string | number;

/** A table: a header row and body rows, every cell escaped. */
export interface TableSpec {
  head: Cell[];
  rows: Cell[][];
  /** Right-aligns these columns (numbers). */
  numeric?: number[];
}

export type Block =
  | { kind: "chart"; spec: ChartSpec; caption?: string }
  | { kind: "table"; table: TableSpec }
  | { kind: "html"; html: string }
  | { kind: "text"; text: string };

export interface Section {
  heading: string;
  blocks: Block[];
}

export interface PageSpec {
  title: string;
  /** Lines under the title (the verdict, the command that reproduces the run). */
  lead: string[];
  sections: Section[];
}

const STYLE = `
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:940px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.45em;margin:.2em 0 .4em}h2{font-size:1.1em;margin:1.6em 0 .4em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.lead{margin:.2em 0}.lead code{background:#f3f3f3;padding:.1em .3em;border-radius:3px}
.chart{border:1px solid #e3e3e3;border-radius:4px;padding:6px 0;background:#fff;min-height:60px}
.caption{font-size:.85em;color:#555;margin:.3em 0 0}
.key{display:inline-flex;align-items:center;gap:.3em;margin-right:1em}
.swatch{display:inline-block;width:1.6em;height:.8em;border-radius:2px}
table{border-collapse:collapse;margin:.4em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f5f5f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
.recharts-default-tooltip{font-size:12px}
noscript{color:#a00}`;

export async function renderPage(page: PageSpec): Promise<string> {
  const charts: ChartSpec[] = [];
  const sections = page.sections.map((s) => {
    const body = s.blocks.map((b) => {
      switch (b.kind) {
        case "chart":
          charts.push(b.spec);
          return `<div class="chart" id="${esc(b.spec.id)}"></div>${
            b.caption === undefined ? "" : `<p class="caption">${b.caption}</p>`
          }`;
        case "table":
          return table(b.table);
        case "html":
          return b.html;
        case "text":
          return `<p>${esc(b.text)}</p>`;
      }
    });
    return `<section><h2>${esc(s.heading)}</h2>\n${body.join("\n")}</section>`;
  });
  const json = JSON.stringify(charts).replace(/</g, "\\u003c");
  const script = charts.length === 0 ? "" : await reportScript();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${esc(page.title)}</title><style>${STYLE}</style></head><body>
<h1>${esc(page.title)}</h1>
${page.lead.map((l) => `<p class="lead">${l}</p>`).join("\n")}
<noscript>The charts need JavaScript (inlined in this file; no network is used).</noscript>
${sections.join("\n")}
<script type="application/json" id="${SPECS_ELEMENT_ID}">${json}</script>
<script>${script}</script>
</body></html>
`;
}

export function table(t: TableSpec): string {
  const numeric = new Set(t.numeric ?? []);
  const cell = (c: Cell, i: number, tag: "td" | "th"): string =>
    `<${tag}${tag === "td" && numeric.has(i) ? ' class="num"' : ""}>${esc(String(c))}</${tag}>`;
  const head = `<tr>${t.head.map((c, i) => cell(c, i, "th")).join("")}</tr>`;
  const rows = t.rows.map((r) => `<tr>${r.map((c, i) => cell(c, i, "td")).join("")}</tr>`);
  return `<table><thead>${head}</thead><tbody>${rows.join("")}</tbody></table>`;
}

/** A row of colour keys (the legend of bands and strips, which are not Recharts series). */
export function keys(items: { label: string; color: string; opacity?: number }[]): string {
  return items
    .map(
      (k) =>
        `<span class="key"><span class="swatch" style="background:${esc(k.color)};opacity:${k.opacity ?? 1}"></span>${esc(k.label)}</span>`,
    )
    .join("");
}

export function esc(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}
