/**
 * The simulated venue's price socket: the underlying path the windows settle on (price-model.ts),
 * one tick every `tickMs` on the clock's `tickMs` boundaries — so a tick falls exactly on every
 * window's start and end, where the generator reads the open and the close. The outcome of a
 * window therefore follows the ticks a strategy sees: Up iff the tick at the end is at or above
 * the tick at the start (the price to beat). Reading the path never draws from the Rng, so the
 * ticks change nothing else in a run.
 */
import type { Clock, TimerHandle } from "../../bus/clock.ts";
import { MICRO } from "../../contracts/money.ts";
import type { UnderlyingTick } from "../../agents/runtime/venue.ts";
import type { UnderlyingModel } from "./price-model.ts";

export class UnderlyingFeed {
  private readonly listeners = new Set<(tick: UnderlyingTick) => void>();
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly model: UnderlyingModel,
    /** e.g. `btc/usd`. */
    readonly symbol: string,
    private readonly tickMs: number,
  ) {
    if (!Number.isInteger(tickMs) || tickMs <= 0) {
      throw new RangeError(`venue-sim underlying feed: tickMs = ${tickMs}`);
    }
  }

  /** The path's price at `ts`, in micro-USD. */
  priceAt(ts: number): number {
    return Math.round(this.model.priceAt(ts) * MICRO);
  }

  subscribe(listener: (tick: UnderlyingTick) => void): () => void {
    this.listeners.add(listener);
    if (this.timer === null) this.schedule();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer !== null) {
        this.clock.clearTimer(this.timer);
        this.timer = null;
      }
    };
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
  }

  /** The next boundary (now, if the clock is on one). */
  private schedule(): void {
    const now = this.clock.now();
    const next = Math.ceil(now / this.tickMs) * this.tickMs;
    this.timer = this.clock.setTimer(next - now, () => {
      this.emit(next);
    });
  }

  private emit(ts: number): void {
    const tick: UnderlyingTick = {
      symbol: this.symbol,
      price: this.priceAt(ts),
      ts,
      origin: "sim",
    };
    for (const l of [...this.listeners]) l(tick);
    this.timer = null;
    if (this.listeners.size > 0) {
      const now = this.clock.now();
      const next = ts + this.tickMs;
      this.timer = this.clock.setTimer(Math.max(0, next - now), () => {
        this.emit(next);
      });
    }
  }
}
