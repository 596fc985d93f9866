/**
 * Polymarket's order rules through `predator venue` and the official client (issue 17; reference
 * §1.8, §1.9, §4.1–4.2): the $1 minimum of a marketable BUY, the share minimum of resting limit
 * orders only, the tick rule, FOK/FAK/GTD/post-only refusals — each with Polymarket's text, HTTP
 * status and number format, and nothing changed by a refusal.
 */
import { type ClobClient, OrderType, Side } from "@polymarket/clob-client-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { type PolyVenue, startPolyVenue } from "../../infra/venue-poly/index.ts";
import { OTHER_PRIVATE_KEY, WsProbe, clobClient, waitFor } from "./venue-poly-helpers.ts";

const OPTS = { tickSize: "0.01" as const, negRisk: false };
const M = 1_000_000;
type Json = Record<string, unknown>;

let v: PolyVenue;
let client: ClobClient;
let up: string;
let creds: { key: string; secret: string; passphrase: string };

beforeAll(async () => {
  v = await startPolyVenue({
    clock: new SystemClock(),
    rng: new SeededRng(41),
    sim: { liquidity: { enabled: false }, tickSizeChange: { enabled: false } },
  });
  const w = v.windows().find((x) => x.status === "LISTED");
  if (w === undefined) throw new Error("no listed window");
  up = w.upTokenId;
  creds = await clobClient(v.url).createOrDeriveApiKey();
  client = clobClient(v.url, creds);
  v.addLiquidity(up, "SELL", 500_000, 100 * M);
  v.addLiquidity(up, "BUY", 400_000, 100 * M);
});

afterAll(async () => {
  await v.stop();
});

const collateral = async () => (await v.venue.balance({ timeoutMs: 1_000 })).value.collateral;

describe("order rules with Polymarket's texts", () => {
  it("a market BUY needs $1: $0.5 is refused, $1 (2 shares, below the 5-share minimum) fills", async () => {
    const before = await collateral();
    const small = (await client.createAndPostMarketOrder(
      { tokenID: up, amount: 0.5, side: Side.BUY, price: 0.5 },
      OPTS,
      OrderType.FOK,
    )) as unknown as Json;
    expect(small).toEqual({
      error: "invalid amount for a marketable BUY order ($0.5), min size: $1",
      status: 400,
    });
    expect(await collateral()).toBe(before);
    const one = (await client.createAndPostMarketOrder(
      { tokenID: up, amount: 1, side: Side.BUY, price: 0.5 },
      OPTS,
      OrderType.FOK,
    )) as unknown as Json;
    expect(one).toMatchObject({ success: true, status: "matched", takingAmount: "2" });
  });

  it("a resting limit order needs 5 shares", async () => {
    const r = (await client.createAndPostOrder(
      { tokenID: up, price: 0.3, size: 3, side: Side.BUY },
      OPTS,
      OrderType.GTC,
    )) as unknown as Json;
    expect(r.status).toBe(400);
    expect(r.error).toMatch(
      /^order 0x[0-9a-f]{64} is invalid\. Size \(3\) lower than the minimum: 5$/,
    );
  });

  it("a price off the market's tick is refused with the tick in Polymarket's format", async () => {
    // Signed by a fresh client while the tick is 0.001, posted after it went back to 0.01.
    v.setTickSize(up, 1_000);
    const signed = await clobClient(v.url, creds).createOrder(
      { tokenID: up, price: 0.305, size: 5, side: Side.BUY },
      { tickSize: "0.001", negRisk: false },
    );
    v.setTickSize(up, 10_000);
    const r = (await client.postOrder(signed, OrderType.GTC)) as unknown as Json;
    expect(r.status).toBe(400);
    expect(r.error).toMatch(
      /^order 0x[0-9a-f]{64} is invalid\. Price \(0\.305\) breaks minimum tick size rule: 0\.01$/,
    );
  });

  it("FOK that cannot fill completely, FAK that matches nothing, a crossing post-only order", async () => {
    const fok = await client.createOrder(
      { tokenID: up, price: 0.5, size: 500, side: Side.BUY },
      OPTS,
    );
    expect(await client.postOrder(fok, OrderType.FOK)).toEqual({
      error: "order couldn't be fully filled. FOK orders are fully filled or killed.",
      status: 400,
    });
    const fak = await client.createOrder(
      { tokenID: up, price: 0.45, size: 5, side: Side.BUY },
      OPTS,
    );
    expect(await client.postOrder(fak, OrderType.FAK)).toEqual({
      error:
        "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found.",
      status: 400,
    });
    const post = await client.createOrder(
      { tokenID: up, price: 0.5, size: 5, side: Side.BUY },
      OPTS,
    );
    expect(await client.postOrder(post, OrderType.GTC, true)).toEqual({
      error: "invalid post-only order: order crosses book",
      status: 400,
    });
    const ok = await client.createOrder(
      { tokenID: up, price: 0.45, size: 5, side: Side.BUY },
      OPTS,
    );
    expect(await client.postOrder(ok, OrderType.GTC, true)).toMatchObject({
      success: true,
      status: "live",
    });
    await client.cancelAll();
  });

  it("a GTD order expiring within the security minute is refused", async () => {
    const gtd = await client.createOrder(
      {
        tokenID: up,
        price: 0.3,
        size: 5,
        side: Side.BUY,
        expiration: Math.floor(Date.now() / 1000) + 30,
      },
      OPTS,
    );
    expect(await client.postOrder(gtd, OrderType.GTD)).toEqual({
      error: "invalid expiration",
      status: 400,
    });
  });
});

describe("one API key cannot see or cancel another's orders", () => {
  it("orders, cancels, cancel-all, trades and the user channel are per key", async () => {
    const otherCreds = await clobClient(v.url, undefined, OTHER_PRIVATE_KEY).createOrDeriveApiKey();
    expect(otherCreds.key).not.toBe(creds.key);
    const other = clobClient(v.url, otherCreds, OTHER_PRIVATE_KEY);
    const otherWs = await WsProbe.open(`${v.wsUrl}/user`);
    otherWs.send({ type: "user", auth: { ...otherCreds, apiKey: otherCreds.key }, markets: [] });
    const mineWs = await WsProbe.open(`${v.wsUrl}/user`);
    mineWs.send({ type: "user", auth: { ...creds, apiKey: creds.key }, markets: [] });
    otherWs.send("PING");
    mineWs.send("PING");
    await waitFor(
      "both subscribed",
      () => otherWs.raw.includes("PONG") && mineWs.raw.includes("PONG"),
    );

    const r = (await client.createAndPostOrder(
      { tokenID: up, price: 0.3, size: 5, side: Side.BUY },
      OPTS,
      OrderType.GTC,
    )) as unknown as Json;
    const id = String(r.orderID);
    await mineWs.next("our placement", (e) => e.event_type === "order" && e.id === id);

    expect(await other.getOrder(id)).toEqual({ error: "Order not found", status: 404 });
    expect(await other.getOpenOrders()).toEqual([]);
    expect(await other.cancelOrder({ orderID: id })).toEqual({
      canceled: [],
      not_canceled: { [id]: "Order not found or already canceled" },
    });
    expect(await other.cancelAll()).toEqual({ canceled: [], not_canceled: {} });
    expect(await other.getTrades()).toEqual([]);
    expect(otherWs.events().filter((e) => e.event_type === "order")).toEqual([]);
    // Still ours, still live.
    expect(((await client.getOrder(id)) as unknown as Json).status).toBe("LIVE");
    expect(await client.cancelAll()).toEqual({ canceled: [id], not_canceled: {} });
    otherWs.close();
    mineWs.close();
  });
});
