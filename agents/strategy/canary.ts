/**
 * The canary: at T−60 s, buy the minimum size of whichever outcome the book favours (mid above
 * 0.50) at its best ask, fill-and-kill, once per window, and hold to settlement. It exists to prove
 * the whole pipeline trades, with the smallest possible exposure.
 */
import { z } from "zod";
import { fromMicro } from "../../contracts/money.ts";
import { bestAsk, midPrice, type Signal, type Strategy, type WindowState } from "./strategy.ts";

export const canaryParams = z.object({
  /** Enter once time remaining is at most this… */
  entryRemainingMs: z.number().int().positive().default(60_000),
  /** …and still more than this (the slot; later than this the canary sits the window out). */
  entryRemainingMinMs: z.number().int().nonnegative().default(45_000),
  /** A side is favoured when its mid is strictly above this (micro-units). */
  favouredMidMin: z.number().int().min(0).max(999_999).default(500_000),
  orderType: z.enum(["FAK", "FOK", "GTC"]).default("FAK"),
});
export type CanaryParams = z.infer<typeof canaryParams>;

export const canary: Strategy<typeof canaryParams> = {
  name: "canary",
  // Every BTC Up-or-Down window, whatever its length (the simulator's compressed test windows are
  // `btc-updown-70s-…`): the canary proves the pipeline trades; the CRO's allowed_instruments
  // decides which instruments may actually be traded.
  instruments: ["btc-updown"],
  params: canaryParams,
  evaluate(w: WindowState, p: CanaryParams): Signal | null {
    if (w.positionsOpen > 0 || w.minSize <= 0) return null;
    if (w.timeRemainingMs > p.entryRemainingMs || w.timeRemainingMs <= p.entryRemainingMinMs) {
      return null;
    }
    const sides = [
      { label: "UP", view: w.up },
      { label: "DOWN", view: w.down },
    ].map((s) => ({ ...s, mid: midPrice(s.view.book), ask: bestAsk(s.view.book) }));
    const favoured = sides.filter((s) => s.mid !== null && s.mid > p.favouredMidMin);
    const [first, second] = favoured.sort((a, b) => (b.mid ?? 0) - (a.mid ?? 0));
    // Both above 0.50 and equal: the book favours neither.
    if (first?.ask == null || first.mid === null || first.mid === second?.mid) return null;
    return {
      tokenId: first.view.tokenId,
      side: "BUY",
      orderType: p.orderType,
      limitPrice: first.ask.price,
      size: w.minSize,
      reason:
        `canary: ${first.label} favoured (mid ${fromMicro(first.mid)}) at T-${Math.ceil(w.timeRemainingMs / 1000)}s; ` +
        `buy ${fromMicro(w.minSize)} at best ask ${fromMicro(first.ask.price)}`,
    };
  },
};
