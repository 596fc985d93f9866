import { describe, expect, it } from "vitest";
import { MICRO } from "../../../contracts/money.ts";
import { OPTS, price, shares, startVenue } from "./helpers.ts";

describe("SimVenue order rules", () => {
  it.each([
    ["off the tick", price(0.505)],
    ["below the tick", 0],
    ["at 1", MICRO],
    ["above 1 − tick", price(0.995)],
  ])("rejects a price %s with TICK_SIZE", async (_label, p) => {
    const h = await startVenue();
    const r = await h.run(h.venue.placeOrder(h.req({ price: p }), OPTS));
    expect(r).toMatchObject({ outcome: "rejected", code: "TICK_SIZE" });
  });

  it("accepts the extreme prices tick and 1 − tick", async () => {
    const h = await startVenue();
    for (const p of [price(0.01), price(0.99)]) {
      const r = await h.run(h.venue.placeOrder(h.req({ price: p, size: shares(100) }), OPTS));
      expect(r).toMatchObject({ outcome: "accepted", status: "OPEN" });
    }
  });

  it("rejects fewer than 5 shares with MIN_SIZE and sub-lot sizes with LOT_SIZE", async () => {
    const h = await startVenue();
    expect(await h.run(h.venue.placeOrder(h.req({ size: shares(4.99) }), OPTS))).toMatchObject({
      code: "MIN_SIZE",
    });
    expect(await h.run(h.venue.placeOrder(h.req({ size: shares(5.005) }), OPTS))).toMatchObject({
      code: "LOT_SIZE",
    });
  });

  it("rejects a BUY it cannot pay for, fee included, with INSUFFICIENT_BALANCE", async () => {
    // $100: 190 shares @0.50 cost $95 + worst fee 190 × 0.07 × 0.25 = $3.325 → fits;
    // 196 shares cost $98 + $3.43 → does not.
    const h = await startVenue({}, 1, 100 * MICRO);
    expect(await h.run(h.venue.placeOrder(h.req({ size: shares(196) }), OPTS))).toMatchObject({
      outcome: "rejected",
      code: "INSUFFICIENT_BALANCE",
    });
    expect(await h.run(h.venue.placeOrder(h.req({ size: shares(190) }), OPTS))).toMatchObject({
      outcome: "accepted",
    });
    // What is reserved for the first order is not available to the next.
    expect(await h.run(h.venue.placeOrder(h.req({ size: shares(10) }), OPTS))).toMatchObject({
      code: "INSUFFICIENT_BALANCE",
    });
  });

  it("rejects selling shares we do not have, counting shares held by resting SELLs", async () => {
    const h = await startVenue();
    const sell = h.req({ side: "SELL", size: shares(10) });
    expect(await h.run(h.venue.placeOrder(sell, OPTS))).toMatchObject({
      code: "INSUFFICIENT_BALANCE",
    });
    h.venue.adjustPosition(h.up, shares(15));
    expect(
      await h.run(h.venue.placeOrder(h.req({ side: "SELL", size: shares(10) }), OPTS)),
    ).toMatchObject({
      outcome: "accepted",
    });
    expect(
      await h.run(h.venue.placeOrder(h.req({ side: "SELL", size: shares(10) }), OPTS)),
    ).toMatchObject({
      code: "INSUFFICIENT_BALANCE",
    });
  });

  it("rejects a BUY beyond the allowance with INSUFFICIENT_ALLOWANCE", async () => {
    const h = await startVenue();
    h.venue.setAllowance(2 * MICRO);
    expect(await h.run(h.venue.placeOrder(h.req({ size: shares(10) }), OPTS))).toMatchObject({
      code: "INSUFFICIENT_ALLOWANCE",
    });
  });

  it("rejects a marketable BUY worth less than $1 with MIN_NOTIONAL", async () => {
    const h = await startVenue();
    h.venue.addLiquidity(h.up, "SELL", price(0.1), shares(100));
    const r = await h.run(h.venue.placeOrder(h.req({ price: price(0.1), size: shares(5) }), OPTS));
    expect(r).toMatchObject({ outcome: "rejected", code: "MIN_NOTIONAL" });
    // Resting (not marketable) at the same size is fine.
    const rest = await h.run(
      h.venue.placeOrder(h.req({ price: price(0.09), size: shares(5) }), OPTS),
    );
    expect(rest).toMatchObject({ outcome: "accepted", status: "OPEN" });
  });

  it("holds market orders (FOK/FAK) to $1 for a BUY, not to the share minimum", async () => {
    const h = await startVenue();
    h.venue.addLiquidity(h.up, "SELL", price(0.5), shares(100));
    h.venue.addLiquidity(h.up, "BUY", price(0.4), shares(100));
    const buy = (size: number) =>
      h.run(h.venue.placeOrder(h.req({ orderType: "FOK", price: price(0.5), size }), OPTS));
    expect(await buy(shares(1.5))).toMatchObject({ outcome: "rejected", code: "MIN_NOTIONAL" });
    expect(await buy(shares(2))).toMatchObject({ outcome: "accepted", status: "FILLED" });
    // A market SELL of 2 shares is fine too; a resting GTC of 2 is not.
    const sell = await h.run(
      h.venue.placeOrder(
        h.req({ side: "SELL", orderType: "FAK", price: price(0.4), size: shares(2) }),
        OPTS,
      ),
    );
    expect(sell).toMatchObject({ outcome: "accepted", status: "FILLED" });
    const gtc = await h.run(
      h.venue.placeOrder(h.req({ price: price(0.3), size: shares(2) }), OPTS),
    );
    expect(gtc).toMatchObject({ outcome: "rejected", code: "MIN_SIZE" });
  });

  it("rejects unknown tokens, bad expiries and bad client ids", async () => {
    const h = await startVenue();
    expect(await h.run(h.venue.placeOrder(h.req({ tokenId: "123" }), OPTS))).toMatchObject({
      code: "UNKNOWN_TOKEN",
    });
    const now = h.clock.now();
    for (const bad of [
      { orderType: "GTD" as const, expiresAt: null },
      { orderType: "GTD" as const, expiresAt: now + 30_000 },
      { orderType: "GTC" as const, expiresAt: now + 600_000 },
    ]) {
      expect(await h.run(h.venue.placeOrder(h.req(bad), OPTS))).toMatchObject({
        code: "INVALID_EXPIRY",
      });
    }
    expect(await h.run(h.venue.placeOrder(h.req({ clientOrderId: "" }), OPTS))).toMatchObject({
      code: "INVALID_ORDER",
    });
  });

  it("rejects orders on a resolved market with MARKET_CLOSED", async () => {
    const h = await startVenue();
    await h.clock.runUntil(h.window.endTs + 1);
    expect(await h.run(h.venue.placeOrder(h.req(), OPTS))).toMatchObject({ code: "MARKET_CLOSED" });
  });
});
