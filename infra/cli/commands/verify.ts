/**
 * `predator verify canary|exits`: the go-live proving ground's verifications (issue 20). Each runs
 * the production fleet, judges every window or trigger, prints a table, exports JSON/CSV/Markdown,
 * stores the run as evidence when DATABASE_URL is set, and exits 0 only when everything counted
 * passed. Simulation on the virtual clock, deterministic from the seed.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { SystemClock } from "../../../bus/clock.ts";
import type { Cadence } from "../../chaos/sim/cadence.ts";
import {
  CANARY_WINDOW_MS_MIN,
  runCanarySimulation,
  type CanaryInjection,
} from "../../verify/canary-sim.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { printError } from "../output.ts";
import { DEFAULT_EVIDENCE_DIR, recordRun } from "./verify-record.ts";
import { exitsSubcommand } from "./verify-exits.ts";
import { cadenceChoice, modeOption, parseInteger, requireSim } from "./verify-options.ts";

interface RawCanaryOptions {
  mode: string;
  seed: number;
  windows: number;
  windowsMax?: number;
  windowSeconds: number;
  collateral: string;
  cadence: Cadence;
  out: string;
  json?: boolean;
  verbose?: boolean;
  inject?: CanaryInjection;
}

export function verifyCommand(program: Command): void {
  const verify = program
    .command("verify")
    .description("go-live verifications: canary windows and exit variants, stored as evidence");
  verify
    .command("canary")
    .description(
      "run the canary window by window to settlement and verify signal → order → fill → position → monitoring → settlement → resolution → PnL → balance and the runtime assertions",
    )
    .addOption(modeOption())
    .option("--seed <n>", "seed of the simulation", parseInteger("--seed", 0, 0xffffffff), 1)
    .option("--windows <n>", "windows that must be counted", parseInteger("--windows", 1, 1000), 20)
    .option(
      "--windows-max <n>",
      "stop after this many windows, counted or not (default: 3 × --windows)",
      parseInteger("--windows-max", 1, 10_000),
    )
    .option(
      "--window-seconds <n>",
      "length of each simulated window, seconds",
      parseInteger("--window-seconds", CANARY_WINDOW_MS_MIN / 1000, 3600),
      120,
    )
    .option("--collateral <usd>", "starting collateral of the simulated account", parseUsd, "100")
    .addOption(cadenceChoice())
    .option("--out <dir>", "where the JSON/CSV/Markdown exports go", DEFAULT_EVIDENCE_DIR)
    .option("--json", "print the run as JSON")
    .option("--verbose", "print every checked point, not one line per window")
    // Tests and drills: break the run on purpose to prove the verification fails where it should.
    .addOption(
      new Option("--inject <fault@window>", "assertion@N or resolution@N")
        .argParser(parseInjection)
        .hideHelp(),
    )
    .action(async (raw: RawCanaryOptions) => {
      requireSim(raw.mode);
      const clock = new SystemClock();
      const windowsMax = raw.windowsMax ?? raw.windows * 3;
      if (windowsMax < raw.windows) {
        throw new ConfigError("--windows-max", `must be at least --windows (${raw.windows})`);
      }
      const result = await runCanarySimulation({
        seed: raw.seed,
        windows: raw.windows,
        windowsMax,
        windowMs: raw.windowSeconds * 1000,
        collateralUsd: raw.collateral,
        cadence: raw.cadence,
        recordedAt: clock.now(),
        ...(raw.inject === undefined ? {} : { inject: raw.inject }),
      });
      printError(
        `canary: ${result.windows.length} window(s) simulated in ${(result.wallMs / 1000).toFixed(1)} s wall`,
      );
      await recordRun(result.run, {
        out: raw.out,
        databaseUrl: process.env.DATABASE_URL,
        ...(raw.json === undefined ? {} : { json: raw.json }),
        ...(raw.verbose === undefined ? {} : { verbose: raw.verbose }),
      });
    });
  exitsSubcommand(verify);
}

function parseUsd(value: string): string {
  if (!/^\d+(\.\d{1,6})?$/.test(value.trim()) || Number(value) <= 0) {
    throw new InvalidArgumentError("--collateral: expected a positive dollar amount, e.g. 100");
  }
  return value.trim();
}

function parseInjection(value: string): CanaryInjection {
  const m = /^(assertion|resolution)@(\d+)$/.exec(value.trim());
  if (m === null) throw new InvalidArgumentError("--inject: expected assertion@N or resolution@N");
  return { kind: m[1] === "assertion" ? "assertion" : "resolution", window: Number(m[2]) };
}
