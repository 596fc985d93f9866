/**
 * `npm run bench`: runs every registered bench module in turn, prints one table and writes
 * bench/results/latest.json. To add a bench, export `benches: Bench[]` from a module (see
 * bench/types.ts) and list it in MODULES below. `npm run bench -- bus` runs only matching benches.
 */
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Bench, BenchResult } from "./types.ts";
import { benches as busBenches } from "./bus.ts";
import { benches as consoleBenches } from "./console.ts";
import { benches as tickBenches } from "./tick-to-order.ts";
import { benches as recoveryBenches } from "./recovery.ts";
import { benches as simBenches } from "./sim.ts";
import { benches as storeBenches } from "./store.ts";
import { benches as venueBenches } from "./venue.ts";

const MODULES: Bench[][] = [
  busBenches,
  tickBenches,
  recoveryBenches,
  simBenches,
  storeBenches,
  venueBenches,
  consoleBenches,
];

const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), "results", "latest.json");

interface Row extends BenchResult {
  bench: string;
}

function formatValue(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  return value >= 100 ? value.toFixed(0) : value.toFixed(3);
}

function printTable(rows: Row[]): void {
  const header = ["bench", "metric", "value", "unit", "target", "result"];
  const cells = rows.map((r) => [
    r.bench,
    r.metric,
    formatValue(r.value),
    r.unit,
    r.target ?? "",
    r.pass === undefined ? "" : r.pass ? "PASS" : "FAIL",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i] ?? 0)).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const c of cells) console.log(line(c));
  for (const r of rows) if (r.note !== undefined) console.log(`  note (${r.metric}): ${r.note}`);
}

function natsServerVersion(): string {
  try {
    return execFileSync("nats-server", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

async function main(): Promise<void> {
  const filter = process.argv[2];
  const selected = MODULES.flat().filter((b) => filter === undefined || b.name.includes(filter));
  const rows: Row[] = [];
  for (const bench of selected) {
    console.log(`running ${bench.name} ...`);
    for (const result of await bench.run()) rows.push({ bench: bench.name, ...result });
  }
  printTable(rows);
  await mkdir(dirname(RESULTS_FILE), { recursive: true });
  const report = {
    at: new Date().toISOString(),
    node: process.version,
    natsServer: natsServerVersion(),
    results: rows,
  };
  await writeFile(RESULTS_FILE, JSON.stringify(report, null, 2) + "\n");
  console.log(`\nwrote ${RESULTS_FILE}`);
}

await main();
