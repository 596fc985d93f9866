import { describe, expect, it } from "vitest";
import { canary, canaryParams } from "../../../agents/strategy/canary.ts";
import { book, MIN_SIZE, windowState } from "./helpers.ts";

const params = canaryParams.parse({});
const run = (o: Parameters<typeof windowState>[0]) => canary.evaluate(windowState(o), params);

describe("canary strategy", () => {
  it("declares its instrument and parameter defaults", () => {
    expect(canary.instruments).toEqual(["btc-updown"]);
    expect(params).toEqual({
      entryRemainingMs: 60_000,
      entryRemainingMinMs: 45_000,
      favouredMidMin: 500_000,
      orderType: "FAK",
    });
  });

  it("buys the favoured side at T-60s: minimum size, FAK at the best ask", () => {
    expect(run({ remainingMs: 60_000 })).toEqual({
      tokenId: "up",
      side: "BUY",
      orderType: "FAK",
      limitPrice: 620_000,
      size: MIN_SIZE,
      reason: expect.stringMatching(/^canary: UP favoured \(mid 0\.600000\) at T-60s/) as string,
    });
  });

  it("buys Down when the book favours Down", () => {
    const s = run({ up: book(300_000, 320_000), down: book(680_000, 700_000) });
    expect(s).toMatchObject({ tokenId: "down", limitPrice: 700_000, size: MIN_SIZE });
  });

  it("does nothing before T-60s or after its slot", () => {
    expect(run({ remainingMs: 60_001 })).toBeNull();
    expect(run({ remainingMs: 120_000 })).toBeNull();
    expect(run({ remainingMs: 45_000 })).toBeNull();
    expect(run({ remainingMs: 45_001 })).not.toBeNull();
  });

  it("does nothing when no side's mid is above 0.50", () => {
    expect(run({ up: book(490_000, 510_000), down: book(490_000, 510_000) })).toBeNull();
    expect(run({ up: book(480_000, 500_000), down: null })).toBeNull();
  });

  it("needs a two-sided book on the favoured side and fires once per window", () => {
    expect(run({ up: book(600_000, null), down: null })).toBeNull();
    expect(run({ up: null, down: null })).toBeNull();
    expect(run({ positionsOpen: 1 })).toBeNull();
  });

  it("is deterministic", () => {
    expect(run({})).toEqual(run({}));
  });
});
