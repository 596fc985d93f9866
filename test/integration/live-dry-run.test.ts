/**
 * DRY_RUN against `predator venue`: the order is signed by the official client exactly as LIVE
 * would send it, the body and the book at decision time are journaled, the fill is simulated at
 * that book — and nothing reaches the venue.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { takerFee } from "../../contracts/money.ts";
import { openToken } from "./live-support.ts";
import { startPolyVenue, type PolyVenue } from "../../infra/venue-poly/index.ts";
import { DryRunVenue, loadLiveVenue, type LiveVenue } from "../../infra/venue-live/index.ts";

const KEY = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
const M = 1_000_000;
const OPTS = { timeoutMs: 5_000 };

let poly: PolyVenue;
let live: LiveVenue;
let dry: DryRunVenue;
let token: string;
let off: () => void;

beforeAll(async () => {
  const clock = new SystemClock();
  poly = await startPolyVenue({ clock, rng: new SeededRng(31) });
  live = await loadLiveVenue(
    {
      host: poly.url,
      wsUrl: poly.wsUrl,
      chainId: 137,
      privateKey: KEY,
      creds: null,
      signatureType: 0,
    },
    { clock, rng: new SeededRng(32) },
  );
  dry = new DryRunVenue(live, clock, 100 * M);
  off = dry.subscribeMarket(() => undefined);
  token = await openToken(poly, 30_000);
  const start = Date.now();
  while (live.bookView(token)?.status !== "LIVE") {
    if (Date.now() - start > 10_000) throw new Error("no book");
    await new Promise((r) => setTimeout(r, 20));
  }
});

afterAll(async () => {
  off();
  live.close();
  await poly.stop();
});

describe("DRY_RUN", () => {
  it("signs, journals the body and the book, fills at the book, and sends nothing", async () => {
    const book = live.bookView(token);
    const ask = book?.asks[0];
    if (ask === undefined) throw new Error("no ask");
    const size = Math.min(5 * M, ask.size);
    const r = await dry.placeOrder(
      {
        clientOrderId: "d-1",
        tokenId: token,
        side: "BUY",
        orderType: "FAK",
        price: ask.price,
        size,
        expiresAt: null,
      },
      OPTS,
    );
    expect(r).toMatchObject({ outcome: "accepted", status: "FILLED", filledSize: size });
    if (r.outcome !== "accepted") return;
    const fee = r.trades[0]?.fee ?? -1;
    expect(r.trades).toEqual([
      expect.objectContaining({ price: ask.price, size, liquidity: "TAKER", status: "CONFIRMED" }),
    ]);
    const market = (await live.markets(OPTS)).items.find((m) => m.upTokenId === token);
    expect(fee).toBe(takerFee(size, ask.price, market?.feeRateBps ?? 0));
    // The journal: the exact POST body (signed, our API key as owner) and the book we decided on.
    const rec = dry.journal.at(-1);
    expect(rec?.hash).toBe(r.venueOrderId);
    expect(rec?.body).toMatchObject({
      orderType: "FAK",
      order: { tokenId: token, side: "BUY" },
    });
    expect((rec?.body as { order: { signature: string } }).order.signature).toMatch(
      /^0x[0-9a-f]{130}$/,
    );
    expect(rec?.book?.asks[0]).toEqual(ask);
    // Nothing reached the venue.
    expect((await live.openOrders(OPTS)).items).toEqual([]);
    expect((await live.trades({}, OPTS)).items).toEqual([]);
    // The simulated account moved: cash down by cost + fee, one position.
    const cost = Math.floor((size * ask.price) / M);
    expect((await dry.balance()).value.collateral).toBe(100 * M - cost - fee);
    expect((await dry.positions()).items).toEqual([{ tokenId: token, shares: size }]);
  });

  it("a FOK the book cannot fill is rejected, and still journaled", async () => {
    const depth = (live.bookView(token)?.asks ?? []).reduce((s, l) => s + l.size, 0);
    const r = await dry.placeOrder(
      {
        clientOrderId: "d-2",
        tokenId: token,
        side: "BUY",
        orderType: "FOK",
        price: 990_000,
        size: depth + 100 * M,
        expiresAt: null,
      },
      OPTS,
    );
    expect(r).toMatchObject({ outcome: "rejected", code: "FOK_NOT_FILLED" });
    expect(dry.journal.at(-1)?.clientOrderId).toBe("d-2");
  });

  it("a GTC below the book rests in the simulation and cancels there", async () => {
    const r = await dry.placeOrder(
      {
        clientOrderId: "d-3",
        tokenId: token,
        side: "BUY",
        orderType: "GTC",
        price: 10_000,
        size: 5 * M,
        expiresAt: null,
      },
      OPTS,
    );
    expect(r).toMatchObject({ outcome: "accepted", status: "OPEN", filledSize: 0 });
    if (r.outcome !== "accepted") return;
    expect((await dry.openOrders()).items.map((o) => o.venueOrderId)).toEqual([r.venueOrderId]);
    expect((await dry.cancelOrder(r.venueOrderId)).cancelled).toEqual([r.venueOrderId]);
    expect((await live.openOrders(OPTS)).items).toEqual([]);
  });
});
