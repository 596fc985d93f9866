import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createMarketDataAgent } from "../../../agents/market-data/index.ts";
import { PolymarketWireConverter } from "../../../agents/market-data/polymarket-wire.ts";
import { replayFeed, toJsonl } from "../../../agents/market-data/replay.ts";
import type { MarketEvent, VenueMarket } from "../../../agents/runtime/venue.ts";
import {
  BOOK_ASSET,
  collect,
  newFleet,
  RECORDED_MARKET,
  T0,
  TRADE_ASSET,
  wire,
  windowEvent,
} from "./helpers.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function writeReplay(events: MarketEvent[], extra = ""): string {
  const dir = mkdtempSync(join(tmpdir(), "predator-replay-"));
  dirs.push(dir);
  const path = join(dir, "feed.jsonl");
  writeFileSync(path, toJsonl(events) + extra);
  return path;
}

/**
 * The three recorded messages come from different days (book 2024-10-13, price_change 2024-08-18,
 * trade 2024-08-25), so the scenario restamps them 0.5 s apart, in this order.
 */
function recordedScenario(): { events: MarketEvent[]; window: VenueMarket } {
  const c = new PolymarketWireConverter();
  const at = 1_728_799_418_260;
  const converted = [
    ...c.convert(wire("book.json")).events,
    ...c.convert(wire("price_change.json")).events,
    ...c.convert(wire("last_trade_price.json")).events,
  ].map((e, i) => ({ ...e, ts: at + 500 * i }));
  const window: VenueMarket = {
    windowId: RECORDED_MARKET,
    slug: "recorded-dd22",
    startTs: at - 60_000,
    endTs: at + 840_000,
    upTokenId: BOOK_ASSET,
    downTokenId: TRADE_ASSET,
    tickSize: 1_000,
    minSize: 5_000_000,
    feeRateBps: 0,
    status: "OPEN",
    outcome: null,
  };
  return { events: [windowEvent(window, "opened", at - 1_000), ...converted], window };
}

describe("replay feed", () => {
  it("replays the recorded Polymarket messages through MarketData with the expected best bid/ask", async () => {
    const { clock, fleet } = newFleet();
    const { events } = recordedScenario();
    const feed = replayFeed(writeReplay(events), clock);
    const bus = fleet.connect("test.1");
    const books = collect(bus, "md.book");
    const trades = collect(bus, "md.trade");
    const windows = collect(bus, "md.window");
    await fleet.start(createMarketDataAgent({ feed }));
    await clock.advance(3_000);

    expect(feed.done()).toBe(true);
    expect(windows.map((w) => [w.windowId, w.status])).toEqual([[RECORDED_MARKET, "OPEN"]]);
    // Replay time: the window event at T0, the book 1 s later, the price change 0.5 s after it.
    expect(windows[0]?.startTs).toBe(T0 + 1_000 - 60_000);
    expect(books.map((b) => [b.seq, b.sourceTs, b.receiveTs])).toEqual([
      [1, T0 + 1_000, T0 + 1_000],
      [2, T0 + 1_500, T0 + 1_500],
    ]);
    const [first, second] = books;
    expect(first?.bids[0]).toEqual({ price: 511_000, size: 1_304_720_000 });
    expect(first?.asks[0]).toEqual({ price: 514_000, size: 20_230_870_000 });
    expect(second?.asks[0]).toEqual({ price: 514_000, size: 21_574_080_000 });
    expect(first?.bids).toHaveLength(76);
    expect(first?.asks).toHaveLength(86);
    expect(trades).toMatchObject([{ tokenId: TRADE_ASSET, price: 491_000, size: 85_360_000 }]);
    await fleet.stop();
  });

  it("plays at `speed` times the recorded pace on the clock", async () => {
    const { clock, fleet } = newFleet();
    const { events } = recordedScenario();
    const feed = replayFeed(writeReplay(events), clock, { speed: 4 });
    const books = collect(fleet.connect("test.1"), "md.book");
    await fleet.start(createMarketDataAgent({ feed }));
    await clock.advance(249);
    expect(books).toHaveLength(0);
    await clock.advance(1);
    expect(books.map((b) => b.receiveTs)).toEqual([T0 + 250]);
    await clock.advance(125);
    expect(books.map((b) => b.receiveTs)).toEqual([T0 + 250, T0 + 375]);
    await fleet.stop();
  });

  it("skips and counts lines that are not MarketEvents", () => {
    const { clock } = newFleet();
    const { events } = recordedScenario();
    const feed = replayFeed(writeReplay(events, '{"type":"book"}\nnot json\n'), clock);
    expect(feed.stats).toMatchObject({ events: 4, badLines: 2, emitted: 0 });
  });

  it("fails with a named error when the file cannot be read", () => {
    const { clock } = newFleet();
    expect(() => replayFeed("/nonexistent/feed.jsonl", clock)).toThrow(
      expect.objectContaining({ code: "REPLAY_READ" }),
    );
  });
});
