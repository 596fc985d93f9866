/**
 * `predator venue` WebSockets with a plain `ws` client (as Polymarket's own examples do), and the
 * fault knobs that act on the network: dropped connections, stale books, timeouts, rejects, tick
 * changes, partial-fill storms, market resolution.
 */
import { type ClobClient, OrderType, Side } from "@polymarket/clob-client-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { type PolyVenue, startPolyVenue } from "../../infra/venue-poly/index.ts";
import { WsProbe, clobClient, waitFor } from "./venue-poly-helpers.ts";

const OPTS = { tickSize: "0.01" as const, negRisk: false };
type Json = Record<string, unknown>;

let v: PolyVenue;
let client: ClobClient;
let creds: { key: string; secret: string; passphrase: string };
let up: string;
let down: string;
let conditionId: string;

beforeAll(async () => {
  v = await startPolyVenue({
    clock: new SystemClock(),
    rng: new SeededRng(11),
    sim: {
      liquidity: { enabled: false },
      tickSizeChange: { enabled: false },
      trades: { confirmDelayMs: 100 },
    },
  });
  const w = v.windows().find((x) => x.status === "LISTED");
  if (w === undefined) throw new Error("no listed window");
  ({ upTokenId: up, downTokenId: down, conditionId } = w);
  creds = await clobClient(v.url).createOrDeriveApiKey();
  client = clobClient(v.url, creds);
});

afterAll(async () => {
  await v.stop();
});

async function marketProbe(assets: string[], custom = false): Promise<WsProbe> {
  const p = await WsProbe.open(`${v.wsUrl}/market`);
  p.send({
    type: "market",
    assets_ids: assets,
    initial_dump: true,
    level: 2,
    custom_feature_enabled: custom,
  });
  return p;
}

