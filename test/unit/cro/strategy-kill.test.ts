/**
 * Kill criteria (issue 20, Phase 3): the arithmetic, exact in integer micro-units, and the CRO
 * halting one strategy whose settled results leave its registered range while another keeps
 * trading; the halt is audited with its numbers, stored, survives a CRO restart, and only an
 * operator resumes it (audited).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Position } from "../../../contracts/positions.ts";
import type { StrategyManifest } from "../../../contracts/strategy-manifest.ts";
import {
  evaluateKill,
  StrategyKill,
  type SettledTrade,
} from "../../../agents/cro/strategy-kill.ts";
import { loadManifests } from "../../../agents/strategy/manifests.ts";
import { CroHarness, activeCro } from "./harness.ts";
import { renderStatus } from "../../../infra/cli/commands/status.ts";
import type { CroStatus } from "../../../infra/app/operator.ts";
import { T0, UP, WINDOW_ID, entryIntent } from "./fixtures.ts";

function manifest(name: string, over: Partial<StrategyManifest> = {}): StrategyManifest {
  const base = loadManifests().find((m) => m.name === name);
  if (base === undefined) throw new Error(`no manifest ${name}`);
  return { ...structuredClone(base), ...over };
}

/** A manifest held to a win rate in [40, 70]% and a PnL per trade in [-0.10, 0.20] USDC. */
const judged = manifest("momentum", {
  expectations: {
    winRatePct: { min: 40, max: 70 },
    pnlPerTrade: { min: -100_000, max: 200_000 },
  },
  kill: { minTrades: 10, lookbackTrades: 10 },
});

/** `wins` trades of +win, then losses of `loss` each, closed one ms apart. */
function trades(n: number, wins: number, win: number, loss: number): SettledTrade[] {
  return Array.from({ length: n }, (_, i) => ({
    positionId: `p-${String(i).padStart(3, "0")}`,
    closedAt: T0 + i,
    realizedPnl: i < wins ? win : loss,
  }));
}

