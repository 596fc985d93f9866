import { describe, expect, it } from "vitest";
import {
  createMarketDataAgent,
  manualFeed,
  type MarketDataActor,
  type MarketDataConfig,
} from "../../../agents/market-data/index.ts";
import type { Actor } from "../../../agents/runtime/actor.ts";
import { bookEvent, collect, lv, market, newFleet, T0, windowEvent } from "./helpers.ts";

async function started(config: Partial<MarketDataConfig> = {}) {
  const { clock, store, fleet } = newFleet();
  const feed = manualFeed("test-feed");
  const bus = fleet.connect("test.1");
  const health = collect(bus, "md.health");
  const books = collect(bus, "md.book");
  const definition = createMarketDataAgent({ feed, config });
  let actor: Actor | null = null;
  const host = await fleet.start({
    ...definition,
    create: (ctx) => (actor = definition.create(ctx)),
  });
  await clock.advance(0);
  const describe = () => (actor as MarketDataActor | null)?.describe() ?? {};
  return { clock, store, fleet, feed, host, health, books, describe };
}

describe("MarketData agent: md.health", () => {
  it("publishes the feed's data completeness for the current and the last window", async () => {
    const { clock, feed, health } = await started();
    const m = market();
    const start = clock.now();
    feed.push(windowEvent(m, "opened", clock.now()));
    await clock.advance(1_000);
    feed.push(bookEvent(m, "up", 1, clock.now()));
    await clock.advance(1_000);
    await clock.advance(1_000); // a silent second
    await clock.advance(1_000);
    const windowStart = start - (start % 900_000);
    const buckets = Math.floor((clock.now() - windowStart) / 1_000);
    const [current, last] = health.at(-1)?.completeness ?? [];
    // Two buckets heard the feed; those before MarketData started count as missing.
    expect(current).toEqual({
      windowStart,
      buckets,
      filled: 2,
      pct: Math.round((1000 * 2) / buckets) / 10,
    });
    expect(last).toMatchObject({ windowStart: windowStart - 900_000, filled: 0 });
  });

  it("goes STALE → OK → STALE → GAP → OK → STALE → DOWN as the feed behaves", async () => {
    const { clock, store, fleet, feed, health } = await started();
    const m = market();
    const statuses = () => health.map((h) => h.status);
    const tick = (ms: number) => clock.advance(ms);

    await tick(1_000); // T0+1s: nothing heard yet
    expect(health[0]).toMatchObject({ feed: "test-feed", status: "STALE", lastMessageAgeMs: null });

    feed.push(windowEvent(m, "opened", clock.now()));
    feed.push(bookEvent(m, "up", 1, clock.now()));
    feed.push(bookEvent(m, "down", 1, clock.now()));
    await tick(1_000); // T0+2s
    expect(health.at(-1)).toMatchObject({ status: "OK", staleTokens: [], lastMessageAgeMs: 1_000 });

    // Only the Down token keeps talking; Up goes silent past staleAfterMs (5 s).
    for (let seq = 2; seq <= 6; seq++) {
      feed.push(bookEvent(m, "down", seq, clock.now()));
      await tick(1_000);
    } // T0+7s
    expect(health.at(-1)).toMatchObject({ status: "STALE", staleTokens: [m.upTokenId] });

    feed.push(bookEvent(m, "up", 5, clock.now())); // seq 2..4 lost
    await tick(1_000);
    expect(health.at(-1)).toMatchObject({ status: "GAP", staleTokens: [], gapsTotal: 1 });
    expect(await store.listFeedGaps(10)).toMatchObject([
      { feed: "test-feed", tokenId: m.upTokenId, fromSeq: 2, toSeq: 4, ts: T0 + 7_000 },
    ]);

    feed.push(bookEvent(m, "up", 6, clock.now()));
    feed.push(bookEvent(m, "down", 7, clock.now()));
    await tick(1_000);
    expect(health.at(-1)?.status).toBe("OK");

    await tick(6_000); // everything silent past staleAfterMs
    expect(health.at(-1)).toMatchObject({
      status: "STALE",
      staleTokens: [m.upTokenId, m.downTokenId],
    });
    await tick(9_000); // and past downAfterMs (15 s)
    expect(health.at(-1)?.status).toBe("DOWN");
    expect(health.at(-1)?.lastMessageAgeMs).toBe(16_000);

    expect(statuses().filter((s, i, all) => s !== all[i - 1])).toEqual([
      "STALE",
      "OK",
      "STALE",
      "GAP",
      "OK",
      "STALE",
      "DOWN",
    ]);
    expect(health.every((h, i) => h.ts === T0 + 1_000 * (i + 1))).toBe(true);
    await fleet.stop();
  });
});

