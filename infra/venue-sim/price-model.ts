/**
 * The underlying BTC/USD path and the fair price of "Up". Floating point lives only here; callers
 * round to ticks and integers before anything reaches a book or a ledger.
 *
 * The path is geometric Brownian motion stepped every `stepMs` of clock time, advanced lazily: any
 * reader first steps it up to the current time, so the draws consumed (two uniforms per step) do
 * not depend on who reads the price when, and a run is a pure function of seed and clock.
 */
import type { Rng } from "../../bus/rng.ts";

export const YEAR_MS = 365.25 * 24 * 3_600_000;

/** Multipliers a chaos scenario can set; both 1 / 0 in calm weather. */
export interface PriceScenario {
  volMultiplier: number;
  /** Annualised drift of log-price (e.g. −5 for a steady slide). */
  driftAnnual: number;
}

export class UnderlyingModel {
  private price: number;
  private lastStepTs: number;
  private scenario: PriceScenario = { volMultiplier: 1, driftAnnual: 0 };

  constructor(
    private readonly rng: Rng,
    initialPrice: number,
    private readonly volAnnual: number,
    private readonly stepMs: number,
    startTs: number,
  ) {
    if (!(initialPrice > 0)) throw new RangeError(`UnderlyingModel: initial price ${initialPrice}`);
    this.price = initialPrice;
    this.lastStepTs = Math.floor(startTs / stepMs) * stepMs;
  }

  /** The price at `ts` (steps the path forward to it). */
  priceAt(ts: number): number {
    while (this.lastStepTs + this.stepMs <= ts) {
      this.lastStepTs += this.stepMs;
      this.price *= Math.exp(this.stepLogReturn());
    }
    return this.price;
  }

  /** The volatility in force now (base × scenario multiplier), annualised. */
  vol(): number {
    return this.volAnnual * this.scenario.volMultiplier;
  }

  /** Changes the regime from `ts` on; steps before `ts` keep the old one. */
  setScenario(ts: number, scenario: Partial<PriceScenario>): void {
    this.priceAt(ts);
    this.scenario = { ...this.scenario, ...scenario };
  }

  /** A jump at `ts`: −0.05 is a 5 % flash crash. */
  jump(ts: number, fraction: number): void {
    if (!(fraction > -1)) throw new RangeError(`UnderlyingModel.jump: fraction ${fraction}`);
    this.priceAt(ts);
    this.price *= 1 + fraction;
  }

  private stepLogReturn(): number {
    const dt = this.stepMs / YEAR_MS;
    const sigma = this.vol();
    const mu = this.scenario.driftAnnual;
    return (mu - (sigma * sigma) / 2) * dt + sigma * Math.sqrt(dt) * standardNormal(this.rng);
  }
}

/** Box–Muller; always consumes exactly two uniforms. */
export function standardNormal(rng: Rng): number {
  const u1 = 1 - rng.float(); // (0, 1]: log stays finite
  const u2 = rng.float();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Φ(x) via Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * P(close ≥ open) for a driftless GBM: Φ((ln(S/O) − σ²τ/2) / (σ√τ)), τ in years. At or after the
 * end it is 1 or 0 (ties resolve Up, as the venue's rule says).
 */
export function upProbability(
  current: number,
  open: number,
  volAnnual: number,
  remainingMs: number,
): number {
  if (remainingMs <= 0 || volAnnual <= 0) return current >= open ? 1 : 0;
  const tau = remainingMs / YEAR_MS;
  const sd = volAnnual * Math.sqrt(tau);
  return normalCdf((Math.log(current / open) - (sd * sd) / 2) / sd);
}
