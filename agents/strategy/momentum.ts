/**
 * Momentum: when one outcome's mid has risen by at least `riseMin` over the last `lookbackMs` and
 * enough of the window is left for the move to carry, buy the minimum size of it at the best ask
 * (fill-and-kill), unless that ask is already above `askMax`. A small but real example of a
 * strategy that needs history: the agent hands it sampled mids, so it stays a pure function.
 */
import { z } from "zod";
import { fromMicro } from "../../contracts/money.ts";
import {
  bestAsk,
  midAt,
  midPrice,
  type Signal,
  type Strategy,
  type WindowState,
} from "./strategy.ts";

export const momentumParams = z.object({
  lookbackMs: z.number().int().min(1_000).max(240_000).default(30_000),
  /** Minimum rise of the mid over the lookback (micro-units: 50_000 = 0.05). */
  riseMin: z.number().int().min(1).max(999_999).default(50_000),
  /** Do not enter with less than this left. */
  timeRemainingMinMs: z.number().int().nonnegative().default(180_000),
  /** Do not chase above this ask (micro-units). */
  askMax: z.number().int().min(1).max(999_999).default(850_000),
  orderType: z.enum(["FAK", "FOK", "GTC"]).default("FAK"),
});
export type MomentumParams = z.infer<typeof momentumParams>;

export const momentum: Strategy<typeof momentumParams> = {
  name: "momentum",
  instruments: ["btc-updown"],
  params: momentumParams,
  evaluate(w: WindowState, p: MomentumParams): Signal | null {
    if (w.positionsOpen > 0 || w.minSize <= 0 || w.timeRemainingMs < p.timeRemainingMinMs) {
      return null;
    }
    let best: {
      label: string;
      tokenId: string;
      rise: number;
      from: number;
      to: number;
      ask: number;
    } | null = null;
    for (const [label, view] of [
      ["UP", w.up],
      ["DOWN", w.down],
    ] as const) {
      const now = midPrice(view.book);
      const then = midAt(view.mids, w.now - p.lookbackMs);
      const ask = bestAsk(view.book);
      if (now === null || then === null || ask === null || ask.price > p.askMax) continue;
      const rise = now - then.mid;
      if (rise >= p.riseMin && (best === null || rise > best.rise)) {
        best = { label, tokenId: view.tokenId, rise, from: then.mid, to: now, ask: ask.price };
      }
    }
    if (best === null) return null;
    return {
      tokenId: best.tokenId,
      side: "BUY",
      orderType: p.orderType,
      limitPrice: best.ask,
      size: w.minSize,
      reason:
        `momentum: ${best.label} mid +${fromMicro(best.rise)} over ${p.lookbackMs / 1000}s ` +
        `(${fromMicro(best.from)} -> ${fromMicro(best.to)}); buy ${fromMicro(w.minSize)} at ${fromMicro(best.ask)}`,
    };
  },
};
