/**
 * A strategy's manifest governs its positions' exits (issue 20, Phase 3): its stop-loss and
 * take-profit replace Portfolio's configured defaults (10 % / 30 %) for that strategy's positions;
 * null turns the exit off (the canary runs to settlement); an operator's stored runtime control
 * is an explicit override and wins; a strategy without a manifest keeps the defaults. Entry at
 * 0.50 (fillMsg), exact integer thresholds.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { StrategyManifest } from "../../../contracts/strategy-manifest.ts";
import { strategyExitParams } from "../../../agents/portfolio/exit-policy.ts";
import { loadManifests } from "../../../agents/strategy/manifests.ts";
import { bookMsg, fillMsg, harness, UP, type Harness } from "./helpers.ts";

function manifest(name: string, risk: Partial<StrategyManifest["risk"]>): StrategyManifest {
  const base = loadManifests().find((m) => m.name === name);
  if (base === undefined) throw new Error(`no manifest ${name}`);
  return { ...structuredClone(base), risk: { ...base.risk, ...risk } };
}

/** canary: no stop, no TP; momentum: 20 % stop, 20 % take-profit. */
const MANIFESTS = [
  manifest("canary", { stopLossPct: null, takeProfitPct: null }),
  manifest("momentum", { stopLossPct: 20, takeProfitPct: 20 }),
];

let h: Harness | null = null;
afterEach(async () => {
  if (h === null) return;
  expect(h.fleet.host("portfolio")?.crashError() ?? null).toBeNull();
  await h.fleet.stop();
  h = null;
});

async function open(t: Harness, strategy: string): Promise<void> {
  await t.send("exec.fill", fillMsg({ status: "CONFIRMED", strategy }));
}

describe("the manifest's stop-loss and take-profit govern its strategy's positions", () => {
  it("computes the parameters: manifest over the defaults, a stored control over the manifest", () => {
    const defaults = { stopLossPct: 10, takeProfitPct: 30, trailingStopPct: 7 };
    const none = { stopLossPct: false, takeProfitPct: false };
    expect(strategyExitParams(defaults, none, null)).toEqual(defaults);
    expect(strategyExitParams(defaults, none, { stopLossPct: null, takeProfitPct: null })).toEqual({
      stopLossPct: 0,
      takeProfitPct: 0,
      trailingStopPct: 7,
    });
    expect(strategyExitParams(defaults, none, { stopLossPct: 15, takeProfitPct: 20 })).toEqual({
      stopLossPct: 15,
      takeProfitPct: 20,
      trailingStopPct: 7,
    });
    const stop = { stopLossPct: true, takeProfitPct: false };
    expect(strategyExitParams(defaults, stop, { stopLossPct: 15, takeProfitPct: 20 })).toEqual({
      stopLossPct: 10,
      takeProfitPct: 20,
      trailingStopPct: 7,
    });
  });

  it("a manifest without a stop-loss: a 20 % fall (past the 10 % default) does not exit", async () => {
    const t = harness();
    h = t;
    await t.startPortfolio({}, MANIFESTS);
    await open(t, "canary");
    await t.send("md.book", bookMsg(UP, 400_000, 1));
    await t.send("md.book", bookMsg(UP, 300_000, 2));
    expect(t.exits).toEqual([]);
    expect(t.last().state).toBe("MONITORING");
  });

  it("a 20 % manifest stop: 0.41 (−18 %, past the 10 % default) holds, 0.40 (−20 %) exits", async () => {
    const t = harness();
    h = t;
    await t.startPortfolio({}, MANIFESTS);
    await open(t, "momentum");
    await t.send("md.book", bookMsg(UP, 410_000, 1));
    expect(t.exits).toEqual([]);
    await t.send("md.book", bookMsg(UP, 400_000, 2));
    expect(t.exits).toHaveLength(1);
    expect(t.exits[0]).toMatchObject({ exitReason: "STOP_LOSS", strategy: "momentum" });
    expect(t.exits[0]?.reason).toMatch(/bid 0\.400000 ≤ entry 0\.500000 − 20%/);
  });

  it("a 20 % manifest take-profit: 0.59 holds, 0.60 (+20 %, short of the 30 % default) exits", async () => {
    const t = harness();
    h = t;
    await t.startPortfolio({}, MANIFESTS);
    await open(t, "momentum");
    await t.send("md.book", bookMsg(UP, 590_000, 1));
    expect(t.exits).toEqual([]);
    await t.send("md.book", bookMsg(UP, 600_000, 2));
    expect(t.exits[0]).toMatchObject({ exitReason: "TAKE_PROFIT" });
  });

  it("a strategy without a manifest keeps the defaults; an operator's control overrides a manifest", async () => {
    const t = harness();
    h = t;
    await t.startPortfolio({ controlsRefreshMs: 1_000 }, MANIFESTS);
    await t.send("exec.fill", fillMsg({ status: "CONFIRMED", strategy: "probe" }));
    await t.send("md.book", bookMsg(UP, 450_000, 1));
    expect(t.exits).toHaveLength(1);
    expect(t.exits[0]).toMatchObject({ exitReason: "STOP_LOSS", strategy: "probe" });

    await t.send(
      "exec.fill",
      fillMsg({ status: "CONFIRMED", strategy: "canary", positionId: "pos-2", tradeId: "t-2" }),
    );
    await t.store.setControl("stop_loss_pct", "5", "operator", h.clock.now());
    await t.clock.advance(1_000);
    await t.send("md.book", bookMsg(UP, 450_000, 3));
    expect(t.exits.map((e) => [e.positionId, e.exitReason])).toEqual([
      ["pos-1", "STOP_LOSS"],
      ["pos-2", "STOP_LOSS"],
    ]);
  });
});
