/**
 * Issue 20, Phase 3 acceptance: "the kill criterion halts a strategy whose results leave its
 * registered range, in a seeded simulation". The whole production fleet on a virtual clock
 * (SimWorld, seed 7): two strategies trade the same two-minute windows. cheap-side's manifest
 * registers expectations it cannot meet (a win rate of at least 90% and at least 1 USDC per
 * trade, buying the cheaper outcome); the canary's registers a range its results stay in. After
 * cheap-side's fourth settled trade the CRO halts it — audited with the numbers, stored, alerted —
 * and vetoes its entries from then on, while the canary keeps trading.
 */
import { describe, expect, it } from "vitest";
import type { CroDecision, CroState } from "../../contracts/cro.ts";
import type { AlertSent } from "../../contracts/alerts.ts";
import type { StrategyManifest } from "../../contracts/strategy-manifest.ts";
import { loadManifests } from "../../agents/strategy/manifests.ts";
import { SimWorld } from "../../infra/chaos/sim/world.ts";
import { windowInstrument } from "../../infra/venue-sim/ids.ts";

const WINDOW_MS = 120_000;
const WINDOWS = 14;
const MIN_TRADES = 4;

function manifests(): StrategyManifest[] {
  return loadManifests().map((m) => {
    if (m.name === "cheap-side")
      return {
        ...m,
        // Deliberately out of line with what buying the cheaper side achieves.
        expectations: {
          winRatePct: { min: 90, max: 100 },
          pnlPerTrade: { min: 1_000_000, max: 3_000_000 },
        },
        kill: { minTrades: MIN_TRADES, lookbackTrades: 10 },
      };
    if (m.name === "canary")
      return {
        ...m,
        // A range its results stay in: judged just as often, never tripped.
        expectations: {
          winRatePct: { min: 0, max: 100 },
          pnlPerTrade: { min: -3_000_000, max: 3_000_000 },
        },
        kill: { minTrades: MIN_TRADES, lookbackTrades: 10 },
      };
    return m;
  });
}

interface Seen {
  decisions: { at: number; message: CroDecision }[];
  halts: { at: number; message: CroState }[];
  alerts: { at: number; message: AlertSent }[];
}

async function run(seed: number): Promise<{ world: SimWorld; seen: Seen }> {
  const world = new SimWorld({
    seed,
    cadence: "relaxed",
    venue: { windowMs: WINDOW_MS },
    strategy: {
      enabled: ["canary", "cheap-side"],
      params: { "cheap-side": { askMax: 480_000 } },
    },
    manifests: manifests(),
  });
  const seen: Seen = { decisions: [], halts: [], alerts: [] };
  world.broker.tap((e) => {
    if (e.phase !== "publish") return;
    if (!["cro.decision", "cro.state", "alert.sent"].includes(e.subject)) return;
    const d = e.decoded();
    if (!d.ok) return;
    const m = d.message;
    if (m.type === "cro.decision") seen.decisions.push({ at: e.at, message: m });
    else if (m.type === "alert.sent") seen.alerts.push({ at: e.at, message: m });
    else if (
      m.type === "cro.state" &&
      (m.strategyHalts ?? []).length > 0 &&
      seen.halts.length === 0
    )
      seen.halts.push({ at: e.at, message: m });
  });
  const at = world.clock.now();
  const controls = {
    allowed_instruments: windowInstrument("btc", WINDOW_MS),
    allowed_strategies: "canary,cheap-side",
  };
  for (const [key, value] of Object.entries(controls))
    await world.store.setControl(key, value, "test", at);
  await world.start();
  await world.clock.runUntil(at + WINDOWS * WINDOW_MS);
  await world.stop();
  return { world, seen };
}

const entries = (seen: Seen, strategy: string) =>
  seen.decisions.filter(
    (d) => d.message.intent.kind === "ENTRY" && d.message.intent.strategy === strategy,
  );

describe("the kill criterion in a seeded simulation of the whole fleet", () => {
  it("halts the strategy whose results leave its registered range; the other keeps trading", async () => {
    const { world, seen } = await run(7);

    // cheap-side was halted by the CRO, once, with the numbers that tripped it.
    const rows = await world.store.listStrategyHalts();
    expect(rows.map((r) => [r.strategy, r.halted, r.actor])).toEqual([["cheap-side", true, "cro"]]);
    const halt = rows[0];
    if (halt === undefined) throw new Error("no halt stored");
    const audit = (await world.store.auditFor("strategy:cheap-side")).filter(
      (e) => e.kind === "cro.strategy.halt",
    );
    expect(audit).toHaveLength(1);
    const numbers = audit[0]?.detail as {
      trades: number;
      wins: number;
      pnl: number;
      tripped: boolean;
    };
    expect(numbers.tripped).toBe(true);
    expect(numbers.trades).toBe(MIN_TRADES);
    // Out of range: fewer than 90% wins, or under 1 USDC per trade (integer micro-units).
    expect(
      100 * numbers.wins < 90 * numbers.trades || numbers.pnl < 1_000_000 * numbers.trades,
    ).toBe(true);
    // Its fourth settled trade is what tripped it: exactly MIN_TRADES of its positions had closed.
    const closedBefore = (await world.store.listPositions({ open: false })).filter(
      (p) =>
        p.strategy === "cheap-side" &&
        p.avgEntryPrice !== null &&
        p.closedAt !== null &&
        p.closedAt <= halt.since,
    );
    expect(closedBefore).toHaveLength(MIN_TRADES);

    // Announced on cro.state and alerted through the Alert agent; the fleet stayed ACTIVE.
    expect(seen.halts[0]?.message.strategyHalts?.[0]).toMatchObject({
      strategy: "cheap-side",
      actor: "cro",
    });
    expect(seen.halts[0]?.message.state).toBe("ACTIVE");
    const alert = seen.alerts.find((a) => a.message.title === "Strategy halted: cheap-side");
    expect(alert?.message.severity).toBe("CRITICAL");
    expect(alert?.message.body).toMatch(/kill criterion: cheap-side 1\.0\.0: 4 settled trades/);

    // Before the halt cheap-side was approved; after it, every entry of it is vetoed by the
    // specific code, while the canary is still approved.
    const cheapBefore = entries(seen, "cheap-side").filter((d) => d.at <= halt.since);
    const cheapAfter = entries(seen, "cheap-side").filter((d) => d.at > halt.since);
    expect(cheapBefore.filter((d) => d.message.approved).length).toBeGreaterThanOrEqual(MIN_TRADES);
    expect(cheapAfter.length).toBeGreaterThan(0);
    for (const d of cheapAfter) {
      expect(d.message.approved).toBe(false);
      expect(d.message.reasons).toContain("STRATEGY_HALTED");
    }
    const canaryAfter = entries(seen, "canary").filter((d) => d.at > halt.since);
    expect(canaryAfter.filter((d) => d.message.approved).length).toBeGreaterThan(0);
    // The canary was judged on as many trades, and stayed in its range: never halted.
    const canaryTrades = (await world.store.listPositions({ open: false })).filter(
      (p) => p.strategy === "canary" && p.avgEntryPrice !== null,
    );
    expect(canaryTrades.length).toBeGreaterThanOrEqual(MIN_TRADES);
  }, 180_000);

  it("is deterministic: the same seed halts at the same virtual time with the same numbers", async () => {
    const a = await run(7);
    const b = await run(7);
    const rowsA = await a.world.store.listStrategyHalts();
    const rowsB = await b.world.store.listStrategyHalts();
    expect(rowsA).toEqual(rowsB);
    expect(rowsA).toHaveLength(1);
  }, 180_000);
});
