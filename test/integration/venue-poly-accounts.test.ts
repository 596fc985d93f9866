/**
 * Each wallet's API key trades its own account at `predator venue` (issue 17): its own
 * collateral, positions and allowance through `/balance-allowance`, funds checked against its own
 * account only, and a trade between two keys moves collateral and shares between exactly those
 * two accounts — the taker paying Polymarket's fee, the maker none — to the micro-unit. Driven
 * with the official client.
 */
import { AssetType, type ClobClient, OrderType, Side } from "@polymarket/clob-client-v2";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { takerFee } from "../../contracts/money.ts";
import { type PolyVenue, startPolyVenue } from "../../infra/venue-poly/index.ts";
import { OTHER_PRIVATE_KEY, TEST_PRIVATE_KEY, clobClient } from "./venue-poly-helpers.ts";

const OPTS = { tickSize: "0.01" as const, negRisk: false };
const M = 1_000_000;
const FEE_BPS = 700;
type Json = Record<string, unknown>;

let v: PolyVenue;
let alice: ClobClient;
let bob: ClobClient;
let up: string;
let down: string;

beforeAll(async () => {
  v = await startPolyVenue({
    clock: new SystemClock(),
    rng: new SeededRng(71),
    sim: { liquidity: { enabled: false }, tickSizeChange: { enabled: false } },
    startingCollateral: 1000 * M,
    accounts: { [privateKeyToAccount(OTHER_PRIVATE_KEY).address]: 200 * M },
  });
  const w = v.windows().find((x) => x.status === "LISTED");
  if (w === undefined) throw new Error("no listed window");
  up = w.upTokenId;
  down = w.downTokenId;
  alice = clobClient(v.url, await clobClient(v.url).createOrDeriveApiKey(), TEST_PRIVATE_KEY);
  const bobCreds = await clobClient(v.url, undefined, OTHER_PRIVATE_KEY).createOrDeriveApiKey();
  bob = clobClient(v.url, bobCreds, OTHER_PRIVATE_KEY);
});

afterAll(async () => {
  await v.stop();
});

async function cash(c: ClobClient): Promise<number> {
  const b = await c.getBalanceAllowance({ asset_type: AssetType.COLLATERAL });
  return Number(b.balance);
}

async function shares(c: ClobClient, tokenId: string): Promise<number> {
  const b = await c.getBalanceAllowance({ asset_type: AssetType.CONDITIONAL, token_id: tokenId });
  return Number(b.balance);
}

async function post(c: ClobClient, tokenID: string, side: Side, price: number, size: number) {
  return (await c.createAndPostOrder(
    { tokenID, price, size, side },
    OPTS,
    OrderType.GTC,
  )) as unknown as Json;
}