describe("MarketData agent: bad feed events", () => {
  it("logs and counts them, publishes nothing for them, and keeps running", async () => {
    const { clock, fleet, feed, host, books, describe } = await started();
    const m = market();
    feed.push(windowEvent(m, "opened"));
    feed.push(bookEvent(m, "up", 1, T0));
    feed.push(bookEvent(m, "up", 2, T0, { bids: [lv(480_000, -1)] }));
    feed.push(bookEvent(m, "up", 3, T0, { bids: [lv(600_000, 1)], asks: [lv(550_000, 1)] }));
    feed.push(bookEvent(market({ startTs: T0 + 900_000 }), "up", 1, T0));
    feed.push({ type: "book", tokenId: "has.dot" } as never);
    feed.push(null as never);
    feed.push({ ...bookEvent(m, "down", 1, T0), seq: Number.NaN });
    await clock.advance(10);

    expect(host.state()).toBe("running");
    expect(books.map((b) => [b.tokenId, b.seq])).toEqual([[m.upTokenId, 1]]);
    expect(describe().rejected).toEqual({ BAD_SIZE: 1, CROSSED: 1, UNKNOWN_TOKEN: 1, SHAPE: 3 });
    await fleet.stop();
  });

  it("publishes the windows the feed already lists at start, then the stream", async () => {
    const { clock, fleet } = newFleet();
    const feed = manualFeed();
    const listed = market({ startTs: T0 + 900_000, status: "LISTED" });
    feed.setMarkets([market(), listed]);
    const windows = collect(fleet.connect("test.1"), "md.window");
    await fleet.start(createMarketDataAgent({ feed }));
    feed.push(windowEvent(listed, "opened", T0 + 900_000));
    await clock.advance(10);
    expect(windows.map((w) => [w.windowId, w.status])).toEqual([
      [market().windowId, "OPEN"],
      [listed.windowId, "LISTED"],
      [listed.windowId, "OPEN"],
    ]);
    await fleet.stop();
  });
});

describe("MarketData agent: a window event lost on the way (issue 19)", () => {
  it("re-reads the venue's market list when a token goes stale, and the feed heals", async () => {
    const { clock, fleet, feed, health } = await started();
    const first = market({ startTs: T0, endTs: T0 + 60_000 });
    const next = market({ startTs: T0 + 60_000, endTs: T0 + 120_000, status: "LISTED" });
    feed.push(windowEvent(first, "opened", clock.now()));
    feed.push(windowEvent(next, "listed", clock.now()));
    feed.push(bookEvent(first, "up", 1, clock.now()));
    feed.push(bookEvent(first, "down", 1, clock.now()));
    await clock.advance(59_000);
    // The boundary passes while the bus is down: "resolved" and "opened" never arrive here. The
    // venue lists the truth, and then only the new window's books flow.
    clock.setTimer(1_000, () => {
      feed.setMarkets([
        { ...first, status: "RESOLVED", outcome: "UP" },
        { ...next, status: "OPEN" },
      ]);
    });
    let seq = 1;
    const ticking = clock.setInterval(1_000, () => {
      feed.push(bookEvent(next, "up", seq, clock.now()));
      feed.push(bookEvent(next, "down", seq, clock.now()));
      seq++;
    });
    await clock.advance(20_000);
    clock.clearTimer(ticking);
    // Without the re-read, `first` stays OPEN here forever and its tokens stale: the CRO never
    // sees a healthy feed again (found by repeated nats-server restarts under a trading fleet).
    expect(health.at(-1)).toMatchObject({ status: "OK", staleTokens: [] });
    await fleet.stop();
  });
});
