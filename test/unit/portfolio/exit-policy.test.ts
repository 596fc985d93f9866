import { describe, expect, it } from "vitest";
import {
  decideExit,
  exitParamsFrom,
  type ExitParams,
  type ExitView,
} from "../../../agents/portfolio/exit-policy.ts";
import { exitIntentId, exitLimitPrice } from "../../../agents/portfolio/exit-intent.ts";
import { Markets } from "../../../agents/portfolio/markets.ts";
import { bookMsg, T0, UP } from "./helpers.ts";
import { MessageFactory } from "../../../bus/messages.ts";
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";

const PARAMS: ExitParams = { stopLossPct: 10, takeProfitPct: 30, trailingStopPct: 0 };
const VIEW: ExitView = {
  nowMs: 1_000,
  windowEndTs: 10_000,
  windowResolved: false,
  flatten: false,
  halted: false,
  entryPrice: 500_000,
  bid: 500_000,
  highWaterMark: 500_000,
  sellableSize: 10_000_000,
  minSize: 1_000_000,
  retryAt: null,
};
const decide = (view: Partial<ExitView>, params: Partial<ExitParams> = {}) =>
  decideExit({ ...VIEW, ...view }, { ...PARAMS, ...params })?.reason ?? null;

describe("exit policy: one function, explicit priority", () => {
  it("holds inside the band", () => {
    expect(decide({ bid: 451_000 })).toBeNull();
    expect(decide({ bid: 649_000 })).toBeNull();
  });

  it("stop-loss is on by default at 10 % below entry, exactly at the threshold", () => {
    expect(decide({ bid: 450_000 })).toBe("STOP_LOSS");
    expect(decide({ bid: 450_001 })).toBeNull();
  });

  it("take-profit at 30 % above entry, exactly at the threshold", () => {
    expect(decide({ bid: 650_000 })).toBe("TAKE_PROFIT");
    expect(decide({ bid: 649_999 })).toBeNull();
  });

  it("settlement beats everything: window ended or resolved", () => {
    expect(decide({ nowMs: 10_000, bid: 100_000, flatten: true })).toBe("SETTLEMENT");
    expect(decide({ windowResolved: true, bid: 900_000 })).toBe("SETTLEMENT");
    // ...even with nothing sellable (settlement needs no order)
    expect(decide({ nowMs: 10_000, sellableSize: 0 })).toBe("SETTLEMENT");
  });

  it("flatten beats stop-loss and take-profit", () => {
    expect(decide({ flatten: true, bid: 100_000 })).toBe("FLATTEN");
    expect(decide({ flatten: true, bid: null })).toBe("FLATTEN");
  });

  it("stop-loss wins over take-profit for any bid: both cannot hold at once", () => {
    // stop: bid ≤ entry × 0.9, take-profit: bid ≥ entry × 1.3 — disjoint for any valid setting,
    // so the stop-loss/take-profit race is between successive books; the machine settles it
    // (first decision wins, machine.test.ts).
    for (let bid = 10_000; bid < 1_000_000; bid += 10_000) {
      const reason = decide({ bid });
      if (bid <= 450_000) expect(reason).toBe("STOP_LOSS");
      else if (bid >= 650_000) expect(reason).toBe("TAKE_PROFIT");
      else expect(reason).toBeNull();
    }
  });

  it("take-profit beats the trailing stop when both hold", () => {
    const view = { entryPrice: 500_000, highWaterMark: 900_000, bid: 700_000 };
    expect(decide(view, { trailingStopPct: 10 })).toBe("TAKE_PROFIT");
    expect(decide(view, { trailingStopPct: 10, takeProfitPct: 0 })).toBe("TRAILING_STOP");
  });

  it("the trailing stop is off by default and arms only above entry", () => {
    expect(decide({ highWaterMark: 600_000, bid: 530_000 })).toBeNull();
    expect(decide({ highWaterMark: 600_000, bid: 540_000 }, { trailingStopPct: 10 })).toBe(
      "TRAILING_STOP",
    );
    expect(decide({ highWaterMark: 600_000, bid: 540_001 }, { trailingStopPct: 10 })).toBeNull();
    expect(decide({ highWaterMark: 500_000, bid: 460_000 }, { trailingStopPct: 5 })).toBeNull();
  });

  it("holds while the CRO is HALTED (exits would be refused), except for settlement", () => {
    expect(decide({ halted: true, bid: 100_000 })).toBeNull();
    expect(decide({ halted: true, flatten: true })).toBeNull();
    expect(decide({ halted: true, windowResolved: true })).toBe("SETTLEMENT");
  });

  it("0 turns stop-loss and take-profit off", () => {
    expect(decide({ bid: 10_000 }, { stopLossPct: 0 })).toBeNull();
    expect(decide({ bid: 990_000 }, { takeProfitPct: 0 })).toBeNull();
  });

  it("needs sellable shares at or above the minimum size, a bid and an entry price", () => {
    expect(decide({ bid: 400_000, sellableSize: 0 })).toBeNull();
    expect(decide({ bid: 400_000, sellableSize: 999_999 })).toBeNull();
    expect(decide({ bid: null })).toBeNull();
    expect(decide({ entryPrice: null, bid: 100_000 })).toBeNull();
  });

  it("waits out the retry delay after a failed exit, except for settlement", () => {
    expect(decide({ bid: 400_000, retryAt: 1_001 })).toBeNull();
    expect(decide({ bid: 400_000, retryAt: 1_000 })).toBe("STOP_LOSS");
    expect(decide({ flatten: true, retryAt: 5_000 })).toBeNull();
    expect(decide({ windowResolved: true, retryAt: 5_000 })).toBe("SETTLEMENT");
  });
});

