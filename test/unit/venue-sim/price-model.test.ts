import { describe, expect, it } from "vitest";
import { SeededRng } from "../../../bus/rng.ts";
import { UnderlyingModel, normalCdf, upProbability } from "../../../infra/venue-sim/index.ts";

describe("venue-sim price model", () => {
  it("approximates the normal CDF", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 3);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 5);
  });

  it("prices Up near 0.5 at the open and at 1 or 0 at the end (ties Up)", () => {
    expect(upProbability(100, 100, 0.6, 900_000)).toBeCloseTo(0.5, 2);
    expect(upProbability(101, 100, 0.6, 60_000)).toBeGreaterThan(0.99);
    expect(upProbability(99.9, 100, 0.6, 600_000)).toBeLessThan(0.5);
    expect(upProbability(100, 100, 0.6, 0)).toBe(1);
    expect(upProbability(99.99, 100, 0.6, 0)).toBe(0);
  });

  it("steps lazily: the path does not depend on when it is read", () => {
    const t0 = 1_767_225_600_000;
    const a = new UnderlyingModel(new SeededRng(5), 95_000, 0.6, 1_000, t0);
    const b = new UnderlyingModel(new SeededRng(5), 95_000, 0.6, 1_000, t0);
    for (let s = 1; s <= 600; s++) a.priceAt(t0 + s * 1_000);
    expect(b.priceAt(t0 + 600_000)).toBe(a.priceAt(t0 + 600_000));
    expect(a.priceAt(t0 + 600_000)).not.toBe(95_000);
  });

  it("applies jumps and vol multipliers from the time they are set", () => {
    const t0 = 1_767_225_600_000;
    const calm = new UnderlyingModel(new SeededRng(9), 95_000, 0.6, 1_000, t0);
    const wild = new UnderlyingModel(new SeededRng(9), 95_000, 0.6, 1_000, t0);
    wild.setScenario(t0, { volMultiplier: 10 });
    const move = (m: UnderlyingModel) => Math.abs(Math.log(m.priceAt(t0 + 900_000) / 95_000));
    expect(move(wild)).toBeGreaterThan(move(calm));
    const crash = new UnderlyingModel(new SeededRng(9), 95_000, 0.6, 1_000, t0);
    crash.jump(t0, -0.1);
    expect(crash.priceAt(t0)).toBeCloseTo(85_500, 6);
  });
});
