import { describe, expect, it } from "vitest";
import { createMarketDataAgent, venueFeed } from "../../../agents/market-data/index.ts";
import { createStrategyAgent, defaultStrategies } from "../../../agents/strategy/index.ts";
import { SimVenue } from "../../../infra/venue-sim/index.ts";
import { SeededRng } from "../../../bus/rng.ts";
import type { MessageOf } from "../../../contracts/registry.ts";
import { harness, MIN_SIZE, T0, WINDOW_MS } from "./helpers.ts";

async function run(seed: number) {
  const h = harness(seed);
  const venue = new SimVenue({
    clock: h.clock,
    rng: new SeededRng(`venue-${seed}`),
    startingCollateral: 100_000_000,
  });
  venue.start();
  const books: MessageOf<"md.book">[] = [];
  h.bus.subscribe("md.book", (m) => {
    books.push(m);
  });
  await h.fleet.start(createMarketDataAgent({ feed: venueFeed(venue) }));
  await h.fleet.start(
    createStrategyAgent({ strategies: defaultStrategies(), config: { enabled: ["canary"] } }),
  );
  h.croEvery500(() => "ACTIVE");
  await h.clock.runUntil(T0 + 2 * WINDOW_MS);
  venue.stop();
  await h.fleet.stop();
  return { intents: h.intents, books, logHash: h.fleet.broker.logHash() };
}

describe("MarketData + Strategy on the simulated venue", () => {
  it("the canary enters each window once, at T-60s, at the favoured side's best ask", async () => {
    const { intents, books } = await run(5);
    expect(intents.length).toBeGreaterThanOrEqual(2);
    const windows = new Set(intents.map((i) => i.windowId));
    expect(windows.size).toBe(intents.length);
    for (const intent of intents) {
      const endTs = Number(intent.windowId.split("-").at(-1)) * 1000 + WINDOW_MS;
      expect(intent.ts).toBe(endTs - 60_000);
      expect(intent).toMatchObject({
        kind: "ENTRY",
        side: "BUY",
        orderType: "FAK",
        size: MIN_SIZE,
      });
      // The book it decided on: fresh, and its best ask is the limit.
      const book = books.find((b) => b.tokenId === intent.tokenId && b.seq === intent.bookSeq);
      expect(intent.ts - (book?.ts ?? 0)).toBeLessThanOrEqual(5_000);
      expect(book?.asks[0]?.price).toBe(intent.limitPrice);
      const bid = book?.bids[0]?.price ?? 0;
      expect(bid + intent.limitPrice).toBeGreaterThan(1_000_000);
    }
  });

  it("is deterministic: the same seed gives the same intents and the same delivery log", async () => {
    const a = await run(9);
    const b = await run(9);
    expect(b.intents).toEqual(a.intents);
    expect(b.logHash).toBe(a.logHash);
  });
});
