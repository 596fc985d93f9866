import { describe, expect, it } from "vitest";
import { takerFee } from "../../../contracts/money.ts";
import {
  averagePrice,
  bookFill,
  costReleased,
  EMPTY_HOLDINGS,
  settle,
  slippage,
  unrealizedPnl,
  type Holdings,
} from "../../../agents/portfolio/pnl.ts";

const fill = (side: "BUY" | "SELL", price: number, size: number) => ({
  side,
  price,
  size,
  fee: takerFee(size, price, 700),
});

describe("PnL in integer micro-units, net of fees", () => {
  it("uses the venue's fee formula for the fixture fills", () => {
    expect(takerFee(10_000_000, 500_000, 700)).toBe(175_000);
    expect(takerFee(10_000_000, 700_000, 700)).toBe(147_000);
  });

  it("a round trip: buy 10 @ 0.50, sell 10 @ 0.70 realizes 7 − 5 − 0.175 − 0.147 = 1.678", () => {
    const bought = bookFill(EMPTY_HOLDINGS, fill("BUY", 500_000, 10_000_000));
    expect(bought).toMatchObject({ size: 10_000_000, costBasis: 5_000_000, fees: 175_000 });
    expect(bought.realizedPnl).toBe(-175_000);
    const sold = bookFill(bought, fill("SELL", 700_000, 10_000_000));
    expect(sold).toMatchObject({ size: 0, costBasis: 0, fees: 322_000, exitProceeds: 7_000_000 });
    expect(sold.realizedPnl).toBe(1_678_000);
  });

  it("two entries, a partial exit at average cost, the rest settled at 1", () => {
    let h: Holdings = EMPTY_HOLDINGS;
    h = bookFill(h, fill("BUY", 330_000, 3_000_000)); // cost 0.99, fee 0.04643
    h = bookFill(h, fill("BUY", 410_000, 7_000_000)); // cost 2.87, fee 0.11853
    expect(h.fees).toBe(46_430 + 118_530);
    expect(averagePrice(h.entryCost, h.entrySize)).toBe(386_000);
    h = bookFill(h, fill("SELL", 450_000, 4_000_000)); // proceeds 1.80, fee 0.0693
    expect(h.costBasis).toBe(3_860_000 - 1_544_000);
    expect(h.realizedPnl).toBe(-46_430 - 118_530 + 1_800_000 - 1_544_000 - 69_300);
    h = settle(h, 1_000_000);
    expect(h).toMatchObject({ size: 0, costBasis: 0, settledSize: 6_000_000, payout: 6_000_000 });
    // proceeds + payout − cost − fees
    expect(h.realizedPnl).toBe(1_800_000 + 6_000_000 - 3_860_000 - 234_260);
    expect(h.realizedPnl).toBe(3_705_740);
  });

  it("settlement at 0 loses the whole cost plus the entry fee", () => {
    const h = settle(bookFill(EMPTY_HOLDINGS, fill("BUY", 500_000, 10_000_000)), 0);
    expect(h.payout).toBe(0);
    expect(h.realizedPnl).toBe(-5_175_000);
  });

  it("settles part of a holding, releasing its share of the cost basis", () => {
    const h = bookFill(EMPTY_HOLDINGS, fill("BUY", 500_000, 10_000_000));
    const part = settle(h, 1_000_000, 4_000_000);
    expect(part).toMatchObject({ size: 6_000_000, costBasis: 3_000_000, settledSize: 4_000_000 });
    expect(part.realizedPnl).toBe(-175_000 + 4_000_000 - 2_000_000);
    expect(settle(part, 1_000_000).costBasis).toBe(0);
  });

  it("unrealized PnL is the mark value less cost basis and the exit fee at the mark", () => {
    const h = bookFill(EMPTY_HOLDINGS, fill("BUY", 500_000, 10_000_000));
    expect(unrealizedPnl(h, 600_000, 700)).toBe(6_000_000 - 5_000_000 - 168_000);
    expect(unrealizedPnl(h, null, 700)).toBe(0);
    expect(unrealizedPnl(EMPTY_HOLDINGS, 600_000, 700)).toBe(0);
  });

  it("releases cost basis proportionally, floored, and all of the rest on the last sell", () => {
    const h: Holdings = { ...EMPTY_HOLDINGS, size: 3_000_000, costBasis: 1_000_001 };
    expect(costReleased(h, 1_000_000)).toBe(333_333);
    expect(costReleased(h, 3_000_000)).toBe(1_000_001);
    const afterTwo = bookFill(
      bookFill(h, { side: "SELL", price: 400_000, size: 1_000_000, fee: 0 }),
      {
        side: "SELL",
        price: 400_000,
        size: 2_000_000,
        fee: 0,
      },
    );
    expect(afterTwo.costBasis).toBe(0);
  });

  it("slippage is signed against us: positive when we paid more or got less", () => {
    expect(
      slippage({ side: "BUY", price: 500_000, intendedPrice: 490_000, size: 10_000_000 }),
    ).toEqual({
      adversePriceMicro: 10_000,
      adverseCostMicro: 100_000,
    });
    expect(
      slippage({ side: "SELL", price: 680_000, intendedPrice: 700_000, size: 10_000_000 }),
    ).toEqual({
      adversePriceMicro: 20_000,
      adverseCostMicro: 200_000,
    });
    expect(
      slippage({ side: "BUY", price: 480_000, intendedPrice: 490_000, size: 10_000_000 }),
    ).toEqual({
      adversePriceMicro: -10_000,
      adverseCostMicro: -100_000,
    });
  });
});
