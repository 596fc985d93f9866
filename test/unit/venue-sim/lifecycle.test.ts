import { describe, expect, it } from "vitest";
import { MICRO } from "../../../contracts/money.ts";
import type { MarketEvent } from "../../../agents/runtime/venue.ts";
import { outcomeTokenId, windowSlug } from "../../../infra/venue-sim/index.ts";
import { OPTS, bookEvents, lastBook, price, shares, startVenue } from "./helpers.ts";

type WindowEvent = Extract<MarketEvent, { type: "window" }>;
const windowEvents = (events: MarketEvent[]): WindowEvent[] =>
  events.flatMap((e) => (e.type === "window" ? [e] : []));

describe("SimVenue 15-minute windows", () => {
  it("names windows and tokens deterministically from the window start", async () => {
    const h = await startVenue();
    const startSec = h.window.startTs / 1000;
    expect(h.window.slug).toBe(`btc-updown-15m-${startSec}`);
    expect(windowSlug("btc", h.window.startTs, 900_000)).toBe(h.window.slug);
    expect(h.up).toBe(outcomeTokenId(h.window.slug, "Up"));
    expect(h.up).toMatch(/^[0-9]+$/);
    expect(h.up).not.toBe(h.down);
    expect(h.window).toMatchObject({ tickSize: 10_000, minSize: 5 * MICRO, feeRateBps: 700 });
  });

  it("lists the next window when one opens, opens it at its start and resolves it at its end", async () => {
    const h = await startVenue();
    const w0 = h.window;
    expect(windowEvents(h.market).map((e) => [e.event, e.window.startTs])).toEqual([
      ["listed", w0.startTs],
      ["listed", w0.endTs],
      ["opened", w0.startTs],
    ]);
    await h.clock.runUntil(w0.endTs);
    expect(
      windowEvents(h.market)
        .slice(3)
        .map((e) => [e.event, e.window.startTs]),
    ).toEqual([
      ["listed", w0.endTs + 900_000],
      ["resolved", w0.startTs],
      ["opened", w0.endTs],
    ]);
    const resolved = windowEvents(h.market).find((e) => e.event === "resolved");
    expect(resolved?.window.status).toBe("RESOLVED");
    expect(["UP", "DOWN"]).toContain(resolved?.window.outcome);
  });

  it("settles positions at 1 or 0 and cancels open orders when the window resolves", async () => {
    const h = await startVenue({ trades: { confirmDelayMs: 600_000 } });
    // One at a time: SELL Up 0.5 and SELL Down 0.5 resting together would merge each other.
    h.venue.addLiquidity(h.up, "SELL", price(0.5), shares(10));
    await h.run(h.venue.placeOrder(h.req({ tokenId: h.up, orderType: "FOK" }), OPTS));
    h.venue.addLiquidity(h.down, "SELL", price(0.5), shares(10));
    await h.run(h.venue.placeOrder(h.req({ tokenId: h.down, orderType: "FOK" }), OPTS));
    const resting = await h.run(h.venue.placeOrder(h.req({ price: price(0.3) }), OPTS));
    const before = (await h.run(h.venue.balance(OPTS))).value;
    expect(before.reserved).toBe(3 * MICRO);
    await h.clock.runUntil(h.window.endTs);
    const after = (await h.run(h.venue.balance(OPTS))).value;
    // One side wins: 10 shares pay 10.000000; the other pays nothing.
    expect(after).toMatchObject({ collateral: before.collateral + 10 * MICRO, reserved: 0 });
    expect((await h.run(h.venue.positions(OPTS))).items).toEqual([]);
    const cancelled = h.user.flatMap((e) =>
      e.type === "order" && e.event === "cancelled"
        ? [[e.order.venueOrderId, e.order.cancelReason]]
        : [],
    );
    expect(cancelled).toEqual([
      [resting.outcome === "accepted" ? resting.venueOrderId : "", "MARKET_RESOLVED"],
    ]);
    // Trades still pending at resolution are settled first.
    const statuses = (await h.run(h.venue.trades({}, OPTS))).items.map((t) => t.status);
    expect(statuses).toEqual(["CONFIRMED", "CONFIRMED"]);
    expect(lastBook(h.market, h.up)).toMatchObject({ bids: [], asks: [] });
    h.venue.assertInvariants();
  });

  it("has liquidity providers quote both tokens, mids summing to about 1, each requote a new seq", async () => {
    const h = await startVenue({ liquidity: { enabled: true, requoteMs: 3_000, levels: 3 } });
    await h.clock.advance(30_000);
    for (const token of [h.up, h.down]) {
      const seqs = bookEvents(h.market, token).map((e) => e.seq);
      expect(seqs.length).toBeGreaterThanOrEqual(10);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
    const up = lastBook(h.market, h.up);
    const down = lastBook(h.market, h.down);
    for (const b of [up, down]) {
      expect(b.bids).toHaveLength(3);
      expect(b.asks).toHaveLength(3);
      expect(b.bids.map((l) => l.price)).toEqual(
        [...b.bids.map((l) => l.price)].sort((x, y) => y - x),
      );
      expect(b.asks.map((l) => l.price)).toEqual(
        [...b.asks.map((l) => l.price)].sort((x, y) => x - y),
      );
      for (const l of [...b.bids, ...b.asks]) expect(l.size).toBeGreaterThanOrEqual(5 * MICRO);
    }
    const mid = (b: typeof up) => ((b.bids[0]?.price ?? 0) + (b.asks[0]?.price ?? 0)) / 2;
    expect(Math.abs(mid(up) + mid(down) - MICRO)).toBeLessThanOrEqual(10_000);
  });

  it("lets a requote that crosses our stale order fill it (we are the maker)", async () => {
    const h = await startVenue({ liquidity: { enabled: true, requoteMs: 3_000 } });
    await h.clock.advance(3_000);
    const bestAsk = lastBook(h.market, h.up).asks[0]?.price ?? 0;
    h.venue.jumpUnderlying(-0.05); // Up collapses toward 0; providers will sell Up below our bid.
    const r = await h.run(
      h.venue.placeOrder(h.req({ price: bestAsk - 10_000, size: shares(5) }), OPTS),
    );
    expect(r).toMatchObject({ outcome: "accepted", status: "OPEN" });
    await h.clock.advance(3_000);
    const trades = (await h.run(h.venue.trades({}, OPTS))).items;
    expect(trades.map((t) => [t.liquidity, t.size, t.fee])).toEqual([["MAKER", shares(5), 0]]);
  });

  it("switches to a finer tick when the fair price nears an edge", async () => {
    const h = await startVenue({ liquidity: { enabled: true } });
    await h.clock.advance(3_000);
    h.venue.jumpUnderlying(0.05);
    await h.clock.advance(3_000);
    const changes = h.market.flatMap((e) =>
      e.type === "tick_size_change" ? [[e.oldTickSize, e.newTickSize]] : [],
    );
    expect(changes).toEqual([
      [10_000, 1_000],
      [10_000, 1_000],
    ]);
    expect(lastBook(h.market, h.up).tickSize).toBe(1_000);
    const markets = await h.run(h.venue.markets(OPTS));
    expect(markets.items.find((m) => m.windowId === h.window.windowId)?.tickSize).toBe(1_000);
  });

  it("sends a new market subscriber the current books without bumping seq", async () => {
    const h = await startVenue();
    h.venue.addLiquidity(h.up, "BUY", price(0.4), shares(10));
    const seq = lastBook(h.market, h.up).seq;
    const late: MarketEvent[] = [];
    h.venue.subscribeMarket((e) => late.push(e));
    await h.clock.advance(1);
    expect(lastBook(late, h.up)).toMatchObject({
      seq,
      bids: [{ price: price(0.4), size: shares(10) }],
    });
  });
});
