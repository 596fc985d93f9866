/**
 * Parity: the same intents through PAPER, DRY_RUN and LIVE-against-the-simulated-venue give the
 * same CRO decisions, the same lifecycle transitions and the same accounting, within the
 * tolerances of test/parity/TOLERANCES.md. Each mode runs the whole fleet (one process, real
 * time) against its own `predator venue` started from the same seed: PAPER on its SimVenue
 * directly, DRY_RUN on the live adapter's signing path with simulated fills, LIVE through the
 * official client over HTTP. The intents come from `trade-once` (one approved entry, then one the
 * CRO must veto).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { takerFee } from "../../contracts/money.ts";
import type { Mode } from "../../contracts/common.ts";
import { MemoryStore } from "../../infra/store/memory.ts";
import { startPolyVenue, type PolyVenue } from "../../infra/venue-poly/index.ts";
import { windowInstrument } from "../../infra/venue-sim/index.ts";
import { addLiquidityLater, openToken } from "../integration/live-support.ts";
import { DryRunVenue, loadLiveVenue, type LiveVenue } from "../../infra/venue-live/index.ts";
import { AGENT_NAMES, agentDefinition } from "../../agents/catalog.ts";
import { EmbeddedFleet } from "../../infra/app/embedded.ts";
import { silentLogger } from "../../agents/runtime/logger.ts";
import type { Venue } from "../../agents/runtime/venue.ts";
import {
  tradeOnce,
  TRADE_ONCE_STRATEGY,
  type TradeReport,
} from "../../infra/cli/commands/trade-once.ts";

const KEY = "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97";
const WINDOW_MS = 120_000;
const M = 1_000_000;
const MODES: Mode[] = ["PAPER", "DRY_RUN", "LIVE"];
const CONTROL_OF: Record<string, string> = { PAPER: "paper", DRY_RUN: "dry-run", LIVE: "live" };

interface Run {
  mode: Mode;
  accounting: { size: number; realizedPnl: number; positionMode: Mode; fillModes: Mode[] };
  approved: TradeReport;
  vetoed: TradeReport;
  store: MemoryStore;
  feeRateBps: number;
}

const runs: Run[] = [];
const cleanups: Array<() => Promise<void>> = [];

async function runMode(mode: Mode): Promise<Run> {
  const clock = new SystemClock();
  const poly: PolyVenue = await startPolyVenue({
    clock,
    rng: new SeededRng(61),
    sim: { windowMs: WINDOW_MS },
  });
  let live: LiveVenue | null = null;
  let venue: Venue = poly.venue;
  if (mode !== "PAPER") {
    live = await loadLiveVenue(
      {
        host: poly.url,
        wsUrl: poly.wsUrl,
        chainId: 137,
        privateKey: KEY,
        creds: null,
        signatureType: 0,
        userPollMs: 200,
      },
      { clock, rng: new SeededRng(62) },
    );
    venue = mode === "LIVE" ? live : new DryRunVenue(live, clock, 1_000 * M);
  }
  const store = new MemoryStore();
  const controls = {
    trading_mode: CONTROL_OF[mode] ?? "paper",
    allowed_instruments: windowInstrument("btc", WINDOW_MS),
    allowed_strategies: TRADE_ONCE_STRATEGY,
    position_cap_usd: "10",
  };
  for (const [k, v] of Object.entries(controls)) await store.setControl(k, v, "test", clock.now());
  const fleet = new EmbeddedFleet({
    clock,
    rng: new SeededRng(63),
    store,
    log: silentLogger(),
    mode,
  });
  const observer = fleet.connect("parity.observer");
  let state = "";
  observer.subscribe("cro.state", (m) => {
    state = m.state;
  });
  for (const name of AGENT_NAMES) {
    await fleet.start(
      agentDefinition(name, {
        venue: () => venue,
        connectionEvents: fleet.connectionEvents,
        strategy: { enabled: ["probe"] },
      }),
    );
  }
  cleanups.push(async () => {
    await fleet.stop();
    live?.close();
    await poly.stop();
  });
  const start = Date.now();
  while (state !== "ACTIVE") {
    if (Date.now() - start > 30_000) throw new Error(`${mode}: never ACTIVE (${state})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const token = await openToken(poly, 30_000);
  const bus = fleet.connect("parity.trade-once");
  // Ample size at 0.50 so the entry fills completely (added once trade-once is listening).
  addLiquidityLater(poly, token, "SELL", 500_000, 50 * M);
  const approved = await tradeOnce(
    { bus, clock, rng: new SeededRng(64) },
    { tokenId: token, size: 5 * M, timeoutMs: 15_000 },
  );
  // Accounting right after the entry (before the 60 s window can settle it). Once the fill is
  // CONFIRMED (DRY_RUN: at once; PAPER/LIVE: when the venue confirms) the position is final.
  const confirmStart = Date.now();
  const confirmedPosition = async () =>
    (await store.listPositions({})).find(
      (p) => p.strategy === TRADE_ONCE_STRATEGY && p.provisionalSize === 0 && p.size > 0,
    );
  let position = await confirmedPosition();
  while (position === undefined) {
    if (Date.now() - confirmStart > 20_000) throw new Error(`${mode}: fill never confirmed`);
    await new Promise((res) => setTimeout(res, 100));
    position = await confirmedPosition();
  }
  const fillModes = (await store.listFills({}))
    .filter((f) => f.strategy === TRADE_ONCE_STRATEGY)
    .map((f) => f.mode);
  const accounting = {
    size: position.size,
    realizedPnl: position.realizedPnl,
    positionMode: position.mode,
    fillModes,
  };
  // The same entry once the strategy is no longer allowed: the CRO must veto it.
  await store.setControl("allowed_strategies", "probe", "test", clock.now());
  await new Promise((r) => setTimeout(r, 1_500)); // the CRO re-reads controls every second
  const vetoToken = await openToken(poly, 10_000);
  addLiquidityLater(poly, vetoToken, "BUY", 10_000, 5 * M);
  const vetoed = await tradeOnce(
    { bus, clock, rng: new SeededRng(65) },
    { tokenId: vetoToken, size: 5 * M, timeoutMs: 5_000 },
  );
  return {
    mode,
    accounting,
    approved,
    vetoed,
    store,
    feeRateBps: (await venue.markets({ timeoutMs: 5_000 })).items[0]?.feeRateBps ?? 0,
  };
}

beforeAll(async () => {
  for (const mode of MODES) runs.push(await runMode(mode));
}, 150_000);

afterAll(async () => {
  for (const c of cleanups) await c();
}, 60_000);

const outcome = (r: TradeReport) =>
  r.steps.filter((s) => s.step !== "fill").map((s) => `${s.step}:${s.ok}`);

describe("PAPER, DRY_RUN and LIVE give the same decisions, lifecycles and accounting", () => {
  it("the same CRO decisions (approved, then vetoed for the same reason)", () => {
    const decisions = runs.map((r) => [
      r.approved.steps.find((s) => s.step === "validation")?.ok,
      r.vetoed.steps.find((s) => s.step === "validation")?.detail.replace(/\(decision .*\)/, ""),
    ]);
    expect(decisions[0]?.[0]).toBe(true);
    expect(decisions[0]?.[1]).toMatch(/^vetoed: /);
    for (const d of decisions) expect(d).toEqual(decisions[0]);
  });

  it("the same lifecycle transitions: intent → validation → execution filled → position", () => {
    const seq = runs.map((r) => outcome(r.approved));
    process.stderr.write(`${JSON.stringify(runs.map((r) => [r.mode, r.approved.steps]))}\n`);
    expect(seq[0]).toEqual(["intent:true", "validation:true", "execution:true", "pnl:true"]);
    for (const s of seq) expect(s).toEqual(seq[0]);
    // The vetoed intent never reaches Execution in any mode.
    for (const r of runs) expect(r.vetoed.steps.some((s) => s.step === "fill")).toBe(false);
  });

  it("the same accounting: size filled, fee = the venue formula at the fill price, one position", () => {
    for (const r of runs) {
      expect(r.approved.filledSize, r.mode).toBe(5 * M);
      const price = r.approved.actualPrice ?? 0;
      // Prices may differ between modes (each venue's book moves on its own); the fee must follow
      // the venue's formula at whatever price filled.
      expect(r.approved.fees, r.mode).toBe(takerFee(5 * M, price, r.feeRateBps));
      expect(r.approved.slippage, r.mode).toBeLessThanOrEqual(0);
      // Realized PnL once CONFIRMED is minus the fee in every mode (PnL semantics may not differ).
      expect(r.accounting.realizedPnl, r.mode).toBe(-r.approved.fees);
      expect(r.accounting.size, r.mode).toBe(5 * M);
      expect(r.accounting.positionMode, r.mode).toBe(r.mode);
      expect(r.accounting.fillModes.length, r.mode).toBeGreaterThan(0);
      expect(
        r.accounting.fillModes.every((m) => m === r.mode),
        r.mode,
      ).toBe(true);
    }
  });
});
