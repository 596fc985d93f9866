/**
 * A strategy's manifest bounds its session loss (issue 20, Phase 3): once the strategy's PnL this
 * session (realized, plus unrealized of its open positions) reaches −risk.sessionMaxLoss, the CRO
 * vetoes its entries (STRATEGY_SESSION_LOSS) while the other strategies keep trading; the moment
 * is audited, carried on cro.state (Alert raises an incident, `predator status` shows it), and
 * `predator strategy list` prints the limit. Exact micro-USDC.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Position } from "../../../contracts/positions.ts";
import type { StrategyManifest } from "../../../contracts/strategy-manifest.ts";
import { loadManifests } from "../../../agents/strategy/manifests.ts";
import { CroWatch } from "../../../agents/alert/watch.ts";
import { manifestLines } from "../../../infra/cli/commands/strategy.ts";
import { renderStatus } from "../../../infra/cli/commands/status.ts";
import type { CroStatus } from "../../../infra/app/operator.ts";
import { CroHarness, activeCro } from "./harness.ts";
import { T0, UP, WINDOW_ID, entryIntent } from "./fixtures.ts";

function manifest(name: string, sessionMaxLoss: number): StrategyManifest {
  const base = loadManifests().find((m) => m.name === name);
  if (base === undefined) throw new Error(`no manifest ${name}`);
  const m = structuredClone(base);
  // Never judged by the kill criterion here: only the session limit acts.
  return {
    ...m,
    risk: { ...m.risk, sessionMaxLoss },
    kill: { minTrades: 1_000, lookbackTrades: 1_000 },
  };
}

/** canary may lose 2 USDC this session, momentum 10. */
const MANIFESTS = [manifest("canary", 2_000_000), manifest("momentum", 10_000_000)];

function closed(over: Partial<Position>): Position {
  return {
    positionId: "pos-1",
    strategy: "canary",
    windowId: WINDOW_ID,
    tokenId: UP,
    mode: "PAPER",
    state: "CLOSED",
    size: 0,
    provisionalSize: 0,
    avgEntryPrice: 500_000,
    costBasis: 0,
    fees: 0,
    realizedPnl: 0,
    unrealizedPnl: 0,
    markPrice: null,
    exitReason: null,
    openedAt: T0 - 60_000,
    closedAt: T0,
    ...over,
  };
}

let h: CroHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

describe("the CRO holds each strategy to its manifest's session max loss", () => {
  it("vetoes only that strategy's entries once its session PnL reaches −sessionMaxLoss; audited, on cro.state", async () => {
    const cro = await activeCro({}, MANIFESTS);
    h = cro;
    const lose = async (positionId: string, strategy: string, pnl: number) => {
      const now = cro.clock.now();
      await cro.position(closed({ positionId, strategy, realizedPnl: pnl, closedAt: now }));
      await cro.clock.advance(20);
    };
    await lose("c-1", "canary", -1_500_000);
    await lose("c-2", "canary", -499_999);
    await lose("m-1", "momentum", -3_000_000);
    // −1.999999: one micro-USDC short of the limit.
    const under = await cro.decide(entryIntent({ intentId: "i-1", positionId: "p-1" }));
    expect(under.approved).toBe(true);
    expect(under.checks.find((c) => c.code === "STRATEGY_SESSION_LOSS")?.detail).toBe(
      "canary session PnL -1.999999 above its manifest's session max loss -2.000000",
    );
    await lose("c-3", "canary", -1);
    const veto = await cro.decide(entryIntent({ intentId: "i-2", positionId: "p-2" }));
    expect(veto.approved).toBe(false);
    expect(veto.reasons).toEqual(["STRATEGY_SESSION_LOSS"]);
    expect(veto.checks.find((c) => c.code === "STRATEGY_SESSION_LOSS")?.detail).toBe(
      "canary session PnL -2.000000 at or below its manifest's session max loss -2.000000",
    );
    // momentum (−3 of 10) trades on.
    const other = await cro.decide(
      entryIntent({ intentId: "i-3", positionId: "p-3", strategy: "momentum" }),
    );
    expect(other.approved).toBe(true);

    await cro.until(() => (cro.state().strategyLossLimits ?? []).length > 0, 2_000);
    expect(cro.state().strategyLossLimits).toEqual([
      { strategy: "canary", sessionPnl: -2_000_000, sessionMaxLoss: 2_000_000 },
    ]);
    // The refresh that saw it audits it (refreshMs 500).
    await cro.clock.advance(600);
    const audited = (await cro.store.auditFor("strategy:canary")).filter(
      (e) => e.kind === "cro.strategy.session-loss",
    );
    expect(audited).toHaveLength(1);
    expect(audited[0]?.detail).toMatchObject({
      strategy: "canary",
      manifestVersion: "1.0.0",
      sessionPnl: -2_000_000,
      sessionMaxLoss: 2_000_000,
    });
    const status = JSON.parse((await cro.ask({ kind: "status" })).detail) as CroStatus;
    const text = renderStatus({ cro: status, agents: [], unhealthy: [], healthy: true });
    expect(text).toContain(
      "strategy at its session max loss: canary — PnL -2.000000 of -2.000000 USDC, entries vetoed (STRATEGY_SESSION_LOSS)",
    );
  });

  it("Alert raises one incident when a strategy reaches its limit", () => {
    const watch = new CroWatch();
    const state = (limits: { strategy: string; sessionPnl: number; sessionMaxLoss: number }[]) =>
      ({ state: "ACTIVE", since: T0, epoch: 1, ts: T0, strategyLossLimits: limits }) as never;
    expect(watch.onStrategyLossLimits(state([]))).toEqual([]);
    const at = [{ strategy: "canary", sessionPnl: -2_000_000, sessionMaxLoss: 2_000_000 }];
    const first = watch.onStrategyLossLimits(state(at));
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      severity: "CRITICAL",
      title: "Strategy at its session max loss: canary",
    });
    expect(watch.onStrategyLossLimits(state(at))).toEqual([]);
  });

  it("`predator strategy list` prints each manifest's risk: size, stop-loss, take-profit, session max loss", () => {
    const m = loadManifests().find((x) => x.name === "momentum");
    if (m === undefined) throw new Error("no momentum");
    expect(manifestLines(m).split("\n")[1]).toBe(
      "  risk: order size 5.000000, stop-loss 15%, take-profit none, session max loss 15.000000 USDC (entries vetoed once reached: STRATEGY_SESSION_LOSS)",
    );
  });
});