describe("each wallet's API key is its own account", () => {
  it("starts with its own collateral and no positions", async () => {
    expect(await cash(alice)).toBe(1000 * M);
    expect(await cash(bob)).toBe(200 * M);
    expect(await shares(alice, up)).toBe(0);
    expect(await shares(bob, up)).toBe(0);
  });

  it("funds are checked against the key's own account only", async () => {
    // $225 of BUY: more than Bob's $200, well within Alice's $1000.
    const bobBig = await post(bob, up, Side.BUY, 0.45, 500);
    expect(bobBig).toMatchObject({ error: "not enough balance / allowance", status: 400 });
    // Bob holds no Up shares, whatever Alice holds later.
    const bobSell = await post(bob, up, Side.SELL, 0.9, 5);
    expect(bobSell).toMatchObject({ error: "not enough balance / allowance", status: 400 });
    const aliceBig = await post(alice, up, Side.BUY, 0.05, 500);
    expect(aliceBig).toMatchObject({ success: true, status: "live" });
    expect(await alice.cancelAll()).toMatchObject({ canceled: [aliceBig.orderID] });
    expect(await cash(bob)).toBe(200 * M);
    expect(await cash(alice)).toBe(1000 * M);
  });

  it("a mint between two keys: the maker pays its price, the taker 1 − that plus the fee", async () => {
    // Alice rests BUY Up 10 @ 0.40; Bob's BUY Down 10 @ 0.60 takes it (0.40 + 0.60 = 1).
    const rest = await post(alice, up, Side.BUY, 0.4, 10);
    expect(rest).toMatchObject({ success: true, status: "live" });
    const take = await post(bob, down, Side.BUY, 0.6, 10);
    expect(take).toMatchObject({ success: true, status: "matched" });
    const fee = takerFee(10 * M, 600_000, FEE_BPS);
    expect(fee).toBe(168_000);
    expect(await cash(alice)).toBe(1000 * M - 4 * M);
    expect(await shares(alice, up)).toBe(10 * M);
    expect(await shares(alice, down)).toBe(0);
    expect(await cash(bob)).toBe(200 * M - 6 * M - fee);
    expect(await shares(bob, down)).toBe(10 * M);
    expect(await shares(bob, up)).toBe(0);
  });

  it("a trade on one token moves shares and collateral from one key to the other", async () => {
    // Alice sells 5 of her Up at 0.55; Bob buys them as the taker.
    const aliceBefore = await cash(alice);
    const bobBefore = await cash(bob);
    const rest = await post(alice, up, Side.SELL, 0.55, 5);
    expect(rest).toMatchObject({ success: true, status: "live" });
    const take = await post(bob, up, Side.BUY, 0.55, 5);
    expect(take).toMatchObject({ success: true, status: "matched", takingAmount: "5" });
    const fee = takerFee(5 * M, 550_000, FEE_BPS);
    expect(await cash(alice)).toBe(aliceBefore + 2_750_000);
    expect(await cash(bob)).toBe(bobBefore - 2_750_000 - fee);
    expect(await shares(alice, up)).toBe(5 * M);
    expect(await shares(bob, up)).toBe(5 * M);
    // Money is conserved between the two accounts but for the taker fees.
    const fees = takerFee(10 * M, 600_000, FEE_BPS) + fee;
    expect((await cash(alice)) + (await cash(bob))).toBe(1200 * M - 10 * M - fees);

    // Each key lists only its own side of each trade: Alice the maker, Bob the taker.
    const aliceTrades = (await alice.getTrades()) as unknown as Json[];
    const bobTrades = (await bob.getTrades()) as unknown as Json[];
    expect(aliceTrades.map((t) => t.trader_side).sort()).toEqual(["MAKER", "MAKER"]);
    expect(bobTrades.map((t) => t.trader_side).sort()).toEqual(["TAKER", "TAKER"]);
    const bobUp = bobTrades.find((t) => t.asset_id === up);
    expect(bobUp).toMatchObject({ side: "BUY", price: "0.55", size: "5" });
    const maker = (bobUp?.maker_orders as Json[])[0];
    expect(maker).toMatchObject({ order_id: rest.orderID, side: "SELL", price: "0.55" });
    expect(maker?.maker_address).toBe(privateKeyToAccount(TEST_PRIVATE_KEY).address);

    // Polymarket's formats: order ids are order hashes, trade ids UUIDs, transaction hashes
    // 0x + 64 hex; both keys see the same trade id and transaction hash for one match.
    expect(take.tradeIDs).toEqual([bobUp?.id]);
    const aliceUp = aliceTrades.find((t) => t.asset_id === up);
    expect(aliceUp?.id).toBe(bobUp?.id);
    expect(aliceUp?.transaction_hash).toBe(bobUp?.transaction_hash);
    for (const t of [...aliceTrades, ...bobTrades]) {
      expect(t.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(t.taker_order_id).toMatch(/^0x[0-9a-f]{64}$/);
      expect(t.transaction_hash).toMatch(/^0x[0-9a-f]{64}$/);
    }
  });
});
