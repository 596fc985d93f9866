import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { jsonSchemas } from "../../../contracts/json-schema.ts";
import { messageTypes, registry } from "../../../contracts/registry.ts";
import { print } from "../output.ts";

export function contractsCommand(program: Command): void {
  program
    .command("contracts")
    .description("list message contracts, or write JSON Schema for every message")
    .option("--json-schema <dir>", "write <type>.schema.json for every message type into DIR")
    .option("--json", "print machine-readable output")
    .action(async (options: { jsonSchema?: string; json?: boolean }) => {
      if (options.jsonSchema !== undefined) {
        const dir = options.jsonSchema;
        await mkdir(dir, { recursive: true });
        const docs = jsonSchemas();
        for (const doc of docs) {
          const body = {
            $id: `predator/${doc.type}`,
            "x-subject": doc.subjectPattern,
            "x-delivery": doc.delivery,
            ...(doc.schema as object),
          };
          await writeFile(
            join(dir, `${doc.type}.schema.json`),
            JSON.stringify(body, null, 2) + "\n",
          );
        }
        const index = docs.map((d) => ({
          type: d.type,
          subject: d.subjectPattern,
          delivery: d.delivery,
          file: `${d.type}.schema.json`,
        }));
        await writeFile(join(dir, "index.json"), JSON.stringify(index, null, 2) + "\n");
        if (options.json === true) print(JSON.stringify({ dir, written: docs.length }));
        else print(`wrote ${docs.length} JSON Schemas to ${dir}`);
        return;
      }
      const rows = messageTypes.map((t) => {
        const spec = registry[t];
        return {
          type: t,
          subject: spec.pattern,
          delivery: spec.delivery.kind === "core" ? "core" : `stream ${spec.delivery.stream}`,
        };
      });
      if (options.json === true) print(JSON.stringify(rows));
      else
        for (const r of rows) print(`${r.type.padEnd(30)} ${r.subject.padEnd(30)} ${r.delivery}`);
    });
}
