/**
 * `predator drill kill-switch`: PAUSE, FLATTEN and EMERGENCY each pulled and resumed against the
 * simulated fleet, timed, stored as evidence (kind `drill`) for `predator readiness`.
 */
import type { Command } from "commander";
import { SystemClock } from "../../../bus/clock.ts";
import type { Cadence } from "../../chaos/sim/cadence.ts";
import { DEFAULT_DRILL_BOUNDS, runKillSwitchDrill } from "../../verify/drill-sim.ts";
import { printError } from "../output.ts";
import { DEFAULT_EVIDENCE_DIR, recordRun } from "./verify-record.ts";
import { cadenceChoice, modeOption, parseInteger, requireSim } from "./verify-options.ts";

export function drillCommand(program: Command): void {
  const drill = program.command("drill").description("operator drills, stored as evidence");
  drill
    .command("kill-switch")
    .description(
      "pull PAUSE, FLATTEN (with a position open) and EMERGENCY in turn, resume each, time every step",
    )
    .addOption(modeOption())
    .option("--seed <n>", "seed of the simulation", parseInteger("--seed", 0, 0xffffffff), 1)
    .addOption(cadenceChoice())
    .option("--out <dir>", "where the JSON/CSV/Markdown exports go", DEFAULT_EVIDENCE_DIR)
    .option("--json", "print the run as JSON")
    .action(
      async (raw: {
        mode: string;
        seed: number;
        cadence: Cadence;
        out: string;
        json?: boolean;
      }) => {
        requireSim(raw.mode);
        const { run, wallMs } = await runKillSwitchDrill({
          seed: raw.seed,
          cadence: raw.cadence,
          recordedAt: new SystemClock().now(),
          bounds: DEFAULT_DRILL_BOUNDS,
        });
        printError(`drill: simulated in ${(wallMs / 1000).toFixed(1)} s wall`);
        await recordRun(run, {
          out: raw.out,
          databaseUrl: process.env.DATABASE_URL,
          verbose: true,
          ...(raw.json === undefined ? {} : { json: raw.json }),
        });
      },
    );
}
