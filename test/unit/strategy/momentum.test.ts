import { describe, expect, it } from "vitest";
import { momentum, momentumParams } from "../../../agents/strategy/momentum.ts";
import { book, MIN_SIZE, T0, WINDOW_MS, windowState } from "./helpers.ts";

const params = momentumParams.parse({});
/** 10 minutes left: now = T0 + 5 min. */
const NOW = T0 + WINDOW_MS - 600_000;
const mids = (...points: [number, number][]) =>
  points.map(([agoMs, mid]) => ({ ts: NOW - agoMs, mid }));
const run = (o: Parameters<typeof windowState>[0], p = params) =>
  momentum.evaluate(windowState({ remainingMs: 600_000, ...o }), p);

describe("momentum strategy", () => {
  it("buys the side whose mid rose by at least riseMin over the lookback", () => {
    const s = run({
      up: book(590_000, 610_000),
      upMids: mids([40_000, 520_000], [30_000, 540_000], [10_000, 580_000]),
    });
    expect(s).toMatchObject({
      tokenId: "up",
      side: "BUY",
      orderType: "FAK",
      limitPrice: 610_000,
      size: MIN_SIZE,
    });
    expect(s?.reason).toMatch(/UP mid \+0\.060000 over 30s \(0\.540000 -> 0\.600000\)/);
  });

  it("ignores a rise smaller than riseMin", () => {
    expect(run({ up: book(570_000, 590_000), upMids: mids([30_000, 540_000]) })).toBeNull();
  });

  it("needs history reaching back the whole lookback", () => {
    expect(run({ up: book(650_000, 670_000), upMids: mids([29_000, 500_000]) })).toBeNull();
  });

  it("does not enter with too little time left, above askMax, or twice", () => {
    const rising = { up: book(650_000, 670_000), upMids: mids([30_000, 500_000]) };
    expect(run(rising)).not.toBeNull();
    expect(
      momentum.evaluate(windowState({ ...rising, remainingMs: 179_999, upMids: [] }), params),
    ).toBeNull();
    expect(run(rising, { ...params, askMax: 660_000 })).toBeNull();
    expect(run({ ...rising, positionsOpen: 1 })).toBeNull();
  });

  it("picks the larger rise when both sides rose", () => {
    const s = run({
      up: book(560_000, 580_000),
      upMids: mids([30_000, 500_000]),
      down: book(590_000, 610_000),
      downMids: mids([30_000, 500_000]),
    });
    expect(s?.tokenId).toBe("down");
  });

  it("rejects parameters outside their declared bounds", () => {
    expect(momentumParams.safeParse({ lookbackMs: 500 }).success).toBe(false);
    expect(momentumParams.parse({ riseMin: 20_000 }).riseMin).toBe(20_000);
  });
});
