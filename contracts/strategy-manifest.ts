/**
 * A strategy's manifest: what it is deployed with, checked at load (issue 20, Phase 3). Declared
 * parameters with their bounds, the risk it may take, where it may trade, what its author expects
 * of it before the first trade (win rate, PnL per trade), the kill criterion the CRO applies to
 * its settled trades, and the criteria for scaling it up, written down in advance.
 *
 * Money is integer micro-USDC, sizes micro-shares, rates whole percent: the kill criterion is
 * integer arithmetic end to end (agents/cro/strategy-kill.ts).
 */
import { z } from "zod";
import { micro, qtyMicro } from "./money.ts";

export const strategyName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "lower-case letters, digits and dashes, at most 64");

const pct = z.number().int().min(0).max(100);
const text = (max: number) => z.string().trim().min(1).max(max);

/** An integer parameter in [min, max]; `nullable`: null is also allowed (e.g. "never trade"). */
export const integerParameter = z
  .object({
    type: z.literal("integer"),
    min: z.number().int(),
    max: z.number().int(),
    nullable: z.boolean().default(false),
    description: text(300).optional(),
  })
  .strict();

/** A parameter that takes one of `values`. */
export const enumParameter = z
  .object({
    type: z.literal("enum"),
    values: z.array(z.string().min(1).max(64)).min(1).max(32),
    description: text(300).optional(),
  })
  .strict();

export const manifestParameter = z.discriminatedUnion("type", [integerParameter, enumParameter]);
export type ManifestParameter = z.infer<typeof manifestParameter>;

/** A closed range [min, max]. */
const range = <T extends z.ZodNumber>(n: T) => z.object({ min: n, max: n }).strict();

export const strategyManifest = z
  .object({
    name: strategyName,
    /** The manifest's version (semver); a halt or a resume names the version it applied to. */
    version: z.string().regex(/^\d+\.\d+\.\d+$/, "expected MAJOR.MINOR.PATCH"),
    description: text(500),
    /** Every parameter the strategy accepts, with the bounds it may be configured within. */
    parameters: z.record(z.string().min(1).max(64), manifestParameter),
    risk: z
      .object({
        /** Largest entry, micro-shares. */
        orderSize: qtyMicro.positive(),
        /** Stop-loss the strategy is written for, percent of the entry price; null: none. */
        stopLossPct: z.number().int().min(1).max(100).nullable(),
        /** Take-profit, percent gain on the entry price; null: none (settlement closes). */
        takeProfitPct: z.number().int().min(1).max(10_000).nullable(),
        /** Loss in one session (micro-USDC) past which the strategy must not keep trading. */
        sessionMaxLoss: micro.positive(),
      })
      .strict(),
    /** Slug prefixes it may trade: each within the strategy's own instruments. */
    instruments: z.array(z.string().min(1).max(64)).min(1).max(32),
    /** Registered before the first trade: where its settled results are expected to lie. */
    expectations: z
      .object({
        /** Share of settled trades with a positive realized PnL, whole percent. */
        winRatePct: range(pct),
        /** Average realized PnL per settled trade, micro-USDC (fees included). */
        pnlPerTrade: range(micro),
      })
      .strict(),
    /**
     * Once the strategy has `minTrades` settled trades, its last `lookbackTrades` of them are
     * held to the expectations: a win rate or an average PnL per trade outside its range halts
     * the strategy (the CRO; an operator resumes it).
     */
    kill: z
      .object({
        minTrades: z.number().int().min(1).max(10_000),
        lookbackTrades: z.number().int().min(1).max(10_000),
      })
      .strict(),
    /**
     * Review mode: each trade of its first `reviewFirstWindows` windows waits in the review list
     * until an operator marks it reviewed; until all are, the CRO refuses entries above
     * `risk.orderSize` (STRATEGY_REVIEW_PENDING); after, up to `scaleUp.orderSize`. 0: no review
     * mode, and no scale-up either (entries stay within `risk.orderSize`).
     */
    reviewFirstWindows: z.number().int().min(0).max(10_000).default(0),
    /** When it may be given more size: written down before the first trade, recorded, not automatic. */
    scaleUp: z
      .object({
        criteria: text(1000),
        minTrades: z.number().int().min(1).max(1_000_000),
        winRatePctMin: pct,
        pnlPerTradeMin: micro,
        /** The entry size it would scale to, micro-shares. */
        orderSize: qtyMicro.positive(),
      })
      .strict(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const bad = (path: (string | number)[], message: string) => {
      ctx.addIssue({ code: "custom", path, message });
    };
    for (const [key, p] of Object.entries(m.parameters)) {
      if (p.type === "integer" && p.min > p.max)
        bad(["parameters", key, "min"], `min ${p.min} is above max ${p.max}`);
    }
    const { winRatePct, pnlPerTrade } = m.expectations;
    if (winRatePct.min > winRatePct.max)
      bad(
        ["expectations", "winRatePct", "min"],
        `min ${winRatePct.min} is above max ${winRatePct.max}`,
      );
    if (pnlPerTrade.min > pnlPerTrade.max)
      bad(
        ["expectations", "pnlPerTrade", "min"],
        `min ${pnlPerTrade.min} is above max ${pnlPerTrade.max}`,
      );
    if (m.kill.lookbackTrades < m.kill.minTrades)
      bad(["kill", "lookbackTrades"], `must be at least minTrades (${m.kill.minTrades})`);
    if (m.scaleUp.minTrades < m.kill.minTrades)
      bad(["scaleUp", "minTrades"], `must be at least kill.minTrades (${m.kill.minTrades})`);
    if (m.scaleUp.orderSize < m.risk.orderSize)
      bad(["scaleUp", "orderSize"], `must be at least risk.orderSize (${m.risk.orderSize})`);
  });
export type StrategyManifest = z.infer<typeof strategyManifest>;
export type StrategyManifestInput = z.input<typeof strategyManifest>;

export type ManifestParse =
  { ok: true; manifest: StrategyManifest } | { ok: false; field: string; message: string };

/** Validates a manifest; a failure names the first bad field (`expectations.winRatePct.min`). */
export function parseManifest(input: unknown): ManifestParse {
  const r = strategyManifest.safeParse(input);
  if (r.success) return { ok: true, manifest: r.data };
  const issue = r.error.issues[0];
  const field =
    issue === undefined || issue.path.length === 0 ? "(manifest)" : issue.path.join(".");
  return { ok: false, field, message: issue?.message ?? "invalid" };
}
