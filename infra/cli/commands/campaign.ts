/**
 * `predator campaign`: many seeded simulations across worker processes (issue 6). Prints a table
 * (seed, days, faults, violations, hash, wall ms) or `--json`, saves failing seeds with the command
 * that reproduces each, and exits 1 when any seed violated an invariant or crashed. Bad arguments
 * exit 2 and run nothing.
 */
import { cadenceOption, parseChaos, parseDays } from "./sim.ts";
import type { Cadence } from "../../chaos/sim/cadence.ts";
import { InvalidArgumentError, Option, type Command } from "commander";
import type { ChaosLevel } from "../../chaos/engine.ts";
import {
  campaignTable,
  parseSeedRange,
  runCampaign,
  type CampaignOptions,
  type SeedRange,
} from "../../chaos/campaign.ts";
import { SCENARIO_NAMES } from "../../chaos/scenarios.ts";
import { CHAOS_LEVEL_NAMES } from "../../chaos/sim/run.ts";
import { PLANTS } from "../../chaos/sim/plants.ts";
import { print, printError } from "../output.ts";

interface RawCampaignOptions {
  seeds: SeedRange;
  days: number;
  chaos: ChaosLevel;
  scenario?: string;
  jobs?: number;
  json?: boolean;
  out: string;
  plant?: string;
  cadence?: Cadence;
}

export function campaignCommand(program: Command): void {
  program
    .command("campaign")
    .description("run many seeded simulations on every core; a table, failing seeds saved")
    .requiredOption("--seeds <A..B>", "seeds to run, inclusive (or one seed N)", parseSeeds)
    .option("--days <d>", "simulated days of faults per seed (fractions allowed)", parseDays, 1)
    .option("--chaos <level>", `fault level: ${CHAOS_LEVEL_NAMES.join("|")}`, parseChaos, "none")
    .addOption(new Option("--scenario <name>", "a named chaos scenario").choices(SCENARIO_NAMES))
    .option("--jobs <n>", "worker processes (default: one per core)", parseJobs)
    .option("--json", "print the result as JSON")
    .option("--out <dir>", "where campaign.json and failing-seeds.txt go", ".tmp/campaign")
    .addOption(cadenceOption())
    .addOption(new Option("--plant <bug>", "plant a known bug").choices(PLANTS).hideHelp())
    .action(async (raw: RawCampaignOptions) => {
      const options: CampaignOptions = {
        seeds: raw.seeds,
        days: raw.days,
        chaos: raw.chaos,
        outDir: raw.out,
        ...(raw.scenario !== undefined ? { scenario: raw.scenario } : {}),
        ...(raw.jobs !== undefined ? { jobs: raw.jobs } : {}),
        ...(raw.plant !== undefined ? { plant: raw.plant } : {}),
        ...(raw.cadence !== undefined ? { cadence: raw.cadence } : {}),
      };
      // A redrawn counter on a terminal; elsewhere (a log, CI) one line per finished seed.
      const tty = process.stderr.isTTY;
      options.onRow = (row, done, total) => {
        const verdict = row.error !== null ? "CRASH" : `${row.violations} violations`;
        const line = `${done}/${total} seeds (last: ${row.seed} ${verdict})`;
        process.stderr.write(tty ? `\r${line}   ` : `campaign: ${line}\n`);
      };
      const result = await runCampaign(options);
      if (process.stderr.isTTY) process.stderr.write("\n");
      if (raw.json === true) print(JSON.stringify(result, null, 2));
      else print(campaignTable(result));
      if (result.failing.length > 0) {
        printError(`failing seeds saved to ${result.failuresFile ?? raw.out}; reproduce with:`);
        for (const r of result.failing) printError(`  ${r.reproduce}`);
        process.exitCode = 1;
      }
    });
}

function parseSeeds(value: string): SeedRange {
  try {
    return parseSeedRange(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function parseJobs(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 256) {
    throw new InvalidArgumentError("expected a whole number of workers in [1, 256]");
  }
  return n;
}
