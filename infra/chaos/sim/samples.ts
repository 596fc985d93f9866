/**
 * Time series sampled during a run for the report's plots: equity (the venue's collateral plus our
 * shares at the mid), the trading state, and cumulative orders, fills and rejections.
 */
import type { TradingState } from "../../../contracts/common.ts";
import type { InvariantChecker } from "./invariants.ts";
import type { SimWorld } from "./world.ts";

export interface Sample {
  at: number;
  /** Micro-USD. */
  equity: number;
  state: TradingState | "none";
  orders: number;
  fills: number;
}

export interface Samples {
  samples: Sample[];
  /** Every change of the published trading state, with its reason. */
  states: { at: number; state: TradingState; reason: string }[];
}

/** Bounds the report's size whatever the run's length. */
export const SAMPLES_MAX = 2_000;

export class Sampler {
  private readonly samples: Sample[] = [];
  private readonly states: Samples["states"] = [];
  private next = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly world: SimWorld,
    private readonly checker: InvariantChecker,
    private intervalMs: number,
  ) {}

  due(now: number): boolean {
    return now >= this.next;
  }

  sample(at: number): void {
    this.next = at + this.intervalMs;
    const snap = this.world.venue.snapshot();
    const mids = new Map<string, number>();
    for (const b of snap.books) {
      const mid =
        b.bestBid !== null && b.bestAsk !== null
          ? Math.floor((b.bestBid + b.bestAsk) / 2)
          : (b.bestBid ?? 0);
      mids.set(b.tokenId, mid);
    }
    let equity = snap.account.collateral;
    for (const p of snap.account.positions) {
      equity += Math.floor((p.shares * (mids.get(p.tokenId) ?? 0)) / 1_000_000);
    }
    const state = this.checker.tradingState();
    this.samples.push({
      at,
      equity,
      state: state?.state ?? "none",
      orders: this.checker.counts.orders,
      fills: this.checker.counts.fills,
    });
    if (this.samples.length > SAMPLES_MAX) this.thin();
  }

  /** Records a published state change (called for every cro.state the checker sees). */
  noteState(at: number, state: TradingState, reason: string): void {
    const last = this.states.at(-1);
    if (last?.state !== state) this.states.push({ at, state, reason });
  }

  finish(): Samples {
    return { samples: this.samples, states: this.states };
  }

  /** Keeps every other sample and halves the rate, so long runs stay within SAMPLES_MAX. */
  private thin(): void {
    this.intervalMs *= 2;
    const kept = this.samples.filter((_, i) => i % 2 === 0);
    this.samples.length = 0;
    this.samples.push(...kept);
  }
}
