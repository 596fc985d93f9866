/**
 * `predator venue` against the official, unchanged `@polymarket/clob-client-v2` (issue 5): keys,
 * market data, every order type, cancels, paged queries, balances, heartbeat expiry, the ambiguous
 * 5xx, ghost fills and the real error bodies for bad signatures and bad HMACs.
 */
import {
  AssetType,
  type ClobClient,
  OrderType,
  Side,
  orderToJsonV2,
} from "@polymarket/clob-client-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { type PolyVenue, startPolyVenue } from "../../infra/venue-poly/index.ts";
import { orderHash, parsePostedOrder } from "../../infra/venue-poly/orders.ts";
import { WsProbe, clobClient, waitFor } from "./venue-poly-helpers.ts";

const OPTS = { tickSize: "0.01" as const, negRisk: false };

let v: PolyVenue;
let client: ClobClient;
let creds: { key: string; secret: string; passphrase: string };
/** Up token of the next (listed) window: it cannot resolve while the tests run. */
let up: string;
let down: string;
let conditionId: string;

type Json = Record<string, unknown>;
const asJson = (x: unknown): Json => x as Json;

beforeAll(async () => {
  v = await startPolyVenue({
    clock: new SystemClock(),
    rng: new SeededRng(7),
    pageSize: 2,
    sim: {
      liquidity: { enabled: false },
      tickSizeChange: { enabled: false },
      trades: { confirmDelayMs: 150 },
      heartbeatTimeoutMs: 300,
    },
  });
  const w = v.windows().find((x) => x.status === "LISTED");
  if (w === undefined) throw new Error("no listed window");
  up = w.upTokenId;
  down = w.downTokenId;
  conditionId = w.conditionId;
  const anon = clobClient(v.url);
  creds = await anon.createOrDeriveApiKey();
  client = clobClient(v.url, creds);
});

afterAll(async () => {
  await v.stop();
});

/** The order hash (orderID) of a signed order, as the venue computes it. */
function hashOf(signed: unknown): string {
  const body = orderToJsonV2(
    signed as Parameters<typeof orderToJsonV2>[0],
    creds.key,
    OrderType.GTC,
    false,
    false,
  );
  return orderHash(parsePostedOrder(JSON.parse(JSON.stringify(body))).order, 137, false);
}

async function collateral(): Promise<number> {
  return (await v.venue.balance({ timeoutMs: 1000 })).value.collateral;
}

