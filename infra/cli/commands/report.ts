/**
 * `predator report paper`: the paper validation report (issue 20) from the store: per strategy
 * and overall over a period, trades, win rate with its 95% interval, gross/net PnL, fees,
 * slippage, exits by trigger, drawdown, uptime, assertions and feed completeness where stored,
 * side by side with each manifest's pre-registered expectations. Table, JSON, Markdown or HTML.
 *
 * Reads PostgreSQL (DATABASE_URL): the embedded fleet of `npm start` keeps its store in memory,
 * so nothing of it is left to read once it stops.
 */
import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { SystemClock } from "../../../bus/clock.ts";
import { PgStore } from "../../store/index.ts";
import { computePaperReport, type PaperReport } from "../../verify/paper-report.ts";
import {
  renderPaperHtml,
  renderPaperJson,
  renderPaperMarkdown,
  renderPaperTable,
} from "../../verify/paper-render.ts";
import { strategyName } from "../../../contracts/strategy-manifest.ts";
import { loadManifests } from "../../../agents/strategy/manifests.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { LIST_ROWS_MAX, type Store } from "../../../agents/runtime/store.ts";
import { print, printError } from "../output.ts";

export const REPORT_FORMATS = ["table", "json", "markdown", "html"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
const DAY_MS = 86_400_000;
/** How far before --from the CRO's state changes are read, for the state in force at --from. */
const STATE_LOOKBACK_MS = 7 * DAY_MS;

export interface PaperOptions {
  from: number;
  to: number;
  strategy?: string;
  format: ReportFormat;
  out?: string;
}

interface RawPaperOptions {
  from?: string;
  to?: string;
  strategy?: string;
  format: string;
  out?: string;
}

/** An ISO date or date-time (UTC when no offset is given). */
export function parseIsoDate(flag: string, value: string): number {
  const v = value.trim();
  const ok = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(v);
  const withZone = /T.*(Z|[+-]\d{2}:\d{2})$/.test(v) || !v.includes("T") ? v : `${v}Z`;
  const ms = ok ? Date.parse(withZone) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new ConfigError(
      flag,
      `expected an ISO date such as 2026-12-01 or 2026-12-01T12:00Z, got ${JSON.stringify(value)}`,
    );
  return ms;
}

/** Checks the options; a bad one is a ConfigError naming it (exit 2). */
export function paperOptions(raw: RawPaperOptions, now: number): PaperOptions {
  const to = raw.to === undefined ? now : parseIsoDate("--to", raw.to);
  const from = raw.from === undefined ? to - 7 * DAY_MS : parseIsoDate("--from", raw.from);
  if (from >= to)
    throw new ConfigError("--from", `must be before --to (${new Date(to).toISOString()})`);
  const format = raw.format;
  if (!(REPORT_FORMATS as readonly string[]).includes(format))
    throw new ConfigError(
      "--format",
      `expected one of ${REPORT_FORMATS.join(", ")}, got ${JSON.stringify(format)}`,
    );
  if (raw.strategy !== undefined && !strategyName.safeParse(raw.strategy).success)
    throw new ConfigError(
      "--strategy",
      `expected a strategy name, got ${JSON.stringify(raw.strategy)}`,
    );
  if (raw.out?.trim() === "") throw new ConfigError("--out", "expected a file path");
  return {
    from,
    to,
    format: format as ReportFormat,
    ...(raw.strategy === undefined ? {} : { strategy: raw.strategy }),
    ...(raw.out === undefined ? {} : { out: raw.out }),
  };
}

/** A list cut at the store's cap would give wrong figures: refuse rather than guess. */
function capped(what: string, rows: number): void {
  if (rows >= LIST_ROWS_MAX)
    throw new Error(
      `${rows} ${what} read, the store's cap per query: the figures would be incomplete; narrow the period (--from, --to)`,
    );
}

/** Reads the period's rows and computes the report; refuses when a list hits the store's cap. */
export async function readPaperReport(store: Store, o: PaperOptions): Promise<PaperReport> {
  const closed = await store.listPositions({ open: false, mode: "PAPER", updatedSince: o.from });
  capped("closed positions", closed.length);
  const inPeriod = closed.filter(
    (p) => p.closedAt !== null && p.closedAt >= o.from && p.closedAt < o.to,
  );
  const firstOpen = Math.min(o.from, ...inPeriod.map((p) => p.openedAt));
  const fills = await store.listFills({ mode: "PAPER", sinceTs: firstOpen });
  const croEvents = await store.listCroEvents({
    sinceTs: o.from - STATE_LOOKBACK_MS,
    limit: LIST_ROWS_MAX,
  });
  const feedGaps = await store.listFeedGaps(LIST_ROWS_MAX);
  capped("fills", fills.length);
  capped("CRO state changes", croEvents.length);
  capped("feed gaps", feedGaps.length);
  return computePaperReport({
    from: o.from,
    to: o.to,
    ...(o.strategy === undefined ? {} : { strategy: o.strategy }),
    positions: closed,
    fills,
    croEvents,
    feedGaps,
    manifests: loadManifests(),
  });
}

export function renderPaper(r: PaperReport, format: ReportFormat): string {
  switch (format) {
    case "json":
      return renderPaperJson(r);
    case "markdown":
      return renderPaperMarkdown(r);
    case "html":
      return renderPaperHtml(r);
    case "table":
      return renderPaperTable(r);
  }
}

export function reportCommand(program: Command): void {
  const report = program.command("report").description("reports from the store");
  report
    .command("paper")
    .description(
      "paper validation report: per strategy and overall over a period, trades, win rate with its 95% CI, PnL, fees, slippage, exits, drawdown, uptime, against each manifest's expectations",
    )
    .option("--from <iso>", "start of the period, ISO date (default: 7 days before --to)")
    .option("--to <iso>", "end of the period, exclusive, ISO date (default: now)")
    .option("--strategy <name>", "only this strategy")
    .option("--format <format>", `one of ${REPORT_FORMATS.join(", ")}`, "table")
    .option("--out <file>", "write the report to this file instead of stdout")
    .action(async (raw: RawPaperOptions) => {
      const o = paperOptions(raw, new SystemClock().now());
      const url = process.env.DATABASE_URL;
      if (url === undefined || url === "")
        throw new ConfigError(
          "DATABASE_URL",
          "required by predator report paper (the store to read)",
        );
      const store = await PgStore.open(url);
      let r: PaperReport;
      try {
        r = await readPaperReport(store, o);
      } finally {
        await store.close();
      }
      const text = renderPaper(r, o.format);
      if (o.out === undefined) print(text);
      else {
        await writeFile(o.out, text);
        printError(`predator report paper: ${o.format} written to ${o.out}`);
      }
    });
}
