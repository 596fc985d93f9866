/** Checks of operator arguments shared by the CLI commands: a bad one is a ConfigError (exit 2). */
import { ConfigError } from "../../agents/runtime/errors.ts";
import { REASON_LENGTH_MAX, type OpsReply } from "../../contracts/ops.ts";
import type { CommandReply } from "../../contracts/console.ts";
import { print, printError } from "./output.ts";

export { REASON_LENGTH_MAX };

export function requireReason(reason: string | undefined): string {
  const text = reason?.trim() ?? "";
  if (text === "")
    throw new ConfigError("--reason", 'required: say why, e.g. --reason "feed looks wrong"');
  if (text.length > REASON_LENGTH_MAX)
    throw new ConfigError(
      "--reason",
      `at most ${REASON_LENGTH_MAX} characters, got ${text.length}`,
    );
  return text;
}

/** Whole seconds ≥ 1 from a flag. */
export function positiveSeconds(value: string, flag: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new ConfigError(
      flag,
      `expected a whole number of seconds ≥ 1, got ${JSON.stringify(value)}`,
    );
  return Number(value);
}

/** Prints the CRO's answer; a refusal sets exit code 1 (nothing was changed). */
export function reportReply(reply: Pick<OpsReply, "ok"> & CommandReply, json: boolean): void {
  if (json) print(JSON.stringify(reply));
  else if (reply.ok) print(`ok: ${reply.detail ?? ""} (state ${reply.state ?? "unknown"})`);
  else printError(`predator: the CRO refused: ${reply.error ?? "no reason given"}`);
  if (!reply.ok) process.exitCode = 1;
}
