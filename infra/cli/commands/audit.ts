import type { Command } from "commander";
import { PgStore } from "../../store/pg.ts";
import { loadConfig, runtimeSettings } from "../../../agents/runtime/config.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { auditChain, formatChain, missingLinks } from "../audit.ts";
import { print, printError } from "../output.ts";

export function auditCommand(program: Command): void {
  program
    .command("audit")
    .description("print the audit chain of a position, order, intent or decision (DATABASE_URL)")
    .argument("<id>", "a position, order, intent or decision id")
    .option("--json", "print machine-readable output")
    .action(async (id: string, options: { json?: boolean }) => {
      const settings = loadConfig(runtimeSettings, process.env);
      if (settings.DATABASE_URL === undefined) throw new ConfigError("DATABASE_URL", "required");
      const store = await PgStore.open(settings.DATABASE_URL);
      try {
        const chain = await auditChain(store, id);
        if (chain.entries.length === 0 && chain.position === null) {
          printError(`predator: nothing recorded for "${id}"`);
          process.exitCode = 1;
          return;
        }
        if (options.json === true)
          print(JSON.stringify({ ...chain, missing: missingLinks(chain) }));
        else print(formatChain(chain));
      } finally {
        await store.close();
      }
    });
}
