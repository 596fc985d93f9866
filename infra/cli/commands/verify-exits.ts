/**
 * `predator verify exits`: the exit presets A–E, each over its windows, every trigger judged
 * (infra/verify/exits-judge.ts). A preset whose windows never reached its threshold is reported
 * NOT_EXERCISED and fails the run; the control E passes only if it never fired.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { SystemClock } from "../../../bus/clock.ts";
import type { Cadence } from "../../chaos/sim/cadence.ts";
import { PRESET_NAMES, type PresetName } from "../../verify/exit-presets.ts";
import {
  EXIT_WINDOW_MS_MIN,
  runExitsSimulation,
  type ExitInjection,
} from "../../verify/exits-sim.ts";
import { printError } from "../output.ts";
import { DEFAULT_EVIDENCE_DIR, recordRun } from "./verify-record.ts";
import { cadenceChoice, modeOption, parseInteger, requireSim } from "./verify-options.ts";

interface RawExitsOptions {
  mode: string;
  seed: number;
  variants: PresetName[];
  windows: number;
  windowSeconds: number;
  orderLatencyMaxMs: number;
  cadence: Cadence;
  out: string;
  json?: boolean;
  verbose?: boolean;
  inject?: ExitInjection;
}

export function exitsSubcommand(verify: Command): void {
  verify
    .command("exits")
    .description(
      "verify the exit presets (A 5% stop; B 15% stop; C 5% stop + 20% TP; D 10% trailing; E 50% stop, must never fire) trigger by trigger",
    )
    .addOption(modeOption())
    .option("--seed <n>", "seed of the simulation", parseInteger("--seed", 0, 0xffffffff), 1)
    .option("--variants <list>", "presets to run, e.g. A,C,E", parseVariants, [...PRESET_NAMES])
    .option("--windows <n>", "windows per preset", parseInteger("--windows", 1, 200), 5)
    .option(
      "--window-seconds <n>",
      "length of each simulated window, seconds",
      parseInteger("--window-seconds", EXIT_WINDOW_MS_MIN / 1000, 3600),
      180,
    )
    .option(
      "--order-latency-max-ms <n>",
      "trigger → exit order acknowledged by the venue, at most",
      parseInteger("--order-latency-max-ms", 1, 60_000),
      1000,
    )
    .addOption(cadenceChoice())
    .option("--out <dir>", "where the JSON/CSV/Markdown exports go", DEFAULT_EVIDENCE_DIR)
    .option("--json", "print the run as JSON")
    .option("--verbose", "print every checked point, not one line per window")
    // Tests and drills: break the exits of one preset to prove the verification fails it.
    .addOption(
      new Option("--inject <fault@variant>", "slow-exit@X or wrong-fill-price@X")
        .argParser(parseInjection)
        .hideHelp(),
    )
    .action(async (raw: RawExitsOptions) => {
      requireSim(raw.mode);
      const clock = new SystemClock();
      const result = await runExitsSimulation({
        seed: raw.seed,
        variants: raw.variants,
        windowsPerVariant: raw.windows,
        windowMs: raw.windowSeconds * 1000,
        collateralUsd: "100",
        cadence: raw.cadence,
        orderLatencyMaxMs: raw.orderLatencyMaxMs,
        recordedAt: clock.now(),
        ...(raw.inject === undefined ? {} : { inject: raw.inject }),
      });
      printError(`exits: simulated in ${(result.wallMs / 1000).toFixed(1)} s wall`);
      await recordRun(result.run, {
        out: raw.out,
        databaseUrl: process.env.DATABASE_URL,
        ...(raw.json === undefined ? {} : { json: raw.json }),
        ...(raw.verbose === undefined ? {} : { verbose: raw.verbose }),
      });
    });
}

function parseVariants(value: string): PresetName[] {
  const names = value.split(",").map((v) => v.trim().toUpperCase());
  const out: PresetName[] = [];
  for (const n of names) {
    const found = PRESET_NAMES.find((p) => p === n);
    if (found === undefined || out.includes(found)) {
      throw new InvalidArgumentError(
        `--variants: expected distinct presets of ${PRESET_NAMES.join(",")}`,
      );
    }
    out.push(found);
  }
  return out;
}

function parseInjection(value: string): ExitInjection {
  const m = /^(slow-exit|wrong-fill-price)@([A-E])$/.exec(value.trim());
  if (m === null) {
    throw new InvalidArgumentError("--inject: expected slow-exit@X or wrong-fill-price@X");
  }
  return {
    kind: m[1] === "slow-exit" ? "slow-exit" : "wrong-fill-price",
    variant: parseVariants(m[2] ?? "")[0] ?? "A",
  };
}
