import type { Command } from "commander";
import { migrate } from "../../store/migrate.ts";
import { loadConfig, runtimeSettings } from "../../../agents/runtime/config.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { print } from "../output.ts";

export function migrateCommand(program: Command): void {
  program
    .command("migrate")
    .description("apply pending PostgreSQL migrations (DATABASE_URL)")
    .option("--json", "print machine-readable output")
    .action(async (options: { json?: boolean }) => {
      const settings = loadConfig(runtimeSettings, process.env);
      if (settings.DATABASE_URL === undefined) throw new ConfigError("DATABASE_URL", "required");
      const applied = await migrate(settings.DATABASE_URL);
      if (options.json === true) print(JSON.stringify({ applied }));
      else print(applied.length === 0 ? "schema up to date" : `applied: ${applied.join(", ")}`);
    });
}
