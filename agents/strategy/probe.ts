/**
 * The probe: buys the minimum size of an outcome as soon as its best ask is at or below `askMax`,
 * fill-and-kill at that ask. Its trigger is a function of one book and nothing else (no history,
 * no clock), so every book update that meets it maps to exactly one intent: that makes it the
 * strategy for measuring the pipeline end to end (bench/tick-to-order.ts) and for smoke-testing a
 * venue. It is off until `askMax` is set, and it is not in the CRO's default allowed_strategies.
 */
import { z } from "zod";
import { fromMicro } from "../../contracts/money.ts";
import { bestAsk, type Signal, type Strategy, type WindowState } from "./strategy.ts";

export const probeParams = z.object({
  /** Buy when an outcome's best ask is at or below this (micro-units); null: never trade. */
  askMax: z.number().int().min(1).max(999_999).nullable().default(null),
  orderType: z.enum(["FAK", "FOK", "GTC"]).default("FAK"),
});
export type ProbeParams = z.infer<typeof probeParams>;

export const probe: Strategy<typeof probeParams> = {
  name: "probe",
  instruments: ["btc-updown"],
  params: probeParams,
  evaluate(w: WindowState, p: ProbeParams): Signal | null {
    if (p.askMax === null || w.minSize <= 0) return null;
    let best: { label: string; tokenId: string; ask: number } | null = null;
    for (const [label, view] of [
      ["UP", w.up],
      ["DOWN", w.down],
    ] as const) {
      const ask = bestAsk(view.book);
      // The cheaper side wins; on a tie, UP (the order above) keeps it.
      if (ask === null || ask.price > p.askMax || (best !== null && ask.price >= best.ask))
        continue;
      best = { label, tokenId: view.tokenId, ask: ask.price };
    }
    if (best === null) return null;
    return {
      tokenId: best.tokenId,
      side: "BUY",
      orderType: p.orderType,
      limitPrice: best.ask,
      size: w.minSize,
      reason:
        `probe: ${best.label} best ask ${fromMicro(best.ask)} <= ${fromMicro(p.askMax)}; ` +
        `buy ${fromMicro(w.minSize)}`,
    };
  },
};
