/**
 * A verification run for people and machines: a fixed-width table for the terminal, Markdown for
 * the docs, CSV for spreadsheets and JSON for everything else. Same rows in every form.
 */
import type { VerificationItem, VerificationRun } from "./types.ts";

const COLUMNS = ["subject", "point", "outcome", "detail"] as const;

export function renderJson(run: VerificationRun): string {
  return JSON.stringify(run, null, 2);
}

/** One row per item; `data` as one JSON cell so every run has the same columns. */
export function renderCsv(run: VerificationRun): string {
  const header = ["run", ...COLUMNS, "data"].join(",");
  const rows = run.items.map((i) =>
    [run.id, i.subject, i.point, i.outcome, i.detail, JSON.stringify(i.data)]
      .map(csvCell)
      .join(","),
  );
  return [header, ...rows].join("\n") + "\n";
}

export function renderMarkdown(run: VerificationRun): string {
  const lines = [
    `# Verification ${run.id}`,
    "",
    `- kind: ${run.kind}, mode: ${run.mode}`,
    `- verdict: **${run.verdict}**`,
    `- inputs: \`${JSON.stringify(run.inputs)}\``,
    `- summary: \`${JSON.stringify(run.summary)}\``,
    "",
    "| subject | point | outcome | detail |",
    "| --- | --- | --- | --- |",
    ...run.items.map(
      (i) => `| ${mdCell(i.subject)} | ${i.point} | ${i.outcome} | ${mdCell(i.detail)} |`,
    ),
  ];
  return lines.join("\n") + "\n";
}

/**
 * The terminal table: one line per subject (window, trigger), its outcome and the points that
 * did not pass, then the verdict. `--verbose` callers print every item instead.
 */
export function renderTable(run: VerificationRun, verbose = false): string {
  const rows = verbose ? run.items.map(itemRow) : subjectRows(run.items);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] ?? "").length), 6));
  const line = (r: string[]) =>
    r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c] ?? 0) : cell)).join("  ");
  const head = verbose
    ? ["SUBJECT", "POINT", "OUTCOME", "DETAIL"]
    : ["SUBJECT", "OUTCOME", "POINTS", "DETAIL"];
  return [line(head), ...rows.map(line), "", `${run.id}: ${run.verdict}`].join("\n") + "\n";
}

function itemRow(i: VerificationItem): string[] {
  return [i.subject, i.point, i.outcome, i.detail];
}

function subjectRows(items: readonly VerificationItem[]): string[][] {
  const order: string[] = [];
  const bySubject = new Map<string, VerificationItem[]>();
  for (const i of items) {
    const list = bySubject.get(i.subject);
    if (list === undefined) {
      order.push(i.subject);
      bySubject.set(i.subject, [i]);
    } else list.push(i);
  }
  return order.map((subject) => {
    const list = bySubject.get(subject) ?? [];
    const bad = list.filter((i) => i.outcome !== "PASS");
    const outcome = subjectOutcome(list);
    const points = bad.length === 0 ? `${list.length} passed` : bad.map((i) => i.point).join(",");
    return [subject, outcome, points, bad[0]?.detail ?? ""];
  });
}

function subjectOutcome(list: readonly VerificationItem[]): string {
  if (list.some((i) => i.outcome === "FAIL")) return "FAIL";
  if (list.some((i) => i.outcome === "EXCLUDED")) return "EXCLUDED";
  if (list.some((i) => i.outcome === "NOT_EXERCISED")) return "NOT_EXERCISED";
  return "PASS";
}

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function mdCell(value: string): string {
  return value.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
