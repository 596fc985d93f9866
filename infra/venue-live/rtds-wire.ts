/**
 * Polymarket's real-time data socket (RTDS) for crypto prices, on the wire (reference §2.4;
 * Polymarket's ts-sdk `subscriptions/rtds.ts`; recorded vectors in
 * shared/fixtures/polymarket/nautilus_trader/test_data/rtds_*.json). Subscribe with
 * `{"action":"subscribe","subscriptions":[{"topic","type","filters"}]}`; `filters` is a JSON
 * string, `{"symbol":"btc/usd"}` for the Chainlink topics. Frames are `{topic,type,timestamp,
 * payload}`: an `update` carries one price (`payload.symbol/timestamp/value`, the Chainlink TWAP
 * topics also the exact E18 integer `full_accuracy_value`), a `subscribe` frame (topic
 * `crypto_prices`) a backfill `payload.data[]`. Keep-alive: the text `PING` every 5 s, answered
 * `PONG`; any other non-JSON frame is ignored.
 *
 * Every frame is checked with zod: one that is not a price frame of a crypto topic is `unknown`
 * (another topic, a new type) or `malformed` (ours, but broken), counted by the caller; never thrown.
 */
import { z } from "zod";
import { MICRO } from "../../contracts/money.ts";
import type { UnderlyingTick } from "../../agents/runtime/venue.ts";

/** The crypto price topics: Chainlink spot, Chainlink TWAPs (what windows settle on), Binance. */
export const RTDS_CRYPTO_TOPICS = [
  "crypto_prices_chainlink",
  "crypto_prices_twap_sixty",
  "crypto_prices_twap_thirty",
  "crypto_prices",
] as const;
export type RtdsTopic = (typeof RTDS_CRYPTO_TOPICS)[number];

const finitePositive = z.number().positive();
const epochMs = z.number().int().nonnegative();

const updatePayload = z.object({
  symbol: z.string().min(1).max(32),
  timestamp: epochMs,
  value: finitePositive,
  full_accuracy_value: z.string().max(64).optional(),
});

const subscribePayload = z.object({
  symbol: z.string().min(1).max(32),
  data: z.array(z.object({ timestamp: epochMs, value: finitePositive })).max(10_000),
});

const frame = z.object({
  topic: z.enum(RTDS_CRYPTO_TOPICS),
  type: z.string(),
  timestamp: epochMs.optional(),
  payload: z.unknown(),
});

export type RtdsParse =
  | { kind: "ticks"; ticks: UnderlyingTick[] }
  | { kind: "ignored" }
  | { kind: "unknown"; reason: string }
  | { kind: "malformed"; reason: string };

const E18_TO_MICRO = 1_000_000_000_000n;

/**
 * Micro-USD of one price: the exact E18 integer when the frame has one (Chainlink TWAP topics,
 * ts-sdk normalises from it), else the display float rounded to a micro-dollar.
 */
export function microOf(value: number, fullAccuracy: string | undefined): number {
  if (fullAccuracy !== undefined && /^\d{19,40}$/.test(fullAccuracy)) {
    const micro = BigInt(fullAccuracy) / E18_TO_MICRO;
    if (micro > 0n && micro <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(micro);
  }
  return Math.round(value * MICRO);
}

/** One text frame → ticks, or why not. Never throws. */
export function parseRtdsFrame(text: string): RtdsParse[] {
  if (text === "PONG" || text === "PING" || text === "") return [{ kind: "ignored" }];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [{ kind: "ignored" }];
  }
  return (Array.isArray(json) ? json : [json]).map(parseRtdsMessage);
}

export function parseRtdsMessage(json: unknown): RtdsParse {
  const head = frame.safeParse(json);
  if (!head.success) {
    const topic = (json as { topic?: unknown } | null)?.topic;
    return { kind: "unknown", reason: `not a crypto price frame (topic ${String(topic)})` };
  }
  const { topic, type, payload } = head.data;
  const origin = `rtds:${topic}`;
  if (type === "update") {
    const p = updatePayload.safeParse(payload);
    if (!p.success) return { kind: "malformed", reason: reasonOf(`${topic} update`, p.error) };
    const price = microOf(p.data.value, p.data.full_accuracy_value);
    if (!(price > 0)) return { kind: "malformed", reason: `${topic} update: price ${price}` };
    return {
      kind: "ticks",
      ticks: [{ symbol: p.data.symbol.toLowerCase(), price, ts: p.data.timestamp, origin }],
    };
  }
  if (type === "subscribe") {
    const p = subscribePayload.safeParse(payload);
    if (!p.success) return { kind: "malformed", reason: reasonOf(`${topic} subscribe`, p.error) };
    const symbol = p.data.symbol.toLowerCase();
    const ticks = p.data.data
      .map((d) => ({ symbol, price: Math.round(d.value * MICRO), ts: d.timestamp, origin }))
      .sort((a, b) => a.ts - b.ts);
    return { kind: "ticks", ticks };
  }
  return { kind: "unknown", reason: `${topic}: frame type ${type}` };
}

function reasonOf(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  return `${what}: ${issue?.path.join(".") || "payload"}: ${issue?.message ?? "invalid"}`;
}

/** The subscribe message for these symbols (e.g. `btc/usd`) on one topic. */
export function rtdsSubscribeMessage(topic: RtdsTopic, symbols: readonly string[]): string {
  return JSON.stringify({
    action: "subscribe",
    subscriptions: symbols.map((symbol) => ({
      topic,
      type: "update",
      // The Binance topic names symbols like `btcusdt`; the Chainlink ones `btc/usd`.
      filters: JSON.stringify({ symbol }),
    })),
  });
}
