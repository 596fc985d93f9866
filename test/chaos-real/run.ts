/**
 * `npm run chaos:real -- --seed N (--faults K | --per-kind N) [--kinds a,b] [--out DIR]`: the
 * real-process chaos engine (engine.ts) from the command line. Prints one line per fault, an audit
 * line every `--audit-every` faults and the per-kind table; exits 0 when nothing failed, 1 on any
 * failure (the record is in --out, or the fleet's logs are kept in a temp dir), 2 on bad arguments.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import {
  DEFAULT_AUDIT_EVERY,
  DEFAULT_KINDS,
  DEFAULT_STUCK_MS,
  FAULT_KINDS,
  formatReport,
  isFaultKind,
  runRealChaos,
  type FaultKind,
  type RealChaosOptions,
} from "./engine.ts";
import { formatComparison, simulatedRecovery } from "./simulated.ts";

function count(flag: string, min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min)
      throw new InvalidArgumentError(
        `${flag}: expected a whole number ≥ ${min}, got ${JSON.stringify(value)}`,
      );
    return Number(value);
  };
}

function kindList(value: string): FaultKind[] {
  const kinds = value.split(",").map((k) => k.trim());
  const bad = kinds.filter((k) => !isFaultKind(k));
  if (bad.length > 0 || kinds.length === 0)
    throw new InvalidArgumentError(
      `--kinds: unknown ${bad.join(", ")} (known: ${FAULT_KINDS.join(", ")})`,
    );
  return [...new Set(kinds as FaultKind[])];
}

interface Flags {
  seed: number;
  faults?: number;
  perKind?: number;
  kinds: FaultKind[];
  out?: string;
  stuckMs: number;
  auditEvery: number;
  compareSim?: boolean;
}

export function parseArgs(argv: readonly string[]): RealChaosOptions & { compareSim: boolean } {
  const program = new Command("chaos:real")
    .description("seeded real faults against the real fleet (paper, short windows)")
    .requiredOption("--seed <n>", "seed of the fault sequence and the venue", count("--seed", 0))
    .option("--faults <k>", "this many faults, kinds drawn at random", count("--faults", 1))
    .option("--per-kind <n>", "n faults of every kind, in a seeded order", count("--per-kind", 1))
    .option(
      "--kinds <list>",
      `comma-separated fault kinds (${FAULT_KINDS.join(",")}; default all but venue.kill)`,
      kindList,
      [...DEFAULT_KINDS],
    )
    .option("--out <dir>", "write seed, fault log (JSON lines), report and fleet logs here")
    .option(
      "--stuck-ms <ms>",
      "not ACTIVE this long after a fault: stuck",
      count("--stuck-ms", 1_000),
      DEFAULT_STUCK_MS,
    )
    .option(
      "--audit-every <n>",
      "audit fills and positions every n faults",
      count("--audit-every", 1),
      DEFAULT_AUDIT_EVERY,
    )
    .option("--compare-sim", "also run the simulator's counterpart of each kind and compare")
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: (s) => process.stdout.write(s) });
  program.parse(argv, { from: "user" });
  const f = program.opts<Flags>();
  if ((f.faults === undefined) === (f.perKind === undefined))
    throw new InvalidArgumentError("give exactly one of --faults <k> and --per-kind <n>");
  return {
    seed: f.seed,
    plan: f.faults === undefined ? { perKind: f.perKind ?? 1 } : { total: f.faults },
    kinds: f.kinds,
    outDir: f.out ?? null,
    stuckMs: f.stuckMs,
    auditEvery: f.auditEvery,
    progress: (line) => process.stdout.write(`${line}\n`),
    compareSim: f.compareSim ?? false,
  };
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return 0;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`chaos:real: ${message.replace(/^error: /, "").split("\n")[0] ?? ""}\n`);
    return 2;
  }
  const report = await runRealChaos(options);
  process.stdout.write(`${formatReport(report)}\n`);
  if (options.compareSim) {
    const perKind = Math.max(1, ...Object.values(report.byKind).map((k) => k.count));
    const simulated = await simulatedRecovery(options.seed, perKind);
    process.stdout.write(`${formatComparison(report, simulated)}\n`);
    if (options.outDir !== null)
      await writeFile(
        join(options.outDir, "simulated.json"),
        `${JSON.stringify(simulated, null, 2)}\n`,
      );
  }
  if (options.outDir !== null) process.stdout.write(`record in ${options.outDir}\n`);
  return report.failures.length === 0 ? 0 : 1;
}

process.exitCode = await main();
