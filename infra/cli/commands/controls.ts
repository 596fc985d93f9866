/**
 * `predator controls get [KEY]` reads runtime controls from PostgreSQL (stored value or default,
 * who set it and when); `predator controls set KEY VALUE --reason` goes through the CRO so the
 * change is validated, applied at once and audited.
 */
import type { Command } from "commander";
import {
  CONTROL_DEFAULTS,
  controlKeys,
  isControlKey,
  parseControl,
} from "../../../contracts/controls.ts";
import { PgStore } from "../../store/pg.ts";
import { loadConfig, runtimeSettings } from "../../../agents/runtime/config.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { reportReply, requireReason } from "../args.ts";
import { connectOps } from "../connect.ts";
import { cliActor } from "../../app/operator.ts";
import { print } from "../output.ts";
import { localCommand, localControls, localTarget } from "../console-client.ts";

export interface ControlView {
  key: string;
  value: string;
  source: "stored" | "default";
  updatedBy: string | null;
  updatedAt: number | null;
}

export function controlsCommand(program: Command): void {
  const controls = program
    .command("controls")
    .description("read or change runtime controls (limits, kill switch, allowed instruments…)");
  controls
    .command("get")
    .description("print runtime controls from PostgreSQL (DATABASE_URL)")
    .argument("[key]", `one control (${controlKeys.join(", ")})`)
    .option("--json", "print machine-readable output")
    .action(async (key: string | undefined, options: { json?: boolean }) => {
      if (key !== undefined && !isControlKey(key))
        throw new ConfigError("key", `unknown control "${key}" (known: ${controlKeys.join(", ")})`);
      const views = await readControls();
      const shown = key === undefined ? views : views.filter((v) => v.key === key);
      if (options.json === true) print(JSON.stringify(key === undefined ? shown : shown[0]));
      else
        print(
          shown
            .map(
              (v) =>
                `${v.key.padEnd(22)} ${v.value}${v.source === "default" ? "  (default)" : `  (set by ${v.updatedBy ?? "?"})`}`,
            )
            .join("\n"),
        );
    });
  controls
    .command("set")
    .description("change one control through the CRO (validated, applied at once, audited)")
    .argument("<key>", "control name")
    .argument("<value>", "new value")
    .requiredOption("--reason <text>", "why (written to the audit log)")
    .option("--json", "print the CRO's reply as JSON")
    .action(async (key: string, value: string, options: { reason: string; json?: boolean }) => {
      const parsed = parseControl(key, value);
      if (!parsed.ok) throw new ConfigError("controls set", parsed.error);
      const reason = requireReason(options.reason);
      const target = localTarget();
      if (target !== null) {
        const body = { key, value, reason };
        reportReply(await localCommand(target, "/api/controls", body), options.json === true);
        return;
      }
      const ops = await connectOps("cli");
      try {
        const reply = await ops.operator.send(
          { kind: "controls.set", key, value },
          cliActor(),
          reason,
        );
        reportReply(reply, options.json === true);
      } finally {
        await ops.close();
      }
    });
}

/** From PostgreSQL (DATABASE_URL), or from the running `npm start` on this machine. */
async function readControls(): Promise<ControlView[]> {
  const settings = loadConfig(runtimeSettings, process.env);
  if (settings.DATABASE_URL === undefined) {
    const target = localTarget();
    if (target !== null) return await localControls(target);
    throw new ConfigError("DATABASE_URL", "required (or a running `npm start` on this machine)");
  }
  const store = await PgStore.open(settings.DATABASE_URL);
  try {
    return controlViews(await store.getControls());
  } finally {
    await store.close();
  }
}

export function controlViews(
  rows: ReadonlyArray<{ key: string; value: string; updatedBy: string; updatedAt: number }>,
): ControlView[] {
  return controlKeys.map((key) => {
    const row = rows.find((r) => r.key === key);
    return row === undefined
      ? { key, value: CONTROL_DEFAULTS[key], source: "default", updatedBy: null, updatedAt: null }
      : {
          key,
          value: row.value,
          source: "stored",
          updatedBy: row.updatedBy,
          updatedAt: row.updatedAt,
        };
  });
}