describe("market channel", () => {
  it("subscribe: a book snapshot per asset, best price last, as one array", async () => {
    v.addLiquidity(up, "BUY", 400_000, 10_000_000);
    v.addLiquidity(up, "BUY", 450_000, 20_000_000);
    v.addLiquidity(up, "SELL", 550_000, 30_000_000);
    v.addLiquidity(up, "SELL", 600_000, 40_000_000);
    const p = await marketProbe([up, down]);
    await waitFor("initial dump", () => p.frames.length > 0);
    const dump = p.frames[0] as Json[];
    expect(Array.isArray(dump)).toBe(true);
    expect(dump.map((b) => b.asset_id)).toEqual([up, down]);
    expect(dump[0]).toMatchObject({
      event_type: "book",
      market: conditionId,
      bids: [
        { price: "0.4", size: "10" },
        { price: "0.45", size: "20" },
      ],
      asks: [
        { price: "0.6", size: "40" },
        { price: "0.55", size: "30" },
      ],
      tick_size: "0.01",
    });
    // Down is the mirror of Up: a bid for Up at p is an offer of Down at 1 − p.
    expect(dump[1]).toMatchObject({
      event_type: "book",
      asset_id: down,
      bids: [
        { price: "0.4", size: "40" },
        { price: "0.45", size: "30" },
      ],
      asks: [
        { price: "0.6", size: "10" },
        { price: "0.55", size: "20" },
      ],
    });
    p.send("PING");
    await waitFor("PONG", () => p.raw.includes("PONG"));
    p.close();
  });

  it("price_change (price_changes[] with new aggregate sizes), last_trade_price, then a book", async () => {
    const p = await marketProbe([up]);
    await waitFor("initial dump", () => p.frames.length > 0);
    const r = (await client.createAndPostOrder(
      { tokenID: up, price: 0.42, size: 5, side: Side.BUY },
      OPTS,
      OrderType.GTC,
    )) as unknown as Json;
    const pc = await p.next("price_change", (e) => e.event_type === "price_change");
    expect(pc.market).toBe(conditionId);
    // One message for the market's binary book: the Up bid and its mirror, a Down ask at 0.58.
    expect(pc.price_changes).toEqual([
      expect.objectContaining({
        asset_id: up,
        price: "0.42",
        size: "5",
        side: "BUY",
        best_bid: "0.45",
        best_ask: "0.55",
      }),
      expect.objectContaining({ asset_id: down, price: "0.58", size: "5", side: "SELL" }),
    ]);
    // A trade: our BUY takes 10 of the 30 at 0.55.
    await client.createAndPostOrder(
      { tokenID: up, price: 0.55, size: 10, side: Side.BUY },
      OPTS,
      OrderType.GTC,
    );
    const ltp = await p.next("last_trade_price", (e) => e.event_type === "last_trade_price");
    expect(ltp).toMatchObject({ asset_id: up, price: "0.55", size: "10", side: "BUY" });
    // ...followed by a full snapshot of the book the trade touched (the dump was the first).
    await waitFor(
      "book after trade",
      () => p.events().filter((e) => e.event_type === "book").length >= 2,
    );
    const books = p.events().filter((e) => e.event_type === "book");
    const asks = books[books.length - 1]?.asks as Json[];
    expect(asks[asks.length - 1]).toEqual({ price: "0.55", size: "20" });
    const reduced = await p.next(
      "ask reduced",
      (e) =>
        e.event_type === "price_change" &&
        (e.price_changes as Json[]).some((c) => c.side === "SELL" && c.size === "20"),
    );
    expect(reduced).toBeDefined();
    await client.cancelOrder({ orderID: String(r.orderID) });
    const removed = await p.next(
      "level removed",
      (e) =>
        e.event_type === "price_change" &&
        (e.price_changes as Json[]).some((c) => c.price === "0.42" && c.size === "0"),
    );
    expect(removed).toBeDefined();
    p.close();
  });

  it("tick_size_change mid-window, and /tick-size follows it", async () => {
    const p = await marketProbe([up]);
    await waitFor("initial dump", () => p.frames.length > 0);
    const res = await fetch(`${v.url}/_predator/tick-size`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token_id: up, tick_size: "0.001" }),
    });
    expect(res.status).toBe(200);
    const e = await p.next("tick_size_change", (x) => x.event_type === "tick_size_change");
    expect(e).toMatchObject({ asset_id: up, old_tick_size: "0.01", new_tick_size: "0.001" });
    const tick = (await (await fetch(`${v.url}/tick-size?token_id=${up}`)).json()) as Json;
    expect(tick).toEqual({ minimum_tick_size: 0.001 });
    v.setTickSize(up, 10_000);
    p.close();
  });

  it("dropped connections and stale books", async () => {
    const p = await marketProbe([up]);
    await waitFor("initial dump", () => p.frames.length > 0);
    const dropped = (await (
      await fetch(`${v.url}/_predator/drop-ws`, { method: "POST" })
    ).json()) as Json;
    expect(dropped.dropped).toBeGreaterThanOrEqual(1);
    await waitFor("closed", () => p.closed);

    const q = await marketProbe([up]);
    await waitFor("initial dump", () => q.frames.length > 0);
    const before = (await client.getOrderBook(up)) as unknown as Json;
    v.setFaults({ staleBooks: true });
    v.addLiquidity(up, "BUY", 300_000, 5_000_000);
    // REST still serves the frozen book; the channel sent nothing for the change.
    const stale = (await client.getOrderBook(up)) as unknown as Json;
    expect(stale.bids).toEqual(before.bids);
    v.setFaults({ staleBooks: false });
    const fresh = (await client.getOrderBook(up)) as unknown as Json;
    expect(fresh.bids).toContainEqual({ price: "0.3", size: "5" });
    expect(q.events().filter((e) => e.event_type === "price_change")).toEqual([]);
    q.close();
  });
});

