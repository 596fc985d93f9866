import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { fromMicro } from "../../../contracts/money.ts";
import { replayRecording, type ReplayReport } from "../../venue-live/replay.ts";
import type { BookView } from "../../venue-live/book.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { print } from "../output.ts";

/** `predator replay --file F`: recorded market-channel messages → the final book of every asset. */
export function replayCommand(program: Command): void {
  program
    .command("replay")
    .description(
      "replay recorded Polymarket market-channel messages (JSON array or JSON lines) and print the final books",
    )
    .requiredOption("--file <path>", "the recording")
    .option("--json", "print machine-readable output (prices and sizes in micro-units)")
    .action(async (options: { file: string; json?: boolean }) => {
      let text: string;
      try {
        text = await readFile(options.file, "utf8");
      } catch (error) {
        throw new ConfigError("--file", `cannot read ${options.file}: ${(error as Error).message}`);
      }
      const report = replayRecording(text);
      if (options.json === true) print(JSON.stringify(jsonOf(report)));
      else for (const line of textOf(report)) print(line);
    });
}

function jsonOf(report: ReplayReport): unknown {
  return {
    events: report.events,
    badLines: report.badLines,
    stats: report.stats,
    resyncs: report.resyncs,
    books: report.books.map((b) => ({
      assetId: b.assetId,
      market: b.market,
      status: b.status,
      tickSize: b.tickSize,
      ts: b.ts,
      bestBid: b.bestBid,
      bestAsk: b.bestAsk,
      depth: b.depth,
      lastTrade: b.lastTrade,
      winner: b.winner,
    })),
  };
}

function price(p: number | null): string {
  return p === null ? "-" : fromMicro(p);
}

function textOf(report: ReplayReport): string[] {
  const s = report.stats;
  const lines = [
    `${report.events} events (${report.badLines} bad lines): ${s.applied} applied, ${s.duplicates} duplicate, ${s.stale} stale, ${s.ignored} ignored, ${s.malformed} malformed, ${s.gaps} gaps, ${s.resyncs} resyncs`,
  ];
  for (const b of report.books) lines.push(bookLine(b));
  return lines;
}

function bookLine(b: BookView): string {
  const d = b.depth;
  return [
    `${b.assetId.slice(0, 12)}… ${b.status}`,
    `bid ${price(b.bestBid)} ask ${price(b.bestAsk)}`,
    `depth bids ${d.bidLevels} levels/${fromMicro(d.bidSize)} asks ${d.askLevels} levels/${fromMicro(d.askSize)}`,
    `tick ${price(b.tickSize)}`,
  ].join("  ");
}