describe("the kill criterion's arithmetic", () => {
  it("compares the win rate exactly at both edges of its range", () => {
    // PnL per trade stays inside its range in all four: total 0.
    const at = (wins: number) => {
      const losses = 10 - wins;
      return evaluateKill(judged, trades(10, wins, losses, -wins));
    };
    expect(at(4)).toMatchObject({ wins: 4, winRateOut: false, pnlOut: false, tripped: false });
    expect(at(3)).toMatchObject({ wins: 3, winRateOut: true, tripped: true, winRateBps: 3_000 });
    expect(at(7)).toMatchObject({ winRateOut: false, tripped: false });
    expect(at(8)).toMatchObject({ winRateOut: true, tripped: true });
  });

  it("compares the average PnL per trade exactly, in micro-units", () => {
    // 5 wins of 1.000000 and 5 losses: the total decides.
    const total = (loss: number) => evaluateKill(judged, trades(10, 5, 1_000_000, loss));
    // 5·1_000_000 + 5·(-1_200_000) = -1_000_000 = -0.10 · 10: on the edge, inside.
    expect(total(-1_200_000)).toMatchObject({ pnl: -1_000_000, pnlOut: false, tripped: false });
    // One micro-USDC more lost on a single trade: out.
    const oneMore = trades(10, 5, 1_000_000, -1_200_000).map((t, i) =>
      i === 9 ? { ...t, realizedPnl: t.realizedPnl - 1 } : t,
    );
    expect(evaluateKill(judged, oneMore)).toMatchObject({ pnl: -1_000_001, pnlOut: true });
    expect(total(-600_000)).toMatchObject({ pnl: 2_000_000, pnlOut: false });
    const over = evaluateKill(judged, [
      ...trades(9, 5, 1_000_000, -600_000),
      { positionId: "p-x", closedAt: T0 + 99, realizedPnl: -399_999 },
    ]);
    // 5·1_000_000 - 4·600_000 - 399_999 = 2_200_001 > 0.20 · 10 = 2_000_000: out.
    expect(over.pnl).toBe(2_200_001);
    expect(over).toMatchObject({ pnlOut: true, pnlPerTrade: 220_000 });
    // No floating point: totals far beyond 2^53 / 1e6 dollars would not fit, these do exactly.
    const big = evaluateKill(
      manifest("momentum", {
        expectations: {
          winRatePct: { min: 0, max: 100 },
          pnlPerTrade: { min: 0, max: 900_000_000_000 },
        },
        kill: { minTrades: 3, lookbackTrades: 3 },
      }),
      trades(3, 3, 899_999_999_999, 0),
    );
    expect(big).toMatchObject({ pnl: 2_699_999_999_997, pnlOut: false });
  });

  it("does not judge before minTrades, and judges only the last lookbackTrades", () => {
    const m = manifest("momentum", {
      expectations: judged.expectations,
      kill: { minTrades: 4, lookbackTrades: 6 },
    });
    expect(evaluateKill(m, trades(3, 0, 0, -5_000_000))).toMatchObject({
      trades: 3,
      tripped: false,
    });
    expect(evaluateKill(m, trades(4, 0, 0, -5_000_000))).toMatchObject({ tripped: true });
    // Ten losses long ago, then six trades in range: only the six are judged.
    const old = trades(10, 0, 0, -5_000_000);
    const recent = trades(6, 3, 100_000, -50_000).map((t, i) => ({
      ...t,
      positionId: `r-${i}`,
      closedAt: T0 + 1_000 + i,
    }));
    expect(evaluateKill(m, [...old, ...recent])).toMatchObject({
      trades: 6,
      wins: 3,
      pnl: 150_000,
      tripped: false,
    });
  });

  it("counts only settled trades that bought something, once, since the last resume", () => {
    const kill = new StrategyKill([manifest("momentum", { ...judged })]);
    const pos = (id: string, over: Partial<Position> = {}) =>
      closed({ positionId: id, strategy: "momentum", realizedPnl: -1_000_000, ...over });
    expect(kill.record(pos("open", { state: "MONITORING", closedAt: null }))).toBeNull();
    expect(kill.record(pos("void", { avgEntryPrice: null, realizedPnl: 0 }))).toBeNull();
    expect(kill.record(pos("other", { strategy: "no-manifest" }))).toBeNull();
    expect(kill.record(pos("a"))?.trades).toBe(1);
    expect(kill.record(pos("a"))).toBeNull();
    kill.apply({
      strategy: "momentum",
      halted: false,
      since: T0 + 50,
      actor: "alice",
      reason: "r",
      manifestVersion: "1.0.0",
      detail: {},
      epoch: 1,
    });
    expect(kill.record(pos("b", { closedAt: T0 + 49 }))).toBeNull();
    expect(kill.record(pos("c", { closedAt: T0 + 50 }))?.trades).toBe(1);
  });
});

