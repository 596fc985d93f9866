/**
 * What every `predator` entry shares: the program's header and the run with its exit codes (a bad
 * argument exits 2 with a specific error and changes nothing; a configuration error exits 2; any
 * other failure exits 1).
 */
import { Command, CommanderError } from "commander";
import { printError } from "./output.ts";

export function newProgram(): Command {
  return (
    new Command("predator")
      .description("Multi-agent trading for Polymarket with a CRO that can veto every order")
      .version("0.1.0")
      // A usage error is one line naming what is wrong; `--help` shows the rest.
      .showHelpAfterError(false)
      .exitOverride()
  );
}

export async function runProgram(program: Command, argv: readonly string[]): Promise<void> {
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    const e = error as Error & { code?: string };
    printError(`predator: ${e.message}`);
    process.exitCode = e.code === "CONFIG" ? 2 : 1;
  }
}
