/**
 * The underlying in paper (issue 17): the simulated venue's price socket ticks the path the windows
 * settle on; MarketData publishes each tick as md.underlying with each window's price to beat (the
 * tick at the window's start), and every window resolves Up iff the tick at its end is at or above
 * that price — so a strategy reading the underlying sees what decides the outcome.
 */
import { describe, expect, it } from "vitest";
import { createMarketDataAgent, venueFeed } from "../../../agents/market-data/index.ts";
import { SimVenue } from "../../../infra/venue-sim/index.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { MarketView } from "../../../agents/strategy/market-view.ts";
import { collect, newFleet, T0 } from "./helpers.ts";

const WINDOW_MS = 60_000;
const WINDOWS = 12;

describe("the underlying in the simulated venue", () => {
  it("every window resolves Up iff the tick at its end ≥ its price to beat (the tick at its start)", async () => {
    const { clock, fleet } = newFleet(21);
    const venue = new SimVenue({
      clock,
      rng: new SeededRng("venue-21"),
      startingCollateral: 100_000_000,
      windowMs: WINDOW_MS,
      // A volatile path, so both outcomes occur in a dozen windows.
      underlying: { volAnnual: 2 },
    });
    venue.start();
    const bus = fleet.connect("test.1");
    const ticks = collect(bus, "md.underlying");
    const windows = collect(bus, "md.window");
    const health = collect(bus, "md.health");
    await fleet.start(
      createMarketDataAgent({ feed: venueFeed(venue, { marketsTimeoutMs: 1_000 }) }),
    );
    await clock.advance(WINDOWS * WINDOW_MS + 2_000);

    // One tick a second, on the second, each with its source and receive time.
    expect(ticks.length).toBeGreaterThanOrEqual(WINDOWS * (WINDOW_MS / 1_000));
    expect(ticks.every((t) => t.symbol === "btc/usd" && t.origin === "sim")).toBe(true);
    expect(ticks.every((t) => t.sourceTs % 1_000 === 0 && t.receiveTs >= t.sourceTs)).toBe(true);
    const priceAt = new Map(ticks.map((t) => [t.sourceTs, t.price]));

    const resolved = windows.filter((w) => w.status === "RESOLVED");
    expect(resolved.length).toBeGreaterThanOrEqual(WINDOWS - 1);
    const outcomes = new Set<string>();
    for (const w of resolved) {
      const carried = ticks.flatMap((t) => t.windows).find((p) => p.windowId === w.windowId);
      if (w.startTs < T0 || carried === undefined) continue;
      // The price to beat is the tick at the window's start...
      expect(carried.sourceTs).toBe(w.startTs);
      expect(carried.priceToBeat).toBe(priceAt.get(w.startTs));
      // ...and the outcome follows the tick at its end.
      const close = priceAt.get(w.endTs);
      expect(close, w.windowId).toBeDefined();
      expect(w.outcome, w.windowId).toBe((close ?? 0) >= carried.priceToBeat ? "UP" : "DOWN");
      outcomes.add(w.outcome ?? "");
    }
    expect(outcomes).toEqual(new Set(["UP", "DOWN"]));
    // The underlying counts in the feed's health: ticking, it is OK.
    expect(health.at(-1)?.status).toBe("OK");
  });

  it("the strategies' window state has the price, the price to beat and the distance", async () => {
    const { clock, fleet } = newFleet(22);
    const venue = new SimVenue({
      clock,
      rng: new SeededRng("venue-22"),
      startingCollateral: 100_000_000,
      windowMs: WINDOW_MS,
    });
    venue.start();
    const bus = fleet.connect("test.1");
    const ticks = collect(bus, "md.underlying");
    const windows = collect(bus, "md.window");
    await fleet.start(
      createMarketDataAgent({ feed: venueFeed(venue, { marketsTimeoutMs: 1_000 }) }),
    );
    await clock.advance(WINDOW_MS + 30_000);

    const view = new MarketView({
      historyMs: 60_000,
      midSampleMs: 1_000,
      bookMaxAgeMs: 5_000,
      windowsMax: 8,
    });
    for (const w of windows) view.applyWindow(w);
    for (const t of ticks) view.applyUnderlying(t, t.receiveTs);
    const open = [...view.windows.values()].find((w) => w.status === "OPEN");
    expect(open).toBeDefined();
    if (open === undefined) return;
    const state = view.windowState(open, clock.now(), 0);
    const last = ticks.at(-1);
    const start = ticks.find((t) => t.sourceTs === open.startTs);
    expect(state.underlying).toEqual({
      symbol: "btc/usd",
      price: last?.price,
      sourceTs: last?.sourceTs,
      priceToBeat: start?.price,
      distance: (last?.price ?? 0) - (start?.price ?? 0),
    });
    // Without fresh ticks the strategies see no underlying rather than an old price.
    expect(view.windowState(open, clock.now() + 60_000, 0).underlying).toBeNull();
  });
});
