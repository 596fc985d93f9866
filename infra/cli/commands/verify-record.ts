/**
 * What every verification command does with its run: print it (a table, or JSON), write the
 * exports (JSON, CSV, Markdown) to a directory, store it as evidence in PostgreSQL when
 * DATABASE_URL is set, and exit 0 only on a pass.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderCsv, renderJson, renderMarkdown, renderTable } from "../../verify/render.ts";
import { renderHtml } from "../../verify/html.ts";
import type { VerificationRun } from "../../verify/types.ts";
import { print, printError } from "../output.ts";
import { storeRun } from "./evidence.ts";

export interface RecordOptions {
  /** Directory for the exports; `<out>/<run id>.{json,csv,md,html}`. */
  out: string;
  json?: boolean;
  verbose?: boolean;
  databaseUrl: string | undefined;
}

export const DEFAULT_EVIDENCE_DIR = ".predator/evidence";

export async function recordRun(run: VerificationRun, o: RecordOptions): Promise<void> {
  await mkdir(o.out, { recursive: true });
  const base = join(o.out, run.id);
  await writeFile(`${base}.json`, renderJson(run) + "\n");
  await writeFile(`${base}.csv`, renderCsv(run));
  await writeFile(`${base}.md`, renderMarkdown(run));
  await writeFile(`${base}.html`, await renderHtml(run));
  if (o.json === true) print(renderJson(run));
  else print(renderTable(run, o.verbose === true));
  printError(`exports: ${base}.json, ${base}.csv, ${base}.md, ${base}.html`);
  if (o.databaseUrl === undefined || o.databaseUrl === "") {
    printError("evidence not stored: DATABASE_URL is not set (readiness reads PostgreSQL)");
  } else {
    await storeRun(run, o.databaseUrl);
    printError(`evidence stored in PostgreSQL: verification run ${run.id}`);
  }
  process.exitCode = run.passed ? 0 : 1;
}