function closed(over: Partial<Position> = {}): Position {
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

describe("the CRO applies each strategy's kill criterion", () => {
  /** canary is expected to win at least half its trades; momentum keeps the shipped manifest. */
  const manifests = [
    manifest("canary", {
      expectations: {
        winRatePct: { min: 50, max: 100 },
        pnlPerTrade: { min: -500_000, max: 3_000_000 },
      },
      kill: { minTrades: 3, lookbackTrades: 5 },
    }),
    manifest("momentum"),
  ];

  async function settle(harness: CroHarness, strategy: string, n: number, pnl: number, from = 0) {
    for (let i = 0; i < n; i++) {
      const id = `${strategy}-${from + i}`;
      const now = harness.clock.now();
      await harness.position(closed({ positionId: id, strategy, realizedPnl: pnl, closedAt: now }));
      await harness.clock.advance(20);
    }
  }

  it("halts the strategy that left its range, vetoes only its entries, audits, stores, alerts", async () => {
    h = await activeCro({}, manifests);
    await settle(h, "canary", 2, -600_000);
    await settle(h, "momentum", 3, -600_000);
    // Two trades: under minTrades, nothing halted; momentum's wide range holds.
    const first = await h.decide(entryIntent({ intentId: "i-1" }));
    expect(first.reasons).toEqual([]);
    await settle(h, "canary", 1, -600_000, 2);
    await h.until(() => (h?.state().strategyHalts ?? []).length > 0, 2_000);
    expect(h.state().state).toBe("ACTIVE");
    expect(h.state().strategyHalts).toEqual([
      expect.objectContaining({ strategy: "canary", actor: "cro", manifestVersion: "1.0.0" }),
    ]);
    const veto = await h.decide(entryIntent({ intentId: "i-2", positionId: "pos-2" }));
    expect(veto.approved).toBe(false);
    expect(veto.reasons).toEqual(["STRATEGY_HALTED"]);
    expect(veto.checks.find((c) => c.code === "STRATEGY_HALTED")?.detail).toMatch(
      /canary halted by cro: kill criterion: canary 1\.0\.0: 3 settled trades \(min 3\); win rate 0\/3 = 0\.00% OUTSIDE \[50, 100\]%; PnL per trade -0\.600000 \(total -1\.800000\) OUTSIDE \[-0\.500000, 3\.000000\]/,
    );
    const other = await h.decide(
      entryIntent({ intentId: "i-3", positionId: "pos-3", strategy: "momentum" }),
    );
    expect(other.approved).toBe(true);

    const rows = await h.store.listStrategyHalts();
    expect(rows).toEqual([
      expect.objectContaining({ strategy: "canary", halted: true, actor: "cro" }),
    ]);
    // The operator's status shows it.
    const status = JSON.parse((await h.ask({ kind: "status" })).detail) as CroStatus;
    const text = renderStatus({ cro: status, agents: [], unhealthy: [], healthy: true });
    expect(text).toMatch(/strategy halted: canary by cro — kill criterion: canary 1\.0\.0/);
    const entries = await auditOf(h, "cro.strategy.halt");
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      agent: "cro",
      detail: {
        strategy: "canary",
        actor: "cro",
        trades: 3,
        wins: 0,
        pnl: -1_800_000,
        winRateOut: true,
        pnlOut: true,
        expectations: { winRatePct: { min: 50, max: 100 } },
        kill: { minTrades: 3, lookbackTrades: 5 },
      },
    });
  });

  it("holds entries to the manifest's instruments and order size (STRATEGY_MANIFEST)", async () => {
    h = await activeCro({}, manifests);
    const big = await h.decide(entryIntent({ intentId: "i-big", size: 6_000_000 }));
    expect(big.reasons).toEqual(["STRATEGY_MANIFEST"]);
    expect(big.checks.find((c) => c.code === "STRATEGY_MANIFEST")?.detail).toBe(
      "size 6.000000 above canary 1.0.0's orderSize 5.000000",
    );
    expect((await h.decide(entryIntent({ intentId: "i-ok" }))).approved).toBe(true);
    const narrow = [manifest("canary", { instruments: ["btc-updown-5m"] }), manifest("momentum")];
    const other = await activeCro({}, narrow);
    try {
      const out = await other.decide(entryIntent({ intentId: "i-scope" }));
      expect(out.reasons).toEqual(["STRATEGY_MANIFEST"]);
      expect(out.checks.find((c) => c.code === "STRATEGY_MANIFEST")?.detail).toMatch(
        /^btc-updown-15m-\d+ is outside canary 1\.0\.0's instruments \(btc-updown-5m\)$/,
      );
    } finally {
      await other.stop();
    }
  });

  it("judges at start the trades that settled while no CRO was running", async () => {
    h = new CroHarness();
    h.manifests = manifests;
    for (let i = 0; i < 3; i++) {
      const p = closed({ positionId: `c-${i}`, realizedPnl: -600_000, closedAt: T0 - 1_000 + i });
      await h.store.savePosition({
        ...p,
        machineVersion: 1,
        snapshot: {},
        updatedAt: p.closedAt ?? T0,
      });
    }
    await h.startCro("1");
    expect(h.state().strategyHalts?.map((x) => [x.strategy, x.actor])).toEqual([["canary", "cro"]]);
    expect(await h.store.listStrategyHalts()).toEqual([
      expect.objectContaining({ strategy: "canary", halted: true }),
    ]);
  });

  it("keeps the halt across a CRO restart; only an operator resumes it, audited", async () => {
    h = await activeCro({}, manifests);
    await settle(h, "canary", 3, -600_000);
    await h.until(() => (h?.state().strategyHalts ?? []).length > 0, 2_000);
    await h.fleet.kill("cro", "1");
    const before = h.states.length;
    await h.startCro("2");
    await h.until(
      () => h?.states.slice(before).some((s) => s.source.instance === "2") === true,
      10_000,
    );
    await h.untilState("ACTIVE", 10_000);
    expect(h.state().strategyHalts?.map((s) => s.strategy)).toEqual(["canary"]);
    const veto = await h.decide(entryIntent({ intentId: "i-4", positionId: "pos-4" }));
    expect(veto.reasons).toEqual(["STRATEGY_HALTED"]);

    const unknown = await h.ask({ kind: "strategy.resume", strategy: "nope" }, "alice", "x");
    expect(unknown).toMatchObject({
      ok: false,
      error: 'unknown strategy "nope": no manifest loaded',
    });
    const notHalted = await h.ask({ kind: "strategy.resume", strategy: "momentum" }, "alice", "x");
    expect(notHalted).toMatchObject({ ok: false, error: "momentum is not halted" });
    const resumed = await h.ask(
      { kind: "strategy.resume", strategy: "canary" },
      "alice",
      "reviewed the losses: a feed bug, fixed",
    );
    expect(resumed).toMatchObject({ ok: true });
    expect(resumed.detail).toMatch(/canary 1\.0\.0 resumed/);
    expect(h.state().strategyHalts).toEqual([]);
    const ok = await h.decide(entryIntent({ intentId: "i-5", positionId: "pos-5" }));
    expect(ok.approved).toBe(true);
    // Every operator command is audited, refused or not; the accepted resume names who and why.
    const resumes = await auditOf(h, "operator.strategy.resume");
    expect(resumes).toHaveLength(3);
    expect(resumes.filter((e) => (e.detail as { outcome: { ok: boolean } }).outcome.ok)).toEqual([
      expect.objectContaining({
        agent: "cro",
        detail: expect.objectContaining({
          actor: "alice",
          reason: "reviewed the losses: a feed bug, fixed",
        }) as unknown,
      }),
    ]);
    expect(await h.store.listStrategyHalts()).toEqual([
      expect.objectContaining({ strategy: "canary", halted: false, actor: "alice" }),
    ]);
    // The strategy's own history: `predator audit strategy:canary`.
    expect((await h.store.auditFor("strategy:canary")).map((e) => [e.kind, e.agent])).toEqual([
      ["cro.strategy.halt", "cro"],
      ["cro.strategy.resume", "cro"],
    ]);
    // Counting starts again from the resume: the old losses do not trip it at once.
    await settle(h, "canary", 2, -600_000, 10);
    expect(h.state().strategyHalts).toEqual([]);
    // An operator may also halt a strategy by hand.
    const halted = await h.ask({ kind: "strategy.halt", strategy: "momentum" }, "bob", "review");
    expect(halted).toMatchObject({ ok: true });
    const v2 = await h.decide(
      entryIntent({ intentId: "i-6", positionId: "pos-6", strategy: "momentum" }),
    );
    expect(v2.reasons).toEqual(["STRATEGY_HALTED"]);
  });
});

/** The CRO's strategy audit rows carry `strategy:<name>`; operator rows the command's id. */
async function auditOf(harness: CroHarness, kind: string) {
  const ids = [...harness.opsCorrelations, "strategy:canary", "strategy:momentum"];
  const rows = [];
  for (const id of ids) rows.push(...(await harness.store.auditFor(id)));
  return rows.filter((e) => e.kind === kind);
}
