/**
 * The strategy author's guide's example (docs/strategy-guide.md): early in a window, when one
 * outcome trades cheaply, buy the minimum size of it, fill-and-kill at its best ask, once per
 * window, and let Portfolio's exit policy (stop-loss, take-profit) or settlement close it. Every
 * number it uses is a declared parameter; every limit is the CRO's.
 */
import { z } from "zod";
import { fromMicro } from "../../contracts/money.ts";
import { bestAsk, type Signal, type Strategy, type WindowState } from "./strategy.ts";

export const cheapSideParams = z.object({
  /** Enter only while at least this much of the window remains… */
  entryRemainingMinMs: z.number().int().nonnegative().default(60_000),
  /**
   * …and buy an outcome only when its best ask is at or below this (micro-units). Null: never
   * trade. Every registered strategy runs unless the config names which, so an example that is
   * not wanted must do nothing by default.
   */
  askMax: z.number().int().min(1).max(999_999).nullable().default(null),
  orderType: z.enum(["FAK", "FOK"]).default("FAK"),
});
export type CheapSideParams = z.infer<typeof cheapSideParams>;

export const cheapSide: Strategy<typeof cheapSideParams> = {
  name: "cheap-side",
  instruments: ["btc-updown"],
  params: cheapSideParams,
  evaluate(w: WindowState, p: CheapSideParams): Signal | null {
    // One entry per window, only early, only when the venue would accept our size.
    if (p.askMax === null || w.positionsOpen > 0 || w.minSize <= 0) return null;
    if (w.timeRemainingMs < p.entryRemainingMinMs) {
      return null;
    }
    const askMax = p.askMax;
    const offers = [
      { label: "UP", tokenId: w.up.tokenId, ask: bestAsk(w.up.book) },
      { label: "DOWN", tokenId: w.down.tokenId, ask: bestAsk(w.down.book) },
    ].filter((o) => o.ask !== null && o.ask.price <= askMax && o.ask.size >= w.minSize);
    // The cheaper of the two; on a tie, UP (listed first).
    const pick = offers.sort((a, b) => (a.ask?.price ?? 0) - (b.ask?.price ?? 0))[0];
    if (pick?.ask == null) return null;
    return {
      tokenId: pick.tokenId,
      side: "BUY",
      orderType: p.orderType,
      limitPrice: pick.ask.price,
      size: w.minSize,
      reason: `cheap-side: ${pick.label} ask ${fromMicro(pick.ask.price)} <= ${fromMicro(askMax)}`,
    };
  },
};
