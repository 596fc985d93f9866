/**
 * Synthetic liquidity providers: a few levels a side on both outcome tokens around the fair price
 * (Up at p, Down at 1 − p, so the two mids sum to about 1), replaced wholesale at every requote.
 * Their fresh quotes go through the matching engine, so a stale order of ours that the new quote
 * crosses gets filled — adverse selection, as on the real venue.
 *
 * The market is one binary book (binary-book.ts): a Down bid at 1 − p − h shows on Up as an ask at
 * p + h, next to the Up ask quoted there, so each token's view carries both providers' depth
 * (`levelSizeShares` is per token). Both tokens are withdrawn before either is requoted, so a fresh
 * quote never trades against the same provider's stale quote on the other token.
 */
import type { Rng } from "../../bus/rng.ts";
import { MICRO } from "../../contracts/money.ts";
import { ceilToStep, floorToStep } from "./amounts.ts";
import type { SimVenueConfig } from "./config.ts";
import type { Exchange } from "./exchange.ts";
import type { SimWindow } from "./markets.ts";

export interface Quote {
  side: "BUY" | "SELL";
  price: number;
  size: number;
}

export class LiquidityProvider {
  constructor(
    private readonly rng: Rng,
    private readonly cfg: SimVenueConfig,
    private readonly exchange: Exchange,
  ) {}

  /** Replaces the providers' quotes on both tokens of `w` given the fair Up probability. */
  requote(w: SimWindow, upFair: number): void {
    const fairMicro = Math.min(MICRO, Math.max(0, Math.round(upFair * MICRO)));
    const up = this.ladder(fairMicro, w.tickSize, w.minSize);
    const down = this.ladder(MICRO - fairMicro, w.tickSize, w.minSize);
    this.exchange.withdrawLiquidity(w.upTokenId);
    this.exchange.withdrawLiquidity(w.downTokenId);
    for (const q of up) this.exchange.placeLiquidity(w.upTokenId, q.side, q.price, q.size);
    for (const q of down) this.exchange.placeLiquidity(w.downTokenId, q.side, q.price, q.size);
  }

  /** Bids below and asks above the fair price, one tick apart, inside [tick, 1 − tick]. */
  ladder(fairMicro: number, tick: number, minSize: number): Quote[] {
    const { levels, spreadTicks } = this.cfg.liquidity;
    const half = (spreadTicks * tick) / 2;
    const bestBid = floorToStep(fairMicro - half, tick);
    const bestAsk = ceilToStep(fairMicro + half, tick);
    const quotes: Quote[] = [];
    for (let k = 0; k < levels; k++) {
      const bid = bestBid - k * tick;
      const ask = bestAsk + k * tick;
      const bidSize = this.levelSize(minSize);
      const askSize = this.levelSize(minSize);
      if (bid >= tick) quotes.push({ side: "BUY", price: bid, size: bidSize });
      if (ask <= MICRO - tick) quotes.push({ side: "SELL", price: ask, size: askSize });
    }
    return quotes;
  }

  /** Seeded size around `levelSizeShares`, in whole lots, never below the minimum. */
  private levelSize(minSize: number): number {
    const { levelSizeShares, sizeJitter } = this.cfg.liquidity;
    const factor = 1 + sizeJitter * (2 * this.rng.float() - 1);
    const lots = Math.round((levelSizeShares * factor * MICRO) / this.cfg.lotSize);
    return Math.max(minSize, lots * this.cfg.lotSize);
  }
}
