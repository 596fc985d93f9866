import type { Command } from "commander";
import { haltLevel } from "../../../contracts/ops.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { reportReply, requireReason } from "../args.ts";
import { connectOps } from "../connect.ts";
import { cliActor } from "../../app/operator.ts";
import { localCommand, localTarget } from "../console-client.ts";

export function haltCommand(program: Command): void {
  program
    .command("halt")
    .description(
      "halt trading through the CRO: pause (no new entries), flatten (close everything, then pause), emergency (cancel all, send nothing)",
    )
    .requiredOption("--level <level>", "pause | flatten | emergency")
    .requiredOption("--reason <text>", "why (written to the audit log)")
    .option("--json", "print the CRO's reply as JSON")
    .action(async (options: { level: string; reason: string; json?: boolean }) => {
      const level = haltLevel.safeParse(options.level);
      if (!level.success)
        throw new ConfigError(
          "--level",
          `expected pause, flatten or emergency, got ${JSON.stringify(options.level)}`,
        );
      const reason = requireReason(options.reason);
      const target = localTarget();
      if (target !== null) {
        const body = { level: level.data, reason };
        reportReply(await localCommand(target, "/api/halt", body), options.json === true);
        return;
      }
      const ops = await connectOps("cli");
      try {
        const reply = await ops.operator.send(
          { kind: "halt", level: level.data },
          cliActor(),
          reason,
        );
        reportReply(reply, options.json === true);
      } finally {
        await ops.close();
      }
    });
}
