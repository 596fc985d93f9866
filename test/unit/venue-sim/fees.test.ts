import { describe, expect, it } from "vitest";
import { MICRO, takerFee } from "../../../contracts/money.ts";
import { OPTS, price, shares, startVenue } from "./helpers.ts";

// Vectors from recorded on-chain V2 fills, reference/polymarket-api.md §4.3.
describe("SimVenue taker fees (Polymarket V2: shares × rate × p × (1 − p), floored to 5 dp)", () => {
  it("matches the recorded vectors", () => {
    expect(takerFee(7_575_758, 660_000, 500)).toBe(85_000);
    expect(takerFee(1_219_511, 820_000, 700)).toBe(12_590);
    expect(takerFee(7_570_000, 650_000, 500)).toBe(86_100);
    expect(takerFee(100 * MICRO, 500_000, 700)).toBe(1_750_000);
  });

  it("charges a BUY taker 7.575758 shares @0.66 at 500 bps exactly 0.085000 in collateral", async () => {
    const h = await startVenue({ feeRateBps: 500 });
    h.venue.addLiquidity(h.up, "SELL", price(0.66), shares(50));
    const r = await h.run(
      h.venue.placeOrder(h.req({ orderType: "FOK", price: price(0.66), size: 7_575_758 }), OPTS),
    );
    if (r.outcome !== "accepted") throw new Error(JSON.stringify(r));
    expect(r.trades.map((t) => t.fee)).toEqual([85_000]);
    // notional floor(7.575758 × 0.66) = 5.000000; fee 0.085000.
    const bal = (await h.run(h.venue.balance(OPTS))).value;
    expect(bal.collateral).toBe(1_000 * MICRO - 5_000_000 - 85_000);
    expect((await h.run(h.venue.positions(OPTS))).items).toEqual([
      { tokenId: h.up, shares: 7_575_758 },
    ]);
  });

  it("charges 1.219511 shares @0.82 at 700 bps 0.012590", async () => {
    const h = await startVenue({ minSize: MICRO, marketableBuyNotionalMin: 0 });
    h.venue.addLiquidity(h.up, "SELL", price(0.82), shares(50));
    const r = await h.run(
      h.venue.placeOrder(h.req({ orderType: "FAK", price: price(0.82), size: 1_219_511 }), OPTS),
    );
    expect(r.outcome === "accepted" && r.trades.map((t) => t.fee)).toEqual([12_590]);
  });

  it("takes a SELL taker's fee out of the proceeds: 7.57 @0.65 at 500 bps → 0.086100", async () => {
    const h = await startVenue({ feeRateBps: 500 });
    h.venue.adjustPosition(h.up, shares(7.57));
    h.venue.addLiquidity(h.up, "BUY", price(0.65), shares(50));
    const r = await h.run(
      h.venue.placeOrder(
        h.req({ side: "SELL", orderType: "FOK", price: price(0.65), size: shares(7.57) }),
        OPTS,
      ),
    );
    expect(r.outcome === "accepted" && r.trades.map((t) => t.fee)).toEqual([86_100]);
    const bal = (await h.run(h.venue.balance(OPTS))).value;
    expect(bal.collateral).toBe(1_000 * MICRO + 4_920_500 - 86_100);
  });
});
