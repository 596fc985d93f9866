/**
 * The binary book through `predator venue` and the official client (issue 17): a resting BUY Down
 * at q is an Up offer at 1 − q on GET /book and the market channel (one price_change carries both
 * tokens); a BUY Up filling it is a mint (our maker fill on Down in the user channel), BUY + BUY as
 * taker mints, SELL + SELL merges, and balances move as they do on Polymarket.
 */
import { AssetType, type ClobClient, OrderType, Side } from "@polymarket/clob-client-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { notional, takerFee } from "../../contracts/money.ts";
import { type PolyVenue, startPolyVenue } from "../../infra/venue-poly/index.ts";
import { WsProbe, clobClient, waitFor } from "./venue-poly-helpers.ts";

const OPTS = { tickSize: "0.01" as const, negRisk: false };
const M = 1_000_000;
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
    rng: new SeededRng(31),
    sim: {
      liquidity: { enabled: false },
      tickSizeChange: { enabled: false },
      trades: { confirmDelayMs: 50 },
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

async function collateral(): Promise<number> {
  const b = await client.getBalanceAllowance({ asset_type: AssetType.COLLATERAL });
  return Number(b.balance);
}

async function shares(tokenId: string): Promise<number> {
  const b = await client.getBalanceAllowance({
    asset_type: AssetType.CONDITIONAL,
    token_id: tokenId,
  });
  return Number(b.balance);
}

describe("one binary book per market", () => {
  it("our resting BUY Down is an Up offer, and a BUY Up fills it: we are the complementary maker", async () => {
    const market = await WsProbe.open(`${v.wsUrl}/market`);
    market.send({ type: "market", assets_ids: [up], initial_dump: true });
    const u = await WsProbe.open(`${v.wsUrl}/user`);
    u.send({ type: "user", auth: { ...creds, apiKey: creds.key }, markets: [] });
    await waitFor("initial dump", () => market.frames.length > 0);
    const before = await collateral();

    const r = (await client.createAndPostOrder(
      { tokenID: down, price: 0.45, size: 10, side: Side.BUY },
      OPTS,
      OrderType.GTC,
    )) as unknown as Json;
    expect(r).toMatchObject({ success: true, status: "live" });
    const ourId = String(r.orderID);

    // One price_change with both tokens' levels, to a subscriber of Up alone.
    const pc = await market.next("price_change", (e) => e.event_type === "price_change");
    expect(pc.market).toBe(conditionId);
    expect(pc.price_changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ asset_id: up, side: "SELL", price: "0.55", size: "10" }),
        expect.objectContaining({ asset_id: down, side: "BUY", price: "0.45", size: "10" }),
      ]),
    );
    const upBook = (await client.getOrderBook(up)) as unknown as Json;
    expect(upBook.asks).toEqual([{ price: "0.55", size: "10" }]);
    expect((await client.getPrice(up, "SELL")) as unknown).toEqual({ price: "0.55" });

    // Someone buys 6 Up at 0.55: a mint with our BUY Down at 0.45.
    v.addLiquidity(up, "BUY", 550_000, 6 * M);
    const t = await u.next(
      "maker trade",
      (e) => e.event_type === "trade" && e.status === "MATCHED",
    );
    expect(t).toMatchObject({
      trader_side: "MAKER",
      market: conditionId,
      asset_id: up,
      side: "BUY",
      price: "0.55",
      size: "6",
      outcome: "Up",
    });
    expect(t.maker_orders).toEqual([
      expect.objectContaining({
        order_id: ourId,
        owner: creds.key,
        asset_id: down,
        side: "BUY",
        price: "0.45",
        matched_amount: "6",
        outcome: "Down",
      }),
    ]);
    const ltp = await market.next("last_trade_price", (e) => e.event_type === "last_trade_price");
    expect(ltp).toMatchObject({ asset_id: up, price: "0.55", side: "BUY" });
    // Minting spends our collateral at our price; we hold the Down shares.
    expect(before - (await collateral())).toBe(notional(6 * M, 450_000));
    expect(await shares(down)).toBe(6 * M);
    const trades = await client.getTrades({ id: String(t.id) });
    expect(trades[0]?.maker_orders[0]).toMatchObject({ asset_id: down, price: "0.45" });
    await client.cancelOrder({ orderID: ourId });
    market.close();
    u.close();
  });

  it("mint as taker: our market BUY Up takes a resting BUY Down, paying 1 − its price", async () => {
    v.addLiquidity(down, "BUY", 300_000, 10 * M);
    expect(((await client.getOrderBook(up)) as unknown as Json).asks).toEqual([
      { price: "0.7", size: "10" },
    ]);
    const before = await collateral();
    const r = (await client.createAndPostMarketOrder(
      { tokenID: up, amount: 3.5, side: Side.BUY },
      OPTS,
      OrderType.FOK,
    )) as unknown as Json;
    expect(r).toMatchObject({ success: true, status: "matched" });
    const [trade] = await client.getTrades({ id: (r.tradeIDs as string[])[0] ?? "" });
    expect(trade).toMatchObject({ trader_side: "TAKER", asset_id: up, side: "BUY", price: "0.7" });
    expect(trade?.maker_orders[0]).toMatchObject({ asset_id: down, side: "BUY", price: "0.3" });
    expect(await shares(up)).toBe(5 * M);
    const fee = takerFee(5 * M, 700_000, 700);
    expect(before - (await collateral())).toBe(notional(5 * M, 700_000) + fee);
  });

  it("merge as taker: our SELL Up takes a resting SELL Down, receiving 1 − its price", async () => {
    v.addLiquidity(down, "SELL", 350_000, 5 * M);
    expect(((await client.getOrderBook(up)) as unknown as Json).bids).toEqual([
      { price: "0.65", size: "5" },
    ]);
    const before = await collateral();
    const sell = await client.createOrder(
      { tokenID: up, price: 0.6, size: 5, side: Side.SELL },
      OPTS,
    );
    const r = (await client.postOrder(sell, OrderType.FOK)) as unknown as Json;
    expect(r).toMatchObject({ success: true, status: "matched" });
    const [trade] = await client.getTrades({ id: (r.tradeIDs as string[])[0] ?? "" });
    expect(trade).toMatchObject({ side: "SELL", price: "0.65" });
    expect(trade?.maker_orders[0]).toMatchObject({ asset_id: down, side: "SELL", price: "0.35" });
    expect(await shares(up)).toBe(0);
    const fee = takerFee(5 * M, 650_000, 700);
    expect((await collateral()) - before).toBe(notional(5 * M, 650_000) - fee);
  });
});
