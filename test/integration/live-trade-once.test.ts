/**
 * `predator trade-once` against `predator venue`: the fleet runs LIVE (official client, real
 * signing, real HTTP); one minimum-size order goes intent → CRO approval → Execution → fill →
 * position, and the report shows every step with its latency, expected vs actual price and
 * slippage. A size above the minimum is refused before anything is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { MemoryStore } from "../../infra/store/memory.ts";
import { startPolyVenue, type PolyVenue } from "../../infra/venue-poly/index.ts";
import { windowInstrument } from "../../infra/venue-sim/index.ts";
import { loadLiveVenue, type LiveVenue } from "../../infra/venue-live/index.ts";
import { AGENT_NAMES, agentDefinition } from "../../agents/catalog.ts";
import { EmbeddedFleet } from "../../infra/app/embedded.ts";
import { silentLogger } from "../../agents/runtime/logger.ts";
import { addLiquidityLater, openToken } from "./live-support.ts";
import { tradeOnce, TRADE_ONCE_STRATEGY } from "../../infra/cli/commands/trade-once.ts";

const KEY = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";
const WINDOW_MS = 120_000;
const M = 1_000_000;

let poly: PolyVenue;
let live: LiveVenue;
let fleet: EmbeddedFleet;
const clock = new SystemClock();
const states: string[] = [];
const decisions: string[] = [];

beforeAll(async () => {
  poly = await startPolyVenue({
    clock,
    rng: new SeededRng(51),
    // The providers quote once, when a window opens, and never requote: a requote's bids, crossing
    // a moved fair price, would eat the test's ask between tradeOnce reading it and its FAK landing
    // (CI saw FAK_NOT_FILLED once). Only this test's orders change the book after that.
    sim: { windowMs: WINDOW_MS, liquidity: { requoteMs: 3_600_000 } },
  });
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
    { clock, rng: new SeededRng(52) },
  );
  const store = new MemoryStore();
  for (const [k, v] of Object.entries({
    trading_mode: "live",
    allowed_instruments: windowInstrument("btc", WINDOW_MS),
    allowed_strategies: TRADE_ONCE_STRATEGY,
    position_cap_usd: "10",
  })) {
    await store.setControl(k, v, "test", clock.now());
  }
  fleet = new EmbeddedFleet({
    clock,
    rng: new SeededRng(53),
    store,
    log: silentLogger(),
    mode: "LIVE",
  });
  const observer = fleet.connect("test.observer");
  observer.subscribe("cro.state", (m) => {
    if (states.at(-1) !== m.state) states.push(m.state);
  });
  observer.subscribe("cro.decision", (m) => {
    decisions.push(m.intent.strategy);
  });
  for (const name of AGENT_NAMES) {
    await fleet.start(
      agentDefinition(name, {
        venue: () => live,
        connectionEvents: fleet.connectionEvents,
        // The probe without askMax never trades: trade-once is the only source of intents.
        strategy: { enabled: ["probe"] },
      }),
    );
  }
  const start = Date.now();
  while (!states.includes("ACTIVE")) {
    if (Date.now() - start > 30_000) throw new Error(`never ACTIVE: ${states.join(" > ")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}, 60_000);

afterAll(async () => {
  await fleet.stop();
  live.close();
  await poly.stop();
}, 30_000);

describe("trade-once", () => {
  it("refuses a size above the market's minimum, and sends nothing", async () => {
    const bus = fleet.connect("trade-once.big");
    const token = await openToken(poly, 30_000);
    // A book change, so md.book carries this token's book (and its minimum size) soon.
    addLiquidityLater(poly, token, "BUY", 10_000, 5 * M);
    await expect(
      tradeOnce(
        { bus, clock, rng: new SeededRng(1) },
        { tokenId: token, size: 6 * M, timeoutMs: 10_000 },
      ),
    ).rejects.toThrow(
      /refusing 6\.000000 shares: trade-once places at most the minimum size \(5\.000000\)/,
    );
    expect(decisions.filter((s) => s === TRADE_ONCE_STRATEGY)).toEqual([]);
  });

  it("places one minimum-size order under supervision and reports every step", async () => {
    const token = await openToken(poly, 30_000);
    // Enough size at a known best ask, so the FAK fills completely (added once tradeOnce listens).
    const bus = fleet.connect("trade-once");
    addLiquidityLater(poly, token, "SELL", 500_000, 50 * M);
    const report = await tradeOnce(
      { bus, clock, rng: new SeededRng(2) },
      { tokenId: token, size: 5 * M, timeoutMs: 15_000 },
    );
    expect(
      report.steps.map((s) => [s.step, s.ok]),
      JSON.stringify(report.steps),
    ).toEqual(
      expect.arrayContaining([
        ["intent", true],
        ["validation", true],
        ["fill", true],
        ["execution", true],
        ["pnl", true],
      ]),
    );
    expect(report.filledSize).toBe(5 * M);
    expect(report.actualPrice).not.toBeNull();
    expect(report.slippage).toBe((report.actualPrice ?? 0) - report.expectedPrice);
    expect(report.slippage).toBeLessThanOrEqual(0); // FAK at the best ask never pays more
    // Latency is measured from the intent and grows step by step.
    const latencies = report.steps.map((s) => s.latencyMs);
    expect([...latencies].sort((a, b) => a - b)).toEqual(latencies);
    // The venue agrees: one trade of ours for the whole size.
    const trades = (await live.trades({}, { timeoutMs: 5_000 })).items;
    expect(trades.reduce((s, t) => s + t.size, 0)).toBe(5 * M);
  }, 30_000);
});
