/** Options the verification and drill commands share: mode, cadence, bounded integers. */
import { InvalidArgumentError, Option } from "commander";
import { CADENCE_NAMES } from "../../chaos/sim/cadence.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";

/** `--mode`: the verifications run in simulation here; paper and live need a running fleet. */
export function modeOption(): Option {
  return new Option("--mode <mode>", "where to verify").choices(["sim"]).default("sim");
}

export function requireSim(mode: string): void {
  if (mode !== "sim") throw new ConfigError("--mode", `only sim is supported, got ${mode}`);
}

export function cadenceChoice(): Option {
  return new Option("--cadence <profile>", "liveness cadence of the simulated fleet")
    .choices(CADENCE_NAMES)
    .default("production");
}

export function parseInteger(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${flag}: expected an integer in [${min}, ${max}]`);
    }
    return n;
  };
}
