/**
 * `node --import tsx test/chaos-real/summary.ts DIR`: the per-kind table of a chaos:real record
 * from its fault log (`DIR/faults.jsonl`, appended at every audit), for a run that is still going
 * or was stopped before it wrote `report.json`. Also prints the wall time per fault.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { formatReport, summarize, type FaultRecord, type RealChaosReport } from "./engine.ts";

async function main(dir: string | undefined): Promise<number> {
  if (dir === undefined) {
    process.stderr.write("usage: summary.ts DIR (a chaos:real --out directory)\n");
    return 2;
  }
  const text = await readFile(join(dir, "faults.jsonl"), "utf8");
  const faults = text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as FaultRecord);
  const first = faults[0];
  const last = faults.at(-1);
  if (first === undefined || last === undefined) {
    process.stdout.write("no fault recorded yet\n");
    return 0;
  }
  const failures = faults.flatMap((f) =>
    f.failure === null ? [] : [`fault ${f.i} (${f.kind} ${f.target}): ${f.failure}`],
  );
  const sequenceMs = last.at + (last.recoveryMs ?? 0) - first.at;
  const run = JSON.parse(await readFile(join(dir, "run.json"), "utf8")) as {
    seed: number;
    kinds: RealChaosReport["kinds"];
  };
  const report: RealChaosReport = {
    seed: run.seed,
    kinds: run.kinds,
    faults,
    audits: [],
    byKind: summarize(faults),
    failures,
    totalMs: sequenceMs,
    sequenceMs,
    venueOrders: Number.NaN,
    venueTrades: Number.NaN,
    noTradeBefore: faults.filter((f) => f.tradesBefore === 0).length,
  };
  process.stdout.write(`${formatReport(report)}\n`);
  const stuck = faults.filter((f) => !f.checks.activeAgain).length;
  const buys = faults.filter((f) => f.checks.noBuyWhileNotActive === false).length;
  const trades = faults.reduce((n, f) => n + f.tradesBefore, 0);
  process.stdout.write(
    `${faults.length} faults, ${(sequenceMs / faults.length / 1000).toFixed(1)} s per fault; ` +
      `stuck ${stuck}; faults with a BUY at the venue while not ACTIVE ${buys}; ` +
      `${trades} venue trades between faults\n`,
  );
  return 0;
}

process.exitCode = await main(process.argv[2]);