describe("API keys (L1)", () => {
  it("creates once, then derives the same key deterministically", async () => {
    expect(creds.key).toMatch(/^[0-9a-f-]{36}$/);
    const anon = clobClient(v.url);
    const again = await anon.createApiKey();
    expect(again.key).toBeUndefined(); // 400 Could not create api key
    const derived = await anon.deriveApiKey();
    expect(derived).toEqual(creds);
    const keys = asJson(await client.getApiKeys());
    expect(keys.apiKeys).toEqual([creds.key]);
  });

  it("a different wallet never gets this wallet's key; a bad L1 signature is refused", async () => {
    const other = clobClient(
      v.url,
      undefined,
      "0x59c6995e998f97a5a0044966f0945389dc9c86dae88c7a8412f4603b6b78690d",
    );
    const k = await other.createOrDeriveApiKey();
    expect(k.key).not.toBe(creds.key);
    const res = await fetch(`${v.url}/auth/derive-api-key`, {
      headers: {
        POLY_ADDRESS: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        POLY_SIGNATURE: `0x${"11".repeat(65)}`,
        POLY_TIMESTAMP: "1",
        POLY_NONCE: "0",
      },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Invalid L1 Request headers" });
  });
});

describe("market data", () => {
  it("serves status, book(s) best-last, tick size, neg risk, fee and market info", async () => {
    v.addLiquidity(up, "SELL", 700_000, 10_000_000);
    v.addLiquidity(up, "SELL", 650_000, 10_000_000);
    v.addLiquidity(up, "BUY", 300_000, 10_000_000);
    v.addLiquidity(up, "BUY", 350_000, 10_000_000);
    expect(await client.getOk()).toBe("OK");
    const t = await client.getServerTime();
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(5);
    const book = asJson(await client.getOrderBook(up));
    expect(book.market).toBe(conditionId);
    expect(book.asset_id).toBe(up);
    expect(book.bids).toEqual([
      { price: "0.3", size: "10" },
      { price: "0.35", size: "10" },
    ]);
    expect(book.asks).toEqual([
      { price: "0.7", size: "10" },
      { price: "0.65", size: "10" },
    ]);
    expect(book.tick_size).toBe("0.01");
    expect(book.min_order_size).toBe("5");
    expect(book.neg_risk).toBe(false);
    expect(book.hash).toMatch(/^[0-9a-f]{40}$/);
    const books = await client.getOrderBooks([
      { token_id: up, side: Side.BUY },
      { token_id: down, side: Side.BUY },
    ]);
    expect(books.map((b) => b.asset_id)).toEqual([up, down]);
    expect(await client.getTickSize(up)).toBe("0.01");
    expect(await client.getNegRisk(up)).toBe(false);
    expect(await client.getFeeRateBps(up)).toBe(700);
    const info = asJson(await client.getClobMarketInfo(conditionId));
    expect(info.mts).toBe(0.01);
    expect(info.fd).toEqual({ r: 0.07, e: 1, to: true });
    expect(asJson(await client.getMarket(conditionId)).condition_id).toBe(conditionId);
    const missing = asJson(await client.getOrderBook("12345"));
    expect(missing).toEqual({
      error: "No orderbook exists for the requested token id",
      status: 404,
    });
  });
});

describe("orders", () => {
  it("a GTC limit order that rests, then is cancelled", async () => {
    const res = asJson(
      await client.createAndPostOrder(
        { tokenID: down, price: 0.2, size: 10, side: Side.BUY },
        OPTS,
        OrderType.GTC,
      ),
    );
    expect(res).toMatchObject({ success: true, status: "live", makingAmount: "", tradeIDs: [] });
    const id = String(res.orderID);
    expect(id).toMatch(/^0x[0-9a-f]{64}$/);
    const o = asJson(await client.getOrder(id));
    expect(o).toMatchObject({
      id,
      status: "LIVE",
      owner: creds.key,
      side: "BUY",
      original_size: "10",
      size_matched: "0",
      price: "0.2",
      order_type: "GTC",
      market: conditionId,
      asset_id: down,
      outcome: "Down",
    });
    // One binary book: Down's bids are our 0.2 plus the mirror of Up's asks (0.7, 0.65).
    const book = asJson(await client.getOrderBook(down));
    expect(book.bids).toEqual([
      { price: "0.2", size: "10" },
      { price: "0.3", size: "10" },
      { price: "0.35", size: "10" },
    ]);
    const c = asJson(await client.cancelOrder({ orderID: id }));
    expect(c).toEqual({ canceled: [id], not_canceled: {} });
    const again = asJson(await client.cancelOrder({ orderID: id }));
    expect(again.not_canceled).toEqual({ [id]: "already canceled or matched" });
    expect(asJson(await client.getOrder(id)).status).toBe("CANCELED");
  });

  it("a GTC order that fills, a partial fill, and the trades it leaves", async () => {
    const before = await collateral();
    const res = asJson(
      await client.createAndPostOrder(
        { tokenID: up, price: 0.65, size: 10, side: Side.BUY },
        OPTS,
        OrderType.GTC,
      ),
    );
    expect(res).toMatchObject({
      success: true,
      status: "matched",
      makingAmount: "6.5",
      takingAmount: "10",
    });
    expect((res.tradeIDs as string[]).length).toBe(1);
    expect((res.transactionsHashes as string[])[0]).toMatch(/^0x[0-9a-f]{64}$/);
    // 6.5 notional + taker fee 10 × 0.07 × 0.65 × 0.35 = 0.15925
    expect(before - (await collateral())).toBe(6_500_000 + 159_250);

    // 10 left at 0.70; ask 15 → 10 fill, 5 rest.
    const part = asJson(
      await client.createAndPostOrder(
        { tokenID: up, price: 0.7, size: 15, side: Side.BUY },
        OPTS,
        OrderType.GTC,
      ),
    );
    expect(part).toMatchObject({ status: "matched", takingAmount: "10", makingAmount: "7" });
    const o = asJson(await client.getOrder(String(part.orderID)));
    expect(o).toMatchObject({ status: "LIVE", size_matched: "10", original_size: "15" });
    expect((o.associate_trades as string[]).length).toBe(1);

    const trades = await client.getTrades({ market: conditionId });
    expect(trades.length).toBe(2);
    expect(trades[0]).toMatchObject({
      side: "BUY",
      trader_side: "TAKER",
      price: "0.65",
      size: "10",
      taker_order_id: res.orderID,
      asset_id: up,
      outcome: "Up",
    });
    const bal = asJson(
      await client.getBalanceAllowance({ asset_type: AssetType.CONDITIONAL, token_id: up }),
    );
    expect(bal.balance).toBe("20000000");
    const cash = asJson(await client.getBalanceAllowance({ asset_type: AssetType.COLLATERAL }));
    expect(cash.balance).toBe(String(await collateral()));
    expect(Object.keys(cash.allowances as Json).length).toBe(2);
    await client.cancelAll();
  });

  it("FOK fills completely or is killed; FAK fills what it can", async () => {
    v.addLiquidity(down, "SELL", 400_000, 10_000_000);
    const before = await collateral();
    const killed = asJson(
      await client.createAndPostMarketOrder(
        { tokenID: down, amount: 10, side: Side.BUY, price: 0.4 },
        OPTS,
        OrderType.FOK,
      ),
    );
    expect(killed).toEqual({
      error: "order couldn't be fully filled. FOK orders are fully filled or killed.",
      status: 400,
    });
    expect(await collateral()).toBe(before);
    const fok = asJson(
      await client.createAndPostMarketOrder(
        { tokenID: down, amount: 2, side: Side.BUY, price: 0.4 },
        OPTS,
        OrderType.FOK,
      ),
    );
    expect(fok).toMatchObject({ success: true, status: "matched", takingAmount: "5" });
    const fak = asJson(
      await client.createAndPostMarketOrder(
        { tokenID: down, amount: 10, side: Side.BUY, price: 0.4 },
        OPTS,
        OrderType.FAK,
      ),
    );
    expect(fak).toMatchObject({ success: true, status: "matched", takingAmount: "5" });
    expect(asJson(await client.getOrder(String(fak.orderID))).status).toBe("CANCELED");
    const none = asJson(
      await client.createAndPostMarketOrder(
        { tokenID: down, amount: 10, side: Side.BUY, price: 0.4 },
        OPTS,
        OrderType.FAK,
      ),
    );
    expect(none.status).toBe(400);
    expect(String(none.error)).toContain("no orders found to match with FAK order");
    // Sell 5 back into a bid with a market FOK SELL.
    v.addLiquidity(down, "BUY", 300_000, 5_000_000);
    const sell = asJson(
      await client.createAndPostMarketOrder(
        { tokenID: down, amount: 5, side: Side.SELL, price: 0.3 },
        OPTS,
        OrderType.FOK,
      ),
    );
    expect(sell).toMatchObject({ status: "matched", makingAmount: "5", takingAmount: "1.5" });
  });

  it("open orders and trades page through next_cursor until LTE=", async () => {
    const ids: string[] = [];
    for (const price of [0.1, 0.11, 0.12]) {
      const r = asJson(
        await client.createAndPostOrder(
          { tokenID: down, price, size: 5, side: Side.BUY },
          OPTS,
          OrderType.GTC,
        ),
      );
      ids.push(String(r.orderID));
    }
    const first = await client.getOpenOrders({ market: conditionId }, true);
    expect(first.length).toBe(2); // page size 2
    const all = await client.getOpenOrders({ market: conditionId });
    expect(all.map((o) => o.id).sort()).toEqual([...ids].sort());
    const raw = asJson(await client.getTradesPaginated({ market: conditionId }));
    expect(raw.next_cursor).toBe("Mg==");
    const trades = await client.getTrades();
    expect(trades.length).toBeGreaterThan(2);
    expect(new Set(trades.map((t) => t.id)).size).toBe(trades.length);
    const c = asJson(await client.cancelOrders(ids.slice(0, 2)));
    expect((c.canceled as string[]).sort()).toEqual(ids.slice(0, 2).sort());
    const rest = asJson(await client.cancelAll());
    expect(rest.canceled).toEqual([ids[2]]);
    expect(await client.getOpenOrders()).toEqual([]);
  });

  it("batch orders answer per order inline", async () => {
    const good = await client.createOrder(
      { tokenID: down, price: 0.15, size: 5, side: Side.BUY },
      OPTS,
    );
    const small = await client.createOrder(
      { tokenID: down, price: 0.15, size: 2, side: Side.BUY },
      OPTS,
    );
    const res = (await client.postOrders([
      { order: good, orderType: OrderType.GTC },
      { order: small, orderType: OrderType.GTC },
    ])) as unknown as Json[];
    expect(res[0]).toMatchObject({ success: true, status: "live" });
    expect(res[1]).toMatchObject({ success: false });
    expect(String(res[1]?.errorMsg)).toContain("lower than the minimum: 5");
    await client.cancelAll();
  });
});

describe("faults and safety", () => {
  it("heartbeat expiry cancels every open order", async () => {
    const r = asJson(
      await client.createAndPostOrder(
        { tokenID: down, price: 0.13, size: 5, side: Side.BUY },
        OPTS,
        OrderType.GTC,
      ),
    );
    const hb = asJson(await client.postHeartbeat());
    expect(typeof hb.heartbeat_id).toBe("string");
    await waitFor(
      "heartbeat expiry",
      async () => asJson(await client.getOrder(String(r.orderID))).status === "CANCELED",
    );
    expect(await client.getOpenOrders()).toEqual([]);
  });

  it("5xx on submit: the order may exist (accepted) or not — both happen", async () => {
    for (const accepted of [true, false]) {
      v.setFaults({ submit5xxFraction: 1, submit5xxAcceptedProbability: accepted ? 1 : 0 });
      const signed = await client.createOrder(
        { tokenID: down, price: 0.14, size: 5, side: Side.BUY },
        OPTS,
      );
      const res = asJson(await client.postOrder(signed, OrderType.GTC));
      expect(res).toEqual({ error: "could not insert order", status: 500 });
      v.setFaults({ submit5xxFraction: 0 });
      const found = asJson(await client.getOrder(hashOf(signed)));
      if (accepted) expect(found.status).toBe("LIVE");
      else expect(found).toEqual({ error: "Order not found", status: 404 });
    }
    await client.cancelAll();
  });

  it("a ghost fill: MATCHED then FAILED on the user channel, and the ledger reverts", async () => {
    const user = await WsProbe.open(`${v.wsUrl}/user`);
    user.send({
      type: "user",
      auth: { apiKey: creds.key, secret: creds.secret, passphrase: creds.passphrase },
      markets: [conditionId],
    });
    v.setFaults({ ghostFillProbability: 1 });
    v.addLiquidity(down, "SELL", 500_000, 5_000_000);
    const before = await collateral();
    const res = asJson(
      await client.createAndPostOrder(
        { tokenID: down, price: 0.5, size: 5, side: Side.BUY },
        OPTS,
        OrderType.GTC,
      ),
    );
    const tradeId = (res.tradeIDs as string[])[0];
    await user.next(
      "MATCHED",
      (e) => e.event_type === "trade" && e.id === tradeId && e.status === "MATCHED",
    );
    await user.next(
      "FAILED",
      (e) => e.event_type === "trade" && e.id === tradeId && e.status === "FAILED",
    );
    v.setFaults({ ghostFillProbability: 0 });
    expect(await collateral()).toBe(before);
    const trades = await client.getTrades({ id: String(tradeId) });
    expect(trades[0]?.status).toBe("FAILED");
    user.close();
  });

  it("a bad order signature and a bad HMAC get the real error bodies and change nothing", async () => {
    const before = await collateral();
    const openBefore = await client.getOpenOrders();
    const signed = await client.createOrder(
      { tokenID: down, price: 0.16, size: 5, side: Side.BUY },
      OPTS,
    );
    const tampered = { ...signed, makerAmount: String(Number(signed.makerAmount) + 10_000) };
    expect(asJson(await client.postOrder(tampered, OrderType.GTC))).toEqual({
      error: "invalid signature",
      status: 400,
    });
    const forged = clobClient(v.url, { ...creds, secret: Buffer.alloc(32, 7).toString("base64") });
    expect(asJson(await forged.postOrder(signed, OrderType.GTC))).toEqual({
      error: "Unauthorized/Invalid api key",
      status: 401,
    });
    expect(asJson(await forged.cancelAll())).toEqual({
      error: "Unauthorized/Invalid api key",
      status: 401,
    });
    expect(await collateral()).toBe(before);
    expect(await client.getOpenOrders()).toEqual(openBefore);
    expect(asJson(await client.getOrder(hashOf(signed))).status).toBe(404);
  });
});
