/**
 * A verification run as a self-contained HTML report (`<run id>.html` beside the JSON, CSV and
 * Markdown exports): kind, mode, id, version and verdict in the title; items by outcome as a bar
 * chart; inputs, summary and every item as HTML tables.
 */
import { esc, renderPage } from "../report/page.ts";
import { VERSION } from "../report/version.ts";
import type { ItemOutcome, VerificationRun } from "./types.ts";

const OUTCOME_COLOR: Record<ItemOutcome, string> = {
  PASS: "#2e7d32",
  FAIL: "#c62828",
  NOT_EXERCISED: "#f9a825",
  EXCLUDED: "#9e9e9e",
};

export function verificationTitle(run: VerificationRun): string {
  const seed = typeof run.inputs.seed === "number" ? `, seed ${run.inputs.seed}` : "";
  return `predator ${VERSION} verification: ${run.kind} ${run.id} (${run.mode}${seed}): ${run.passed ? "PASS" : "FAIL"}`;
}

function value(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

export function renderHtml(run: VerificationRun): Promise<string> {
  const outcomes = Object.keys(OUTCOME_COLOR) as ItemOutcome[];
  return renderPage({
    title: verificationTitle(run),
    lead: [
      `<strong>${esc(run.verdict)}</strong>`,
      `Recorded ${esc(new Date(run.recordedAt).toISOString())}; ran from ${esc(new Date(run.startedAt).toISOString())} to ${esc(new Date(run.finishedAt).toISOString())} on its own clock.`,
    ],
    sections: [
      {
        heading: "Items by outcome",
        blocks: [
          {
            kind: "chart",
            spec: {
              kind: "bar",
              id: "chart-outcomes",
              xLabel: "items (count)",
              rows: outcomes.map((o) => ({
                label: o,
                value: run.items.filter((i) => i.outcome === o).length,
                color: OUTCOME_COLOR[o],
              })),
            },
          },
        ],
      },
      {
        heading: "Inputs",
        blocks: [
          {
            kind: "table",
            table: {
              head: ["input", "value"],
              rows: Object.entries(run.inputs).map(([k, v]) => [k, value(v)]),
            },
          },
        ],
      },
      {
        heading: "Summary",
        blocks: [
          {
            kind: "table",
            table: {
              head: ["item", "value"],
              rows: Object.entries(run.summary).map(([k, v]) => [k, value(v)]),
            },
          },
        ],
      },
      {
        heading: `Items (${run.items.length})`,
        blocks: [
          {
            kind: "table",
            table: {
              head: ["subject", "point", "outcome", "detail", "data"],
              rows: run.items.map((i) => [
                i.subject,
                i.point,
                i.outcome,
                i.detail,
                JSON.stringify(i.data),
              ]),
            },
          },
        ],
      },
    ],
  });
}
