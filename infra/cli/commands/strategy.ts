/**
 * `predator strategy`: one strategy at a time. `list` prints the manifests this build deploys
 * (expectations, kill criterion, scale-up criteria); `halt` and `resume` ask the CRO to halt or
 * resume one strategy (the others keep trading). The CRO audits both with who asked and why, and
 * a resume is the only way back from a halt its kill criterion made.
 */
import type { Command } from "commander";
import { fromMicro } from "../../../contracts/money.ts";
import type { StrategyManifest } from "../../../contracts/strategy-manifest.ts";
import { loadManifests } from "../../../agents/strategy/manifests.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { reportReply, requireReason } from "../args.ts";
import { connectOps } from "../connect.ts";
import { cliActor } from "../../app/operator.ts";
import { localCommand, localTarget } from "../console-client.ts";
import { print } from "../output.ts";

/**
 * One manifest for people: its expectations and criteria, then the risk it is held to (Portfolio
 * exits its positions at its stop-loss / take-profit; the CRO vetoes its entries past its order
 * size and once its session loss reaches its session max loss: STRATEGY_SESSION_LOSS).
 */
export function manifestLines(m: StrategyManifest): string {
  const { winRatePct: wr, pnlPerTrade: pp } = m.expectations;
  const { risk } = m;
  const pct = (v: number | null) => (v === null ? "none" : `${v}%`);
  return (
    `${m.name} ${m.version}: win rate [${wr.min}, ${wr.max}]%, PnL per trade ` +
    `[${fromMicro(pp.min)}, ${fromMicro(pp.max)}] USDC; kill after ${m.kill.minTrades} ` +
    `settled trades (last ${m.kill.lookbackTrades}); scale-up: ${m.scaleUp.criteria}\n` +
    `  risk: order size ${fromMicro(risk.orderSize)}, stop-loss ${pct(risk.stopLossPct)}, ` +
    `take-profit ${pct(risk.takeProfitPct)}, session max loss ${fromMicro(risk.sessionMaxLoss)} USDC ` +
    `(entries vetoed once reached: STRATEGY_SESSION_LOSS)`
  );
}

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function strategyCommand(program: Command): void {
  const strategy = program
    .command("strategy")
    .description("one strategy: its manifest, or halt/resume it through the CRO (audited)");
  strategy
    .command("list")
    .description("the strategies' manifests: expectations, kill criterion, scale-up criteria")
    .option("--json", "print the manifests as JSON")
    .action((options: { json?: boolean }) => {
      const manifests = loadManifests();
      if (options.json === true) {
        print(JSON.stringify(manifests, null, 2));
        return;
      }
      for (const m of manifests) print(manifestLines(m));
    });
  for (const kind of ["halt", "resume"] as const) {
    strategy
      .command(`${kind} <name>`)
      .description(
        kind === "halt"
          ? "halt one strategy: the CRO vetoes its new entries; the others keep trading"
          : "resume a halted strategy (after a kill criterion, only this brings it back); its results count from now",
      )
      .requiredOption("--reason <text>", "why (written to the audit log)")
      .option("--json", "print the CRO's reply as JSON")
      .action(async (name: string, options: { reason: string; json?: boolean }) => {
        if (!NAME.test(name))
          throw new ConfigError("<name>", `expected a strategy name, got ${JSON.stringify(name)}`);
        const reason = requireReason(options.reason);
        const target = localTarget();
        if (target !== null) {
          const path = kind === "halt" ? "/api/strategy/halt" : "/api/strategy/resume";
          const reply = await localCommand(target, path, { strategy: name, reason });
          reportReply(reply, options.json === true);
          return;
        }
        const ops = await connectOps("cli");
        try {
          const command = { kind: `strategy.${kind}` as const, strategy: name };
          reportReply(await ops.operator.send(command, cliActor(), reason), options.json === true);
        } finally {
          await ops.close();
        }
      });
  }
}
