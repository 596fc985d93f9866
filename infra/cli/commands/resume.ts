import type { Command } from "commander";
import { reportReply, requireReason } from "../args.ts";
import { connectOps } from "../connect.ts";
import { cliActor } from "../../app/operator.ts";
import { localCommand, localTarget } from "../console-client.ts";

export function resumeCommand(program: Command): void {
  program
    .command("resume")
    .description("clear an operator halt; the CRO goes ACTIVE once every check passes")
    .requiredOption("--reason <text>", "why (written to the audit log)")
    .option("--json", "print the CRO's reply as JSON")
    .action(async (options: { reason: string; json?: boolean }) => {
      const reason = requireReason(options.reason);
      const target = localTarget();
      if (target !== null) {
        reportReply(await localCommand(target, "/api/resume", { reason }), options.json === true);
        return;
      }
      const ops = await connectOps("cli");
      try {
        const reply = await ops.operator.send({ kind: "resume" }, cliActor(), reason);
        reportReply(reply, options.json === true);
      } finally {
        await ops.close();
      }
    });
}
