/**
 * Every public (no-auth) read of the official `@polymarket/clob-client-v2` against `predator venue`,
 * compared with the shapes in shared/reference/polymarket-api.md §1.5 (issue 17): the single and
 * batch price reads, Polymarket's `/price` side convention, the simplified and sampling market
 * lists paged by `next_cursor`, price history, market info, and the binary book behind them all
 * (a resting BUY Down at q is an Up offer at 1 − q).
 */
import { type ClobClient, PriceHistoryInterval, Side } from "@polymarket/clob-client-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { type PolyVenue, startPolyVenue } from "../../infra/venue-poly/index.ts";
import { clobClient } from "./venue-poly-helpers.ts";

type Json = Record<string, unknown>;
const M = 1_000_000;

let v: PolyVenue;
let client: ClobClient;
let up: string;
let down: string;
let conditionId: string;

beforeAll(async () => {
  v = await startPolyVenue({
    clock: new SystemClock(),
    rng: new SeededRng(23),
    pageSize: 1,
    sim: { liquidity: { enabled: false }, tickSizeChange: { enabled: false } },
  });
  const w = v.windows().find((x) => x.status === "LISTED");
  if (w === undefined) throw new Error("no listed window");
  ({ upTokenId: up, downTokenId: down, conditionId } = w);
  // A trade on Up at 0.70 that leaves nothing behind: a last trade price, a market trade event.
  v.addLiquidity(up, "SELL", 700_000, 5 * M);
  v.addLiquidity(up, "BUY", 700_000, 5 * M);
  // Up: bid 0.40 (own), ask 0.60 (a BUY Down at 0.40, mirrored) and 0.62 (own).
  v.addLiquidity(up, "BUY", 400_000, 10 * M);
  v.addLiquidity(down, "BUY", 400_000, 20 * M);
  v.addLiquidity(up, "SELL", 620_000, 5 * M);
  client = clobClient(v.url);
});

afterAll(async () => {
  await v.stop();
});

