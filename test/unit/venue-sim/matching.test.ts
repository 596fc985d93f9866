import { describe, expect, it } from "vitest";
import { notional, takerFee } from "../../../contracts/money.ts";
import { OPTS, lastBook, price, shares, startVenue } from "./helpers.ts";

describe("SimVenue matching", () => {
  it("fills resting orders in price-time priority: the older order at a price trades first", async () => {
    const h = await startVenue();
    h.venue.adjustPosition(h.up, shares(20));
    const first = await h.run(h.venue.placeOrder(h.req({ side: "SELL", size: shares(10) }), OPTS));
    const second = await h.run(h.venue.placeOrder(h.req({ side: "SELL", size: shares(10) }), OPTS));
    h.venue.addLiquidity(h.up, "BUY", price(0.5), shares(15));
    if (first.outcome !== "accepted" || second.outcome !== "accepted")
      throw new Error("not accepted");
    const o1 = await h.run(h.venue.getOrder({ venueOrderId: first.venueOrderId }, OPTS));
    const o2 = await h.run(h.venue.getOrder({ venueOrderId: second.venueOrderId }, OPTS));
    expect([o1?.status, o1?.filledSize]).toEqual(["FILLED", shares(10)]);
    expect([o2?.status, o2?.filledSize]).toEqual(["PARTIALLY_FILLED", shares(5)]);
    h.venue.assertInvariants();
  });

  it("walks the book with slippage, one trade per maker order, each at the maker's price", async () => {
    const h = await startVenue();
    h.venue.addLiquidity(h.up, "SELL", price(0.5), shares(10));
    h.venue.addLiquidity(h.up, "SELL", price(0.51), shares(10));
    h.venue.addLiquidity(h.up, "SELL", price(0.53), shares(10));
    const before = (await h.run(h.venue.balance(OPTS))).value.collateral;
    const r = await h.run(
      h.venue.placeOrder(h.req({ orderType: "FOK", price: price(0.53), size: shares(25) }), OPTS),
    );
    if (r.outcome !== "accepted") throw new Error(JSON.stringify(r));
    expect(r.status).toBe("FILLED");
    expect(r.trades.map((t) => [t.price, t.size, t.liquidity])).toEqual([
      [price(0.5), shares(10), "TAKER"],
      [price(0.51), shares(10), "TAKER"],
      [price(0.53), shares(5), "TAKER"],
    ]);
    const cost = r.trades.reduce(
      (s, t) => s + notional(t.size, t.price) + takerFee(t.size, t.price, 700),
      0,
    );
    expect(r.trades.map((t) => t.fee)).toEqual(r.trades.map((t) => takerFee(t.size, t.price, 700)));
    const after = (await h.run(h.venue.balance(OPTS))).value.collateral;
    expect(before - after).toBe(cost);
    expect((await h.run(h.venue.positions(OPTS))).items).toEqual([
      { tokenId: h.up, shares: shares(25) },
    ]);
    expect(lastBook(h.market, h.up).asks).toEqual([{ price: price(0.53), size: shares(5) }]);
    const publicTrades = h.market.filter((e) => e.type === "trade");
    expect(publicTrades).toHaveLength(3);
  });

  it("rejects a FOK that cannot fill completely within its limit, changing nothing", async () => {
    const h = await startVenue();
    h.venue.addLiquidity(h.up, "SELL", price(0.5), shares(10));
    h.venue.addLiquidity(h.up, "SELL", price(0.52), shares(10));
    const seqBefore = lastBook(h.market, h.up).seq;
    const balanceBefore = (await h.run(h.venue.balance(OPTS))).value;
    for (const [limit, size] of [
      [0.52, 25],
      [0.51, 15],
    ] as const) {
      const r = await h.run(
        h.venue.placeOrder(
          h.req({ orderType: "FOK", price: price(limit), size: shares(size) }),
          OPTS,
        ),
      );
      expect(r).toMatchObject({ outcome: "rejected", code: "FOK_NOT_FILLED" });
    }
    expect(lastBook(h.market, h.up).seq).toBe(seqBefore);
    expect((await h.run(h.venue.balance(OPTS))).value).toEqual(balanceBefore);
    expect((await h.run(h.venue.openOrders(OPTS))).items).toEqual([]);
    expect(h.market.filter((e) => e.type === "trade")).toEqual([]);
  });

  it("fills a FAK as far as it can and cancels the rest", async () => {
    const h = await startVenue();
    h.venue.addLiquidity(h.up, "SELL", price(0.5), shares(10));
    h.venue.addLiquidity(h.up, "SELL", price(0.55), shares(10));
    const r = await h.run(
      h.venue.placeOrder(h.req({ orderType: "FAK", price: price(0.52), size: shares(25) }), OPTS),
    );
    expect(r).toMatchObject({ outcome: "accepted", status: "CANCELLED", filledSize: shares(10) });
    if (r.outcome !== "accepted") return;
    const o = await h.run(h.venue.getOrder({ venueOrderId: r.venueOrderId }, OPTS));
    expect(o).toMatchObject({
      status: "CANCELLED",
      cancelReason: "FAK_REMAINDER",
      remaining: shares(15),
    });
    expect((await h.run(h.venue.balance(OPTS))).value.reserved).toBe(0);
    const events = h.user.flatMap((e) => (e.type === "order" ? [e.event] : []));
    expect(events).toEqual(["placed", "cancelled"]);
  });

  it("rejects a FAK that matches nothing", async () => {
    const h = await startVenue();
    h.venue.addLiquidity(h.up, "SELL", price(0.6), shares(10));
    const r = await h.run(
      h.venue.placeOrder(h.req({ orderType: "FAK", price: price(0.55), size: shares(10) }), OPTS),
    );
    expect(r).toMatchObject({ outcome: "rejected", code: "FAK_NOT_FILLED" });
  });

  it("rests the unfilled part of a marketable GTC and reserves collateral for it", async () => {
    const h = await startVenue();
    h.venue.addLiquidity(h.up, "SELL", price(0.5), shares(10));
    const r = await h.run(
      h.venue.placeOrder(h.req({ price: price(0.51), size: shares(15) }), OPTS),
    );
    expect(r).toMatchObject({
      outcome: "accepted",
      status: "PARTIALLY_FILLED",
      filledSize: shares(10),
    });
    const bal = (await h.run(h.venue.balance(OPTS))).value;
    expect(bal.reserved).toBe(notional(shares(5), price(0.51)));
    expect(lastBook(h.market, h.up).bids).toEqual([{ price: price(0.51), size: shares(5) }]);
    h.venue.assertInvariants();
  });

  it("charges makers no fee and releases their reservation as they fill", async () => {
    const h = await startVenue();
    const r = await h.run(h.venue.placeOrder(h.req({ price: price(0.4), size: shares(20) }), OPTS));
    expect(r).toMatchObject({ outcome: "accepted", status: "OPEN" });
    h.venue.addLiquidity(h.up, "SELL", price(0.4), shares(20));
    const trades = (await h.run(h.venue.trades({}, OPTS))).items;
    expect(trades.map((t) => [t.liquidity, t.fee, t.price])).toEqual([["MAKER", 0, price(0.4)]]);
    const bal = (await h.run(h.venue.balance(OPTS))).value;
    expect(bal).toMatchObject({ collateral: 1_000_000_000 - 8_000_000, reserved: 0 });
    h.venue.assertInvariants();
  });

  it("cancels our resting order and refuses to cancel it twice", async () => {
    const h = await startVenue();
    const r = await h.run(h.venue.placeOrder(h.req(), OPTS));
    if (r.outcome !== "accepted") throw new Error("not accepted");
    expect(await h.run(h.venue.cancelOrder(r.venueOrderId, OPTS))).toEqual({
      cancelled: [r.venueOrderId],
      notCancelled: {},
    });
    expect(await h.run(h.venue.cancelOrder(r.venueOrderId, OPTS))).toEqual({
      cancelled: [],
      notCancelled: { [r.venueOrderId]: "ALREADY_CANCELLED" },
    });
    expect((await h.run(h.venue.balance(OPTS))).value.reserved).toBe(0);
    expect(lastBook(h.market, h.up).bids).toEqual([]);
  });
});
