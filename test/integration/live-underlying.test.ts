/**
 * The underlying end to end (issue 17): `predator venue`'s RTDS-compatible socket → the live
 * adapter's RTDS client → MarketData → md.underlying on the bus → the strategies' window state
 * has the price, the window's price to beat (the tick at its start) and the distance.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { EmbeddedFleet } from "../../infra/app/embedded.ts";
import { MemoryStore } from "../../infra/store/memory.ts";
import { silentLogger } from "../../agents/runtime/logger.ts";
import { createMarketDataAgent, venueFeed } from "../../agents/market-data/index.ts";
import { MarketView } from "../../agents/strategy/market-view.ts";
import { startPolyVenue, type PolyVenue } from "../../infra/venue-poly/index.ts";
import { loadLiveVenue, type LiveVenue } from "../../infra/venue-live/index.ts";
import type { MdUnderlying, MdWindow } from "../../contracts/market-data.ts";

const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const WINDOW_MS = 3_000;

let poly: PolyVenue;
let live: LiveVenue;
let fleet: EmbeddedFleet;

beforeAll(async () => {
  const clock = new SystemClock();
  poly = await startPolyVenue({
    clock,
    rng: new SeededRng(41),
    sim: { windowMs: WINDOW_MS, liquidity: { enabled: false }, underlying: { tickMs: 500 } },
  });
  expect(poly.rtdsUrl).not.toBeNull();
  live = await loadLiveVenue(
    {
      host: poly.url,
      wsUrl: poly.wsUrl,
      chainId: 137,
      privateKey: KEY,
      creds: null,
      signatureType: 0,
      instruments: ["btc-updown-15m"],
      rtdsUrl: poly.rtdsUrl ?? "",
    },
    { clock, rng: new SeededRng(42) },
  );
  fleet = new EmbeddedFleet({
    clock,
    rng: new SeededRng(43),
    store: new MemoryStore(),
    log: silentLogger(),
    mode: "PAPER",
  });
});

afterAll(async () => {
  await fleet.stop();
  live.close();
  await poly.stop();
});

describe("the underlying through predator venue's RTDS socket", () => {
  it("reaches MarketData, the bus and the window state with the window's price to beat", async () => {
    const bus = fleet.connect("test.1");
    const ticks: MdUnderlying[] = [];
    const windows: MdWindow[] = [];
    bus.subscribe("md.underlying", (m) => {
      ticks.push(m);
    });
    bus.subscribe("md.window", (m) => {
      windows.push(m);
    });
    await fleet.start(
      createMarketDataAgent({ feed: venueFeed(live, { marketsTimeoutMs: 5_000 }) }),
    );
    // Bounded wait for a tick that carries a price to beat (a window started while watched).
    const deadline = Date.now() + 20_000;
    while (!ticks.some((t) => t.windows.length > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const carrying = ticks.find((t) => t.windows.length > 0);
    expect(carrying, "no md.underlying with a price to beat within 20 s").toBeDefined();
    expect(carrying?.origin).toBe("rtds:crypto_prices_twap_sixty");
    expect(carrying?.symbol).toBe("btc/usd");
    const ptb = carrying?.windows[0];
    const window = windows.find((w) => w.windowId === ptb?.windowId);
    expect(ptb?.sourceTs).toBe(window?.startTs);
    // It is the path's price at the window's start, as the venue settles it.
    expect(ticks.find((t) => t.sourceTs === window?.startTs)?.price).toBe(ptb?.priceToBeat);

    const view = new MarketView({
      historyMs: 60_000,
      midSampleMs: 1_000,
      bookMaxAgeMs: 5_000,
      windowsMax: 8,
    });
    for (const w of windows) view.applyWindow(w);
    for (const t of ticks) view.applyUnderlying(t, Date.now());
    const info = view.windows.get(ptb?.windowId ?? "");
    expect(info).toBeDefined();
    if (info === undefined || carrying === undefined) return;
    const state = view.windowState(info, Date.now(), 0);
    expect(state.underlying?.priceToBeat).toBe(ptb?.priceToBeat);
    expect(state.underlying?.distance).toBe(
      (state.underlying?.price ?? 0) - (ptb?.priceToBeat ?? 0),
    );
    expect(live.underlyingStats()).toMatchObject({ state: "OPEN", unknown: 0, malformed: 0 });
  });
});
