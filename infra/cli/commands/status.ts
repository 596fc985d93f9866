/**
 * `predator status [--json]`: every agent instance (name, instance, pid, alive, last heartbeat
 * age, leader or standby) heard on `hb.>` during one heartbeat interval plus a margin, merged with
 * the CRO's liveness table, and the trading state with its reason. Exit 1 when the CRO does not
 * answer.
 */
import { STATUS_LISTEN_MS } from "../help.ts";
import type { Command } from "commander";
import { z } from "zod";
import { strategyHalt, strategyLossLimit } from "../../../contracts/cro.ts";
import { fromMicro } from "../../../contracts/money.ts";
import { loadConfig, runtimeSettings } from "../../../agents/runtime/config.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { connectOps } from "../connect.ts";
import { composeStatus, type FleetStatus } from "../../app/fleet-status.ts";
import { HeartbeatTracker } from "../../app/fleet-view.ts";
import { cliActor, croStatus } from "../../app/operator.ts";
import { print, printError } from "../output.ts";
import { localStatus, localTarget } from "../console-client.ts";

/** Margin over one heartbeat interval so every live instance is heard at least once. */
const LISTEN_MARGIN_MS = 500;
const LISTEN_MS_MAX = STATUS_LISTEN_MS.max;

export function statusCommand(program: Command): void {
  program
    .command("status")
    .description(
      "each agent's pid, liveness, heartbeat age and role, and the trading state (NATS_URL, or the running `npm start` on this machine)",
    )
    .option("--json", "print machine-readable output")
    .option(
      "--listen-ms <n>",
      "how long to listen for heartbeats (default: heartbeat interval + 500)",
    )
    .action(async (options: { json?: boolean; listenMs?: string }) => {
      const settings = loadConfig(runtimeSettings, process.env);
      const listenMs = listenBound(
        options.listenMs,
        settings.PREDATOR_HEARTBEAT_MS + LISTEN_MARGIN_MS,
      );
      const target = localTarget();
      if (target !== null) {
        report(await localStatus(target), options.json === true);
        return;
      }
      const ops = await connectOps("status");
      const tracker = new HeartbeatTracker(ops.clock);
      try {
        tracker.start(ops.bus);
        const [cro] = await Promise.all([
          croStatus(ops.operator, cliActor()),
          ops.clock.sleep(listenMs),
        ]);
        report(composeStatus(cro, tracker.instances(), [], ops.clock.now()), options.json === true);
      } finally {
        await tracker.stop();
        await ops.close();
      }
    });
}

function report(status: FleetStatus, json: boolean): void {
  if (json) print(JSON.stringify(status));
  else print(renderStatus(status));
  if (status.cro === null) {
    printError("predator: the CRO did not answer (trading state unknown)");
    process.exitCode = 1;
  }
}

function listenBound(value: string | undefined, fallback: number): number {
  if (value === undefined) return Math.min(fallback, LISTEN_MS_MAX);
  if (!/^\d+$/.test(value) || Number(value) < STATUS_LISTEN_MS.min || Number(value) > LISTEN_MS_MAX)
    throw new ConfigError(
      "--listen-ms",
      `expected ${STATUS_LISTEN_MS.min}..${LISTEN_MS_MAX}, got ${JSON.stringify(value)}`,
    );
  return Number(value);
}

export function renderStatus(s: FleetStatus): string {
  const state =
    s.cro === null
      ? "trading: UNKNOWN (the CRO did not answer)"
      : `trading: ${s.cro.state} — ${s.cro.reason}${s.cro.blockers.length > 0 ? `\n  blockers: ${s.cro.blockers.join("; ")}` : ""}`;
  const header = "agent        instance  pid      alive  hb age   role";
  const rows = s.agents.map((r) =>
    [
      r.agent.padEnd(12),
      r.instance.padEnd(9),
      String(r.pid ?? "-").padEnd(8),
      (r.alive ? "yes" : "NO").padEnd(6),
      (r.heartbeatAgeMs === null ? "-" : `${r.heartbeatAgeMs}ms`).padEnd(8),
      r.role ?? "-",
    ].join(" "),
  );
  const health = s.healthy
    ? "healthy"
    : `UNHEALTHY: ${s.unhealthy.length > 0 ? s.unhealthy.join(", ") : "CRO silent"}`;
  const halts = [
    ...strategyHalts(s.cro?.strategyHalts),
    ...strategyLossLimits(s.cro?.strategyLossLimits),
  ];
  return [state, ...halts, header, ...rows, health].join("\n");
}

/** Strategies at their manifest's session max loss, one line each. */
function strategyLossLimits(value: unknown): string[] {
  const parsed = z.array(strategyLossLimit).safeParse(value ?? []);
  if (!parsed.success) return [];
  return parsed.data.map(
    (l) =>
      `  strategy at its session max loss: ${l.strategy} — PnL ${fromMicro(l.sessionPnl)} ` +
      `of -${fromMicro(l.sessionMaxLoss)} USDC, entries vetoed (STRATEGY_SESSION_LOSS)`,
  );
}

/** Strategies the CRO halted (kill criterion or operator), one line each. */
function strategyHalts(value: unknown): string[] {
  const parsed = z.array(strategyHalt).safeParse(value ?? []);
  if (!parsed.success) return [];
  return parsed.data.map((h) => `  strategy halted: ${h.strategy} by ${h.actor} — ${h.reason}`);
}