describe("public reads of the official client", () => {
  it("status, version and server time", async () => {
    expect(await client.getOk()).toBe("OK");
    expect(await client.getVersion()).toBe(2);
    const t = await client.getServerTime();
    expect(Number.isInteger(t)).toBe(true);
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(5);
  });

  it("book of either token shows the binary book; /books batches it", async () => {
    const book = (await client.getOrderBook(up)) as unknown as Json;
    // Best last: bids ascending, asks descending.
    expect(book.bids).toEqual([{ price: "0.4", size: "10" }]);
    expect(book.asks).toEqual([
      { price: "0.62", size: "5" },
      { price: "0.6", size: "20" },
    ]);
    const downBook = (await client.getOrderBook(down)) as unknown as Json;
    expect(downBook.bids).toEqual([
      { price: "0.38", size: "5" },
      { price: "0.4", size: "20" },
    ]);
    expect(downBook.asks).toEqual([{ price: "0.6", size: "10" }]);
    const books = await client.getOrderBooks([
      { token_id: up, side: Side.BUY },
      { token_id: down, side: Side.SELL },
    ]);
    expect(books.map((b) => [b.asset_id, b.market])).toEqual([
      [up, conditionId],
      [down, conditionId],
    ]);
    expect(await client.getOrderBookHash(books[0] as never)).toMatch(/^[0-9a-f]{40}$/);
  });

  it("price: side=BUY answers the best bid, side=SELL the best ask (Polymarket's convention)", async () => {
    expect(await client.getPrice(up, "BUY")).toEqual({ price: "0.4" });
    expect(await client.getPrice(up, "SELL")).toEqual({ price: "0.6" });
    expect(
      await client.getPrices([
        { token_id: up, side: Side.BUY },
        { token_id: up, side: Side.SELL },
        { token_id: down, side: Side.BUY },
      ]),
    ).toEqual({ [up]: { BUY: "0.4", SELL: "0.6" }, [down]: { BUY: "0.4" } });
  });

  it("midpoint(s), spread(s), last trade price(s)", async () => {
    expect(await client.getMidpoint(up)).toEqual({ mid: "0.5" });
    expect(
      await client.getMidpoints([{ token_id: up } as never, { token_id: down } as never]),
    ).toEqual({ [up]: "0.5", [down]: "0.5" });
    expect(await client.getSpread(up)).toEqual({ spread: "0.2" });
    expect(
      await client.getSpreads([{ token_id: up } as never, { token_id: down } as never]),
    ).toEqual({ [up]: "0.2", [down]: "0.2" });
    expect(await client.getLastTradePrice(up)).toEqual({ price: "0.7", side: "BUY" });
    expect(
      await client.getLastTradesPrices([{ token_id: up } as never, { token_id: down } as never]),
    ).toEqual([
      { token_id: up, price: "0.7", side: "BUY" },
      { token_id: down, price: "0.5", side: "" },
    ]);
  });

  it("tick size, neg risk, fee rate, fee exponent and market info", async () => {
    expect(await client.getTickSize(up)).toBe("0.01");
    expect(await client.getNegRisk(up)).toBe(false);
    expect(await client.getFeeRateBps(up)).toBe(700);
    expect(await client.getFeeExponent(up)).toBe(1);
    const info = (await client.getClobMarketInfo(conditionId)) as unknown as Json;
    expect(info).toMatchObject({ mts: 0.01, mos: 5, nr: false, fd: { r: 0.07, e: 1, to: true } });
    const m = (await client.getMarket(conditionId)) as unknown as Json;
    expect(m).toMatchObject({ condition_id: conditionId, neg_risk: false, minimum_order_size: 5 });
  });

  it("markets, simplified and sampling lists page through next_cursor until LTE=", async () => {
    const all = async (get: (c?: string) => Promise<{ data: Json[]; next_cursor: string }>) => {
      const rows: Json[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 20; i++) {
        const p = await get(cursor);
        rows.push(...p.data);
        if (p.next_cursor === "LTE=") return rows;
        cursor = p.next_cursor;
      }
      throw new Error("no LTE= within 20 pages");
    };
    const windows = v.windows();
    const markets = await all((c) => client.getMarkets(c));
    expect(markets.map((m) => m.condition_id)).toEqual(windows.map((w) => w.conditionId));
    const simple = await all((c) => client.getSimplifiedMarkets(c));
    expect(simple).toHaveLength(windows.length);
    expect(Object.keys(simple[0] ?? {}).sort()).toEqual([
      "accepting_orders",
      "active",
      "archived",
      "closed",
      "condition_id",
      "rewards",
      "tokens",
    ]);
    const sampling = await all((c) => client.getSamplingMarkets(c));
    const samplingSimple = await all((c) => client.getSamplingSimplifiedMarkets(c));
    const open = windows.filter((w) => w.status !== "RESOLVED").map((w) => w.conditionId);
    expect(sampling.map((m) => m.condition_id)).toEqual(open);
    expect(samplingSimple.map((m) => m.condition_id)).toEqual(open);
    expect(sampling[0]).toHaveProperty("tokens");
    expect(sampling[0]).toHaveProperty("minimum_tick_size", 0.01);
  });

  it("price history of a token: { history: [{ t, p }] }", async () => {
    const h = (await client.getPricesHistory({
      market: up,
      interval: PriceHistoryInterval.ONE_HOUR,
    })) as unknown as { history: { t: number; p: number }[] };
    expect(h.history.length).toBeGreaterThanOrEqual(1);
    const last = h.history[h.history.length - 1];
    expect(last?.p).toBe(0.5);
    expect(Number.isInteger(last?.t)).toBe(true);
    const now = Math.floor(Date.now() / 1000);
    const ranged = (await client.getPricesHistory({
      market: up,
      startTs: now - 3600,
      endTs: now + 60,
      fidelity: 5,
    })) as unknown as { history: unknown[] };
    expect(ranged.history).toHaveLength(1);
    const bad = (await client.getPricesHistory({
      market: "12345",
      interval: PriceHistoryInterval.ONE_DAY,
    })) as unknown as Json;
    expect(bad).toEqual({ error: "No orderbook exists for the requested token id", status: 404 });
  });

  it("market trade events: the latest trades of a market", async () => {
    const events = (await client.getMarketTradesEvents(conditionId)) as unknown as Json[];
    expect(events[0]).toMatchObject({
      event_type: "trade",
      market: { condition_id: conditionId, asset_id: up },
      side: "BUY",
      price: "0.7",
      size: "5",
      outcome: "Up",
      outcome_index: 0,
    });
  });

  it("market price for a market order walks the binary book from its best end", async () => {
    // $8 of Up: 20 shares at 0.60 (the mirrored Down bid) cover it at 0.6.
    expect(await client.calculateMarketPrice(up, Side.BUY, 8)).toBe(0.6);
    expect(await client.calculateMarketPrice(down, Side.SELL, 10)).toBe(0.4);
  });

  it("malformed batch bodies get a 400 and change nothing", async () => {
    const r = await fetch(`${v.url}/prices`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ token_id: up, side: "UP" }]),
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: "Invalid side" });
    const r2 = await fetch(`${v.url}/midpoints`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token_id: up }),
    });
    expect(r2.status).toBe(400);
  });
});
