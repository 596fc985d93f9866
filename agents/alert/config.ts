/**
 * The Alert agent's settings: where to deliver (webhooks, each in one format) and every bound of
 * delivery, dedupe and detection, units last.
 */
import { z } from "zod";
import { alertFormat, type AlertFormat } from "../../contracts/alerts.ts";
import { ConfigError } from "../runtime/errors.ts";

const ms = (min: number, max: number) => z.number().int().min(min).max(max);
const count = (min: number, max: number) => z.number().int().min(min).max(max);

export const webhookSchema = z.object({
  format: alertFormat,
  url: z.url({ protocol: /^https?$/ }),
  /** Names the destination in logs and rows (never the URL: a Telegram URL holds the bot token). */
  name: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/)
    .optional(),
  /** Telegram only; defaults to the URL's `chat_id` query parameter. */
  chatId: z.string().min(1).max(64).optional(),
});

export const alertConfigSchema = z.object({
  webhooks: z.array(webhookSchema).max(16).default([]),
  /** The same incident key raises one alert per window; a persisting incident is repeated after it. */
  dedupeWindowMs: ms(0, 7 * 86_400_000).default(300_000),
  dedupeKeysMax: count(10, 1_000_000).default(10_000),
  /** Deliveries per destination per minute; the rest wait (they are never dropped). */
  rateLimitPerMinute: count(1, 10_000).default(20),
  /** Attempts before a delivery is DEAD (the dead-letter table); DEAD rows are still probed. */
  maxAttempts: count(1, 100).default(5),
  retryInitialMs: ms(1, 600_000).default(1_000),
  retryMaxMs: ms(1, 3_600_000).default(60_000),
  /** How often a DEAD delivery is tried again while its destination keeps failing. */
  deadRetryMs: ms(100, 86_400_000).default(60_000),
  requestTimeoutMs: ms(10, 120_000).default(5_000),
  /** Deliveries attempted in one pass through the mailbox before yielding to other messages. */
  deliveriesPerPassMax: count(1, 1_000).default(20),
  /** An agent instance whose heartbeat stops for this long is reported dead. */
  agentTimeoutMs: ms(100, 600_000).default(2_500),
  /** A dead instance silent this long is forgotten. */
  instanceForgetMs: ms(1_000, 7 * 86_400_000).default(3_600_000),
  instancesMax: count(1, 100_000).default(1_024),
  /** Liveness, drawdown, the daily summary and due deliveries are looked at this often. */
  checkIntervalMs: ms(10, 60_000).default(1_000),
  /** Alert when the day's loss reaches these percentages of `daily_drawdown_usd`. */
  drawdownAlertPct: z.array(count(1, 100)).max(10).default([50, 80]),
  summaryHourUtc: count(0, 23).default(0),
});
export type AlertConfig = z.infer<typeof alertConfigSchema>;
export type AlertConfigInput = z.input<typeof alertConfigSchema>;

/** A resolved destination. */
export interface Channel {
  name: string;
  format: AlertFormat;
  url: string;
  chatId: string | null;
}

export function resolveAlertConfig(input: AlertConfigInput): AlertConfig {
  const result = alertConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ConfigError(`alert.${issue?.path.join(".") ?? "config"}`, issue?.message ?? "invalid");
}

/** Destinations with their names and chat ids settled; a Telegram one without a chat id throws. */
export function channelsOf(config: AlertConfig): Channel[] {
  const channels = config.webhooks.map((w, i) => {
    const chatId = w.chatId ?? new URL(w.url).searchParams.get("chat_id");
    if (w.format === "telegram" && chatId === null) {
      throw new ConfigError(`alert.webhooks.${i}.chatId`, "a telegram webhook needs a chat id");
    }
    return { name: w.name ?? `${w.format}-${i}`, format: w.format, url: w.url, chatId };
  });
  const names = new Set(channels.map((c) => c.name));
  if (names.size !== channels.length) {
    throw new ConfigError("alert.webhooks", "webhook names must be unique");
  }
  return channels;
}