describe("exit parameters from runtime controls", () => {
  const defaults: ExitParams = { stopLossPct: 12, takeProfitPct: 40, trailingStopPct: 5 };

  it("uses the configured defaults when no control is stored", () => {
    expect(exitParamsFrom([], defaults)).toEqual({
      params: defaults,
      errors: [],
      stored: { stopLossPct: false, takeProfitPct: false },
    });
  });

  it("a stored control overrides its default", () => {
    const rows = [
      { key: "stop_loss_pct", value: "20" },
      { key: "take_profit_pct", value: "50" },
    ];
    expect(exitParamsFrom(rows, defaults).params).toEqual({
      stopLossPct: 20,
      takeProfitPct: 50,
      trailingStopPct: 5,
    });
  });

  it("a stored value that does not parse is reported and the default kept", () => {
    const { params, errors } = exitParamsFrom([{ key: "stop_loss_pct", value: "ten" }], defaults);
    expect(params.stopLossPct).toBe(12);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^stop_loss_pct:/);
  });

  it("ignores errors in controls it does not use", () => {
    const { errors } = exitParamsFrom([{ key: "price_min", value: "nope" }], defaults);
    expect(errors).toEqual([]);
  });
});

describe("exit limit price", () => {
  it("is the best bid minus the allowance, floored to the tick", () => {
    expect(exitLimitPrice(450_000, 10_000, 20_000)).toBe(430_000);
    expect(exitLimitPrice(455_000, 10_000, 20_000)).toBe(430_000);
    expect(exitLimitPrice(456_000, 1_000, 20_000)).toBe(436_000);
  });

  it("is clamped to at least one tick and at most 1 − tick", () => {
    expect(exitLimitPrice(15_000, 10_000, 20_000)).toBe(10_000);
    expect(exitLimitPrice(null, 10_000, 20_000)).toBe(10_000);
    expect(exitLimitPrice(999_000, 1_000, 0)).toBe(999_000);
    expect(exitLimitPrice(995_000, 10_000, 0)).toBe(990_000);
  });

  it("after a tick refinement, stays on the coarser grid the CRO may still check against", () => {
    // Books now carry 0.001; the CRO's md.window may still say 0.01 (or already 0.001).
    const price = exitLimitPrice(973_000, 1_000, 10_000, 10_000);
    expect(price).toBe(960_000);
    for (const tick of [10_000, 1_000]) expect(price % tick).toBe(0);
    // Below the coarse tick the coarse grid would clamp the limit above the bid: the fine one.
    expect(exitLimitPrice(15_000, 1_000, 10_000, 10_000)).toBe(5_000);
    expect(exitLimitPrice(null, 1_000, 10_000, 10_000)).toBe(10_000);
    expect(exitLimitPrice(973_000, 1_000, 10_000)).toBe(963_000);
  });

  it("Portfolio remembers the coarsest tick a token's books have carried", () => {
    const messages = new MessageFactory(new VirtualClock(T0), new SeededRng(1), {
      agent: "market-data",
      instance: "1",
    });
    const markets = new Markets();
    markets.book(messages.make("md.book", bookMsg(UP, 500_000, 1)));
    markets.book(messages.make("md.book", { ...bookMsg(UP, 973_000, 2), tickSize: 1_000 }));
    expect(markets.bookOf(UP)).toMatchObject({ tickSize: 1_000, coarsestTick: 10_000 });
  });

  it("intent ids are deterministic per position and attempt, and bounded", () => {
    expect(exitIntentId("pos-1", 1)).toBe("exit-1-pos-1");
    expect(exitIntentId("pos-1", 2)).toBe("exit-2-pos-1");
    const long = exitIntentId("p".repeat(128), 1);
    expect(long.length).toBeLessThanOrEqual(128);
    expect(long).toBe(exitIntentId("p".repeat(128), 1));
  });
});
