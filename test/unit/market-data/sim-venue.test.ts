import { describe, expect, it } from "vitest";
import {
  createMarketDataAgent,
  venueFeed,
  type MarketDataActor,
} from "../../../agents/market-data/index.ts";
import type { Actor } from "../../../agents/runtime/actor.ts";
import { SimVenue } from "../../../infra/venue-sim/index.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { collect, newFleet, T0 } from "./helpers.ts";

const WINDOW_MS = 900_000;

describe("MarketData against the simulated venue", () => {
  it("follows a whole simulated window: listed, opened, books best-first, resolved, feed OK", async () => {
    const { clock, fleet, store } = newFleet(11);
    const venue = new SimVenue({
      clock,
      rng: new SeededRng("venue-11"),
      startingCollateral: 100_000_000,
    });
    venue.start();
    const bus = fleet.connect("test.1");
    const windows = collect(bus, "md.window");
    const books = collect(bus, "md.book");
    const health = collect(bus, "md.health");
    const definition = createMarketDataAgent({
      feed: venueFeed(venue, { marketsTimeoutMs: 1_000 }),
    });
    let actor: Actor | null = null;
    await fleet.start({ ...definition, create: (ctx) => (actor = definition.create(ctx)) });
    await clock.advance(WINDOW_MS + 5_000);

    const first = `btc-updown-15m-${T0 / 1000}`;
    const second = `btc-updown-15m-${(T0 + WINDOW_MS) / 1000}`;
    // A repeated OPEN is the window re-announced with a new (finer) tick size near 0 or 1.
    const statuses = (id: string) => [
      ...new Set(windows.filter((w) => w.windowId === id).map((w) => w.status)),
    ];
    const opens = windows.filter((w) => w.windowId === first && w.status === "OPEN");
    expect(new Set(opens.map((w) => w.tickSize)).size).toBe(opens.length);
    expect(statuses(first)).toEqual(["OPEN", "RESOLVED"]);
    expect(statuses(second)).toEqual(["LISTED", "OPEN"]);
    expect(windows.find((w) => w.windowId === first && w.status === "RESOLVED")?.outcome).toMatch(
      /^(UP|DOWN)$/,
    );

    const ofFirst = books.filter((b) => b.windowId === first);
    expect(ofFirst.length).toBeGreaterThan(2 * (WINDOW_MS / 3_000) * 0.9);
    for (const b of ofFirst) {
      const bid = b.bids[0];
      const ask = b.asks[0];
      if (bid !== undefined && ask !== undefined) expect(bid.price).toBeLessThan(ask.price);
      expect(b.bids.every((l, i) => i === 0 || (b.bids[i - 1]?.price ?? 0) > l.price)).toBe(true);
      expect(b.asks.every((l, i) => i === 0 || (b.asks[i - 1]?.price ?? 0) < l.price)).toBe(true);
    }
    const seqs = ofFirst.filter((b) => b.tokenId === ofFirst[0]?.tokenId).map((b) => b.seq);
    expect(seqs.every((s, i) => i === 0 || s === (seqs[i - 1] ?? 0) + 1)).toBe(true);

    expect(health.length).toBe((WINDOW_MS + 5_000) / 1_000);
    expect(health.filter((h) => h.status !== "OK")).toEqual([]);
    expect(await store.listFeedGaps(10)).toEqual([]);
    const described = (actor as MarketDataActor | null)?.describe();
    expect(described?.rejected).toEqual({});
    venue.stop();
    await fleet.stop();
  });

  it("records a gap when the venue drops a book event, and reports GAP until it heals", async () => {
    const { clock, fleet, store } = newFleet(12);
    const venue = new SimVenue({
      clock,
      rng: new SeededRng("venue-12"),
      startingCollateral: 100_000_000,
    });
    venue.start();
    const health = collect(fleet.connect("test.1"), "md.health");
    await fleet.start(createMarketDataAgent({ feed: venueFeed(venue) }));
    await clock.advance(10_000);
    let dropped = 0;
    venue.setFaults({
      marketEvent: (e) => (e.type === "book" && dropped++ === 0 ? "drop" : "deliver"),
    });
    await clock.advance(3_000);
    venue.setFaults(null);
    await clock.advance(10_000);
    const gaps = await store.listFeedGaps(10);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]?.toSeq).toBe(gaps[0]?.fromSeq);
    expect(health.map((h) => h.status)).toContain("GAP");
    expect(health.at(-1)?.status).toBe("OK");
    venue.stop();
    await fleet.stop();
  });
});
