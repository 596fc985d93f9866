/**
 * The two outcome tokens of a window are one binary book (reference/polymarket-api.md §2.2): a
 * resting BUY Down at q is an offer of Up at 1 − q (mint), a resting SELL Down at q a bid for Up at
 * 1 − q (merge), and every view of either token shows it.
 */
import { describe, expect, it } from "vitest";
import { MICRO, notional, takerFee } from "../../../contracts/money.ts";
import { OPTS, lastBook, price, shares, startVenue } from "./helpers.ts";

describe("SimVenue binary book (complementary matching)", () => {
  it("shows a resting BUY Down at 0.40 as an Up offer at 0.60, next to Up's own asks", async () => {
    const h = await startVenue();
    h.venue.addLiquidity(h.down, "BUY", price(0.4), shares(10));
    h.venue.addLiquidity(h.up, "SELL", price(0.6), shares(5));
    h.venue.addLiquidity(h.up, "SELL", price(0.62), shares(7));
    const up = lastBook(h.market, h.up);
    expect(up.asks).toEqual([
      { price: price(0.6), size: shares(15) },
      { price: price(0.62), size: shares(7) },
    ]);
    const down = lastBook(h.market, h.down);
    expect(down.bids).toEqual([
      { price: price(0.4), size: shares(15) },
      { price: price(0.38), size: shares(7) },
    ]);
    expect(h.venue.bookSnapshot(h.up)?.asks).toEqual(up.asks);
    h.venue.assertInvariants();
  });

  it("mints: our BUY Up at 0.60 takes a resting BUY Down at 0.40, paying 0.60 a share", async () => {
    const h = await startVenue();
    h.venue.addLiquidity(h.down, "BUY", price(0.4), shares(10));
    const before = (await h.run(h.venue.balance(OPTS))).value.collateral;
    const r = await h.run(
      h.venue.placeOrder(h.req({ orderType: "FOK", price: price(0.6), size: shares(10) }), OPTS),
    );
    if (r.outcome !== "accepted") throw new Error(JSON.stringify(r));
    expect(r.trades.map((t) => [t.tokenId, t.side, t.price, t.size, t.liquidity])).toEqual([
      [h.up, "BUY", price(0.6), shares(10), "TAKER"],
    ]);
    const fee = takerFee(shares(10), price(0.6), 700);
    const after = (await h.run(h.venue.balance(OPTS))).value.collateral;
    expect(before - after).toBe(notional(shares(10), price(0.6)) + fee);
    expect((await h.run(h.venue.positions(OPTS))).items).toEqual([
      { tokenId: h.up, shares: shares(10) },
    ]);
    // Both tokens print the match, each at its own price; both books lose the level.
    const trades = h.market.flatMap((e) => (e.type === "trade" ? [e] : []));
    expect(trades.map((t) => [t.tokenId, t.price, t.side])).toEqual([
      [h.up, price(0.6), "BUY"],
      [h.down, price(0.4), "SELL"],
    ]);
    expect(lastBook(h.market, h.up).asks).toEqual([]);
    expect(lastBook(h.market, h.down).bids).toEqual([]);
    h.venue.assertInvariants();
  });

  it("fills our resting BUY Down as the complementary maker of a BUY Up, at our own price", async () => {
    const h = await startVenue();
    const resting = await h.run(
      h.venue.placeOrder(h.req({ tokenId: h.down, price: price(0.45), size: shares(10) }), OPTS),
    );
    if (resting.outcome !== "accepted") throw new Error(JSON.stringify(resting));
    const before = (await h.run(h.venue.balance(OPTS))).value;
    expect(before.reserved).toBe(notional(shares(10), price(0.45)));
    h.venue.addLiquidity(h.up, "BUY", price(0.56), shares(6));
    const trades = (await h.run(h.venue.trades({}, OPTS))).items;
    expect(trades.map((t) => [t.tokenId, t.side, t.price, t.size, t.liquidity, t.fee])).toEqual([
      [h.down, "BUY", price(0.45), shares(6), "MAKER", 0],
    ]);
    const after = (await h.run(h.venue.balance(OPTS))).value;
    expect(before.collateral - after.collateral).toBe(notional(shares(6), price(0.45)));
    expect(after.reserved).toBe(notional(shares(4), price(0.45)));
    expect((await h.run(h.venue.positions(OPTS))).items).toEqual([
      { tokenId: h.down, shares: shares(6) },
    ]);
    h.venue.assertInvariants();
  });

  it("merges: our SELL Up at 0.55 takes a resting SELL Down at 0.40, receiving 0.60", async () => {
    const h = await startVenue();
    h.venue.adjustPosition(h.up, shares(10));
    h.venue.addLiquidity(h.down, "SELL", price(0.4), shares(10));
    expect(lastBook(h.market, h.up).bids).toEqual([{ price: price(0.6), size: shares(10) }]);
    const before = (await h.run(h.venue.balance(OPTS))).value.collateral;
    const r = await h.run(
      h.venue.placeOrder(
        h.req({ side: "SELL", orderType: "FAK", price: price(0.55), size: shares(10) }),
        OPTS,
      ),
    );
    if (r.outcome !== "accepted") throw new Error(JSON.stringify(r));
    expect(r.trades.map((t) => [t.side, t.price, t.size])).toEqual([
      ["SELL", price(0.6), shares(10)],
    ]);
    const after = (await h.run(h.venue.balance(OPTS))).value.collateral;
    const fee = takerFee(shares(10), price(0.6), 700);
    expect(after - before).toBe(notional(shares(10), price(0.6)) - fee);
    expect((await h.run(h.venue.positions(OPTS))).items).toEqual([]);
    h.venue.assertInvariants();
  });

  it("keeps time priority across the two tokens at one price", async () => {
    const h = await startVenue();
    h.venue.addLiquidity(h.down, "BUY", price(0.5), shares(5)); // an Up offer at 0.50, first
    h.venue.addLiquidity(h.up, "SELL", price(0.5), shares(5)); // Up's own ask at 0.50, second
    const r = await h.run(
      h.venue.placeOrder(h.req({ orderType: "FOK", price: price(0.5), size: shares(7) }), OPTS),
    );
    if (r.outcome !== "accepted") throw new Error(JSON.stringify(r));
    const trades = h.market.flatMap((e) => (e.type === "trade" ? [e] : []));
    expect(trades.map((t) => [t.tokenId === h.up ? "up" : "down", t.price, t.size])).toEqual([
      ["up", price(0.5), shares(5)],
      ["down", price(0.5), shares(5)],
      ["up", price(0.5), shares(2)],
    ]);
    expect(lastBook(h.market, h.up).asks).toEqual([{ price: price(0.5), size: shares(3) }]);
    h.venue.assertInvariants();
  });

  it("never matches a BUY Up with a SELL Down (both are bids for Up)", async () => {
    const h = await startVenue();
    h.venue.addLiquidity(h.down, "SELL", price(0.45), shares(5)); // a bid for Up at 0.55
    const r = await h.run(h.venue.placeOrder(h.req({ price: price(0.56) }), OPTS));
    if (r.outcome !== "accepted") throw new Error(JSON.stringify(r));
    expect([r.status, r.trades]).toEqual(["OPEN", []]);
    expect(lastBook(h.market, h.up).bids).toEqual([
      { price: price(0.56), size: shares(10) },
      { price: MICRO - price(0.45), size: shares(5) },
    ]);
    expect(lastBook(h.market, h.down).asks).toEqual([
      { price: price(0.44), size: shares(10) },
      { price: price(0.45), size: shares(5) },
    ]);
    h.venue.assertInvariants();
  });
});
