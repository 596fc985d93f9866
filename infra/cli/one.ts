/**
 * `predator <command>` for the commands a supervisor or Docker starts over and over (an agent, the
 * simulated venue, the migration, the healthcheck): only that command's modules are loaded, not
 * the whole CLI's (the console, the reports, the live venue…), so a restarted agent is up sooner.
 * predator.js picks this entry for the names in ONE_COMMANDS; everything else goes through cli.ts.
 */
import type { Command } from "commander";
import { applyHelpConventions } from "./help.ts";
import { newProgram, runProgram } from "./run.ts";

type Register = (program: Command) => void;

const LOADERS: Record<string, () => Promise<Register>> = {
  agent: async () => (await import("./commands/agent.ts")).agentCommand,
  health: async () => (await import("./commands/health.ts")).healthCommand,
  "venue-sim": async () => (await import("./commands/venue-sim.ts")).venueSimCommand,
  migrate: async () => (await import("./commands/migrate.ts")).migrateCommand,
};

/** The commands this entry serves (predator.js holds the same list). */
export const ONE_COMMANDS: readonly string[] = Object.keys(LOADERS);

const load = LOADERS[process.argv[2] ?? ""];
if (load === undefined) {
  throw new Error(`one.ts serves ${ONE_COMMANDS.join(", ")}, not ${String(process.argv[2])}`);
}
const program = newProgram();
(await load())(program);
applyHelpConventions(program);
await runProgram(program, process.argv);
