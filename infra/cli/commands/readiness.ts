/**
 * `predator readiness`: the pre-deployment checklist from stored evidence, each item with its
 * evidence id, age and expiry; exit 0 only when every item passes. And the gate that a live start
 * consults: refused while readiness fails, unless an operator overrides it with a reason, which is
 * audited and alerted.
 */
import type { Command } from "commander";
import { SystemClock } from "../../../bus/clock.ts";
import { PgStore } from "../../store/index.ts";
import {
  DEFAULT_EVIDENCE_MAX_AGE_MS,
  evaluateReadiness,
  type Readiness,
} from "../../verify/readiness.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { cliActor } from "../../app/operator.ts";
import { readinessOverrideAudit } from "../../../agents/alert/overrides.ts";
import { print, printError } from "../output.ts";
import { withEvidence } from "./evidence.ts";
import { parseInteger } from "./verify-options.ts";

export function readinessCommand(program: Command): void {
  program
    .command("readiness")
    .description(
      "evaluate the go-live checklist from stored evidence (canary, exits, kill-switch drill, preflight, balance and allowance); exit 0 only when ready",
    )
    .option(
      "--max-age-hours <n>",
      "evidence older than this counts as missing",
      parseInteger("--max-age-hours", 1, 24 * 365),
      DEFAULT_EVIDENCE_MAX_AGE_MS / 3_600_000,
    )
    .option("--json", "print machine-readable output")
    .action(async (o: { maxAgeHours: number; json?: boolean }) => {
      const databaseUrl = requireDatabase("predator readiness");
      const now = new SystemClock().now();
      const r = await withEvidence(databaseUrl, (s) =>
        evaluateReadiness(s, now, o.maxAgeHours * 3_600_000),
      );
      print(o.json === true ? JSON.stringify(r, null, 2) : renderReadiness(r));
      process.exitCode = r.ready ? 0 : 1;
    });
}

export function renderReadiness(r: Readiness): string {
  const hours = (ms: number | null) => (ms === null ? "-" : `${(ms / 3_600_000).toFixed(1)} h`);
  const lines = r.items.map(
    (i) =>
      `[${i.passed ? "ok" : "MISSING"}] ${i.name.padEnd(18)} evidence ${i.evidenceId ?? "-"}  age ${hours(i.ageMs)}  expires in ${hours(i.expiresInMs)}  ${i.detail}`,
  );
  lines.push(r.ready ? "READY" : `NOT READY: missing ${r.missing.join(", ")}`);
  return lines.join("\n");
}

function requireDatabase(command: string): string {
  const url = process.env.DATABASE_URL;
  if (url === undefined || url === "")
    throw new ConfigError("DATABASE_URL", `required by ${command}`);
  return url;
}

/**
 * What `predator up --mode live` calls before starting anything: refuses (exit 2) while readiness
 * fails, naming the missing items; with `override` (a reason), starts anyway and writes the
 * override to the audit log with the operator, the reason and what was missing; the fleet's Alert
 * agent turns that row into a CRITICAL alert (agents/alert/overrides.ts).
 */
export async function liveGate(databaseUrl: string, override: string | undefined): Promise<void> {
  const now = new SystemClock().now();
  const r = await withEvidence(databaseUrl, (s) => evaluateReadiness(s, now));
  if (r.ready) return;
  if (override === undefined || override.trim() === "") {
    throw new ConfigError(
      "--mode live",
      `refused: readiness fails, missing ${r.missing.join(", ")} (see predator readiness; --override-readiness "<reason>" starts anyway, audited and alerted)`,
    );
  }
  const store = await PgStore.open(databaseUrl);
  try {
    // The Alert agent raises a CRITICAL alert for this row (agents/alert/overrides.ts).
    await store.appendAudit(readinessOverrideAudit(now, cliActor(), override, r.missing, r.items));
  } finally {
    await store.close();
  }
  printError(
    `predator up: LIVE despite failed readiness (missing ${r.missing.join(", ")}); override by ${cliActor()} audited (the Alert agent raises it): ${override}`,
  );
}
