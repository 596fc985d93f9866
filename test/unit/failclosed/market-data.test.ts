/**
 * MarketData resynchronises its readers after a lost connection (issue 4, Liveness): books sent
 * while the bus was down are gone and the agents that lost it dropped theirs, so once it is back
 * MarketData republishes every window and every fresh, gap-free book — and nothing stale.
 */
import { describe, expect, it } from "vitest";
import { MemoryBus } from "../../../bus/memory-bus.ts";
import { createMarketDataAgent, manualFeed } from "../../../agents/market-data/index.ts";
import { bookEvent, collect, market, newFleet, windowEvent } from "../market-data/helpers.ts";

describe("MarketData after its bus connection comes back", () => {
  it("republishes its windows and fresh books, not stale ones, and only once back", async () => {
    const { clock, fleet } = newFleet();
    const feed = manualFeed("test-feed");
    const bus = fleet.connect("test.1");
    const books = collect(bus, "md.book");
    const windows = collect(bus, "md.window");
    const host = await fleet.start(createMarketDataAgent({ feed }));
    await clock.advance(0);
    const agentBus = host.bus;
    if (!(agentBus instanceof MemoryBus)) throw new Error("expected the agent's memory bus");

    const m = market();
    feed.push(windowEvent(m, "opened", clock.now()));
    feed.push(bookEvent(m, "down", 1, clock.now()));
    await clock.advance(6_000); // Down falls silent past staleAfterMs (5 s)
    feed.push(bookEvent(m, "up", 1, clock.now()));
    await clock.advance(100);
    expect(windows).toHaveLength(1);
    expect(books.map((b) => b.tokenId)).toEqual([m.downTokenId, m.upTokenId]);

    agentBus.simulateStatus("disconnected");
    await clock.advance(100);
    expect(books).toHaveLength(2); // nothing while down
    agentBus.simulateStatus("connected");
    await clock.advance(100);
    // The window went out again too, but the stream already holds it: deduplicated, not redelivered.
    expect(windows).toHaveLength(1);
    // The fresh Up book again (same seq), not the stale Down one.
    expect(books.slice(2).map((b) => [b.tokenId, b.seq])).toEqual([[m.upTokenId, 1]]);
    await fleet.stop();
  });
});