describe("user channel and submit faults", () => {
  it("rejects bad credentials; orders and trades flow MATCHED → MINED → CONFIRMED", async () => {
    const bad = await WsProbe.open(`${v.wsUrl}/user`);
    bad.send({ type: "user", auth: { apiKey: creds.key, secret: "x", passphrase: "y" } });
    await waitFor("closed", () => bad.closed);

    const u = await WsProbe.open(`${v.wsUrl}/user`);
    u.send({ type: "user", auth: { ...creds, apiKey: creds.key }, markets: [] });
    u.send("PING");
    await waitFor("PONG", () => u.raw.includes("PONG"));
    // 0.47: a SELL Down at 0.45 or less would merge with the resting SELL Up at 0.55.
    v.addLiquidity(down, "SELL", 470_000, 5_000_000);
    const r = (await client.createAndPostOrder(
      { tokenID: down, price: 0.47, size: 5, side: Side.BUY },
      OPTS,
      OrderType.GTC,
    )) as unknown as Json;
    const id = String(r.orderID);
    const tradeId = (r.tradeIDs as string[])[0];
    for (const status of ["MATCHED", "MINED", "CONFIRMED"]) {
      const t = await u.next(status, (e) => e.event_type === "trade" && e.status === status);
      expect(t).toMatchObject({
        type: "TRADE",
        id: tradeId,
        taker_order_id: id,
        trader_side: "TAKER",
        side: "BUY",
        price: "0.47",
        size: "5",
        owner: creds.key,
      });
    }
    const placement = await u.next("order", (e) => e.event_type === "order" && e.id === id);
    expect(placement).toMatchObject({ type: "PLACEMENT", owner: creds.key, market: conditionId });
    u.close();
  });

  it("timeout: the order is processed, the answer never comes", async () => {
    v.setFaults({ submitTimeoutFraction: 1, timeoutHoldMs: 100 });
    const res = (await client.createAndPostOrder(
      { tokenID: down, price: 0.11, size: 5, side: Side.BUY },
      OPTS,
      OrderType.GTC,
    )) as unknown as Json;
    v.setFaults({ submitTimeoutFraction: 0 });
    expect(res.status).toBeUndefined();
    expect(String(res.error)).toMatch(/socket hang up|ECONNRESET|aborted/);
    const open = await client.getOpenOrders({ asset_id: down });
    expect(open.map((o) => o.price)).toContain("0.11");
    await client.cancelAll();
  });

  it("reject: 503 trading disabled, nothing created", async () => {
    v.setFaults({ submitRejectFraction: 1 });
    const res = (await client.createAndPostOrder(
      { tokenID: down, price: 0.12, size: 5, side: Side.BUY },
      OPTS,
      OrderType.GTC,
    )) as unknown as Json;
    v.setFaults({ submitRejectFraction: 0 });
    expect(res).toEqual({
      error: "Trading is currently disabled. Check polymarket.com for updates",
      status: 503,
    });
    expect(await client.getOpenOrders()).toEqual([]);
  });

  it("a partial-fill storm fills a resting order in slices", async () => {
    const r = (await client.createAndPostOrder(
      { tokenID: down, price: 0.2, size: 15, side: Side.BUY },
      OPTS,
      OrderType.GTC,
    )) as unknown as Json;
    v.setFaults({ partialFillIntervalMs: 50, partialFillShares: 5_000_000 });
    await waitFor(
      "filled in slices",
      async () =>
        ((await client.getOrder(String(r.orderID))) as unknown as Json).status === "MATCHED",
    );
    v.setFaults({ partialFillIntervalMs: 0 });
    const o = (await client.getOrder(String(r.orderID))) as unknown as Json;
    expect(o.associate_trades).toHaveLength(3);
    const trades = await client.getTrades({ asset_id: down });
    const mine = trades.filter((t) => t.trader_side === "MAKER");
    expect(mine.map((t) => t.maker_orders[0]?.matched_amount)).toEqual(["5", "5", "5"]);
  });

  it("admin faults endpoint validates its input", async () => {
    const bad = await fetch(`${v.url}/_predator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ submit5xxFraction: 2 }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).error).toMatch(/^fault submit5xxFraction/);
    const ok = await fetch(`${v.url}/_predator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ latencyMs: 0 }),
    });
    expect(((await ok.json()) as Json).submit5xxFraction).toBe(0);
  });
});

describe("market_resolved", () => {
  it("is sent to custom-feature subscribers when a window resolves", async () => {
    const short = await startPolyVenue({
      clock: new SystemClock(),
      rng: new SeededRng(3),
      sim: { windowMs: 1_000, liquidity: { enabled: false }, underlying: { stepMs: 1_000 } },
    });
    try {
      // Every window not yet resolved: with 1 s windows, the open one may resolve before a slow
      // machine has subscribed, and a listed one resolves later.
      const pending = short.windows().filter((x) => x.status !== "RESOLVED");
      if (pending.length === 0) throw new Error("no open or listed window");
      const p = await WsProbe.open(`${short.wsUrl}/market`);
      p.send({
        type: "market",
        assets_ids: pending.map((x) => x.upTokenId),
        custom_feature_enabled: true,
      });
      const e = await p.next("market_resolved", (x) => x.event_type === "market_resolved");
      const w = pending.find((x) => x.conditionId === e.market);
      if (w === undefined) throw new Error(`resolved an unsubscribed market ${String(e.market)}`);
      expect(e).toMatchObject({ market: w.conditionId, assets_ids: [w.upTokenId, w.downTokenId] });
      expect([w.upTokenId, w.downTokenId]).toContain(e.winning_asset_id);
      p.close();
    } finally {
      await short.stop();
    }
  });
});
