/** MarketData's bounds, validated with defaults; units last. */
import { z } from "zod";
import { ConfigError } from "../runtime/errors.ts";

const ms = (min: number, max: number) => z.number().int().min(min).max(max);

export const marketDataConfigSchema = z
  .object({
    /** md.health is published this often. */
    healthIntervalMs: ms(50, 60_000).default(1_000),
    /** An OPEN window's token (or the whole feed) silent this long is STALE. */
    staleAfterMs: ms(100, 600_000).default(5_000),
    /** No event at all for this long: the feed is DOWN. */
    downAfterMs: ms(200, 3_600_000).default(15_000),
    /** Resolved windows are forgotten this long after resolution. */
    resolvedRetainMs: ms(0, 86_400_000).default(1_800_000),
    /** Events held while the market list loads at start; beyond this they are dropped. */
    startBufferMax: z.number().int().min(0).max(1_000_000).default(100_000),
    /**
     * A feed with a stale or gapped token re-reads the venue's market list at most this often: a
     * window event lost on the way (a bus outage drops core messages) would otherwise leave a
     * window OPEN here that the venue has resolved, its tokens stale for good (issue 19).
     */
    resyncMinIntervalMs: ms(100, 3_600_000).default(5_000),
    /** A rejection reason is logged on its 1st occurrence and then every this many. */
    rejectLogEvery: z.number().int().min(1).max(1_000_000).default(1_000),
  })
  .refine((c) => c.downAfterMs > c.staleAfterMs, {
    message: "downAfterMs must exceed staleAfterMs",
    path: ["downAfterMs"],
  });
export type MarketDataConfig = z.infer<typeof marketDataConfigSchema>;

export function marketDataConfig(input: Partial<MarketDataConfig> = {}): MarketDataConfig {
  const result = marketDataConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ConfigError(
    `market-data.${issue?.path.join(".") ?? "config"}`,
    issue?.message ?? "invalid",
  );
}
