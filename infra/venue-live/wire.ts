/**
 * The parser of Polymarket's market-channel WebSocket frames (shared/reference/polymarket-api.md
 * §2.1–2.2). One frame is a JSON object, a JSON array of them, or a bare text frame ("PONG",
 * "NO NEW ASSETS"). Every number on the wire is a decimal string; here prices and sizes become
 * integer micro-units and levels keep the wire's order (best LAST) — the book code sorts.
 *
 * Some recorded payloads were stored without `event_type` (NautilusTrader's sanitised fixtures);
 * the type is then inferred from the shape, and only when the shape is unambiguous.
 */
import { z } from "zod";
import { toMicro } from "../../contracts/money.ts";
import type { Side } from "../../contracts/common.ts";

export interface WireLevel {
  price: number;
  size: number;
}

export interface WireChange {
  assetId: string;
  price: number;
  /** The new aggregate size at that price; 0 removes the level. */
  size: number;
  /** BUY = the bid side, SELL = the ask side. */
  side: Side;
  /** Top of book after the change as the venue sees it; null when absent or empty. */
  bestBid: number | null;
  bestAsk: number | null;
}

export type WireMessage =
  | {
      kind: "book";
      market: string;
      assetId: string;
      ts: number;
      hash: string | null;
      bids: WireLevel[];
      asks: WireLevel[];
      tickSize: number | null;
    }
  | { kind: "price_change"; market: string; ts: number; changes: WireChange[] }
  | {
      kind: "tick_size_change";
      market: string;
      assetId: string;
      ts: number;
      oldTickSize: number;
      newTickSize: number;
    }
  | {
      kind: "last_trade_price";
      market: string;
      assetId: string;
      ts: number;
      price: number;
      size: number;
      side: Side;
    }
  | {
      kind: "market_resolved";
      market: string;
      assetIds: string[];
      winningAssetId: string;
      ts: number;
    }
  /** Understood and deliberately unused (best_bid_ask, new_market, PONG…), or unknown. */
  | { kind: "ignored"; reason: string }
  | { kind: "malformed"; reason: string };

/** ".48" appears in the docs' examples; toMicro wants a leading digit. */
const decimal = z
  .string()
  .regex(/^(\d{1,12}(\.\d+)?|\.\d+)$/, "expected a decimal string")
  .transform((s) => toMicro(s.startsWith(".") ? `0${s}` : s));
/** best_bid / best_ask: "" (and "0" for bids, "0"/"1" for asks) mean an empty side. */
const optionalDecimal = z
  .string()
  .optional()
  .transform((s) =>
    s === undefined || s === "" ? null : toMicro(s.startsWith(".") ? `0${s}` : s),
  );
const millis = z
  .string()
  .regex(/^\d{1,16}$/, "expected epoch milliseconds")
  .transform(Number);
const wireSide = z.enum(["BUY", "SELL"]);
const level = z.object({ price: decimal, size: decimal });

const bookSchema = z.object({
  market: z.string().min(1),
  asset_id: z.string().min(1),
  timestamp: millis,
  hash: z.string().optional(),
  bids: z.array(level),
  asks: z.array(level),
  tick_size: decimal.optional(),
});
const changeSchema = z.object({
  asset_id: z.string().min(1),
  price: decimal,
  size: decimal,
  side: wireSide,
  best_bid: optionalDecimal,
  best_ask: optionalDecimal,
});
/** Current (since 2025-09-15) `price_changes[]`, documented legacy `changes[]`, and the flat one. */
const priceChangeSchema = z.object({
  market: z.string().min(1),
  timestamp: millis,
  asset_id: z.string().min(1).optional(),
  price_changes: z.array(changeSchema).optional(),
  changes: z.array(z.object({ price: decimal, size: decimal, side: wireSide })).optional(),
  price: decimal.optional(),
  size: decimal.optional(),
  side: wireSide.optional(),
});
const tickSchema = z.object({
  market: z.string().min(1),
  asset_id: z.string().min(1),
  timestamp: millis,
  old_tick_size: decimal,
  new_tick_size: decimal,
});
const tradeSchema = z.object({
  market: z.string().min(1),
  asset_id: z.string().min(1),
  timestamp: millis,
  price: decimal,
  size: decimal,
  side: wireSide,
});
const resolvedSchema = z.object({
  market: z.string().min(1),
  assets_ids: z.array(z.string().min(1)),
  winning_asset_id: z.string().min(1),
  timestamp: millis,
});

/** Events the market channel sends that the book does not need. */
const UNUSED = new Set(["best_bid_ask", "new_market"]);
/** A frame carrying more events than this is refused (a bound on one parse). */
export const FRAME_EVENTS_MAX = 10_000;

/** Parses one frame (text, or already-parsed JSON) into messages, in order. Never throws. */
export function parseFrame(frame: unknown): WireMessage[] {
  let value = frame;
  if (typeof frame === "string") {
    const text = frame.trim();
    if (!text.startsWith("{") && !text.startsWith("[")) {
      return [{ kind: "ignored", reason: `text frame ${JSON.stringify(text.slice(0, 40))}` }];
    }
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      return [{ kind: "malformed", reason: "frame is not JSON" }];
    }
  }
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  if (items.length > FRAME_EVENTS_MAX) {
    return [{ kind: "malformed", reason: `frame has ${items.length} events` }];
  }
  return items.map(parseMessage);
}

export function parseMessage(raw: unknown): WireMessage {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { kind: "malformed", reason: "event is not an object" };
  }
  const type = eventTypeOf(raw as Record<string, unknown>);
  switch (type) {
    case "book":
      return book(raw);
    case "price_change":
      return priceChange(raw);
    case "tick_size_change":
      return tick(raw);
    case "last_trade_price":
      return trade(raw);
    case "market_resolved":
      return resolved(raw);
    default:
      return UNUSED.has(type)
        ? { kind: "ignored", reason: type }
        : { kind: "ignored", reason: `unknown event_type ${JSON.stringify(type)}` };
  }
}

/** The declared event_type, or the one the shape implies when it is missing. */
function eventTypeOf(o: Record<string, unknown>): string {
  if (typeof o.event_type === "string") return o.event_type;
  if ("bids" in o && "asks" in o) return "book";
  if ("price_changes" in o || "changes" in o) return "price_change";
  if ("new_tick_size" in o) return "tick_size_change";
  if ("winning_asset_id" in o) return "market_resolved";
  // Flat price/side/size: a per-order `hash` marks Nautilus' flat price_change; a trade has none.
  if ("price" in o && "side" in o && "size" in o)
    return "hash" in o ? "price_change" : "last_trade_price";
  return "(none)";
}

function failure(type: string, error: z.ZodError): WireMessage {
  const issue = error.issues[0];
  const where = issue === undefined ? "" : issue.path.join(".");
  return { kind: "malformed", reason: `${type}: ${where} ${issue?.message ?? "invalid"}`.trim() };
}

function book(raw: unknown): WireMessage {
  const r = bookSchema.safeParse(raw);
  if (!r.success) return failure("book", r.error);
  const m = r.data;
  return {
    kind: "book",
    market: m.market,
    assetId: m.asset_id,
    ts: m.timestamp,
    hash: m.hash ?? null,
    bids: m.bids,
    asks: m.asks,
    tickSize: m.tick_size ?? null,
  };
}

function priceChange(raw: unknown): WireMessage {
  const r = priceChangeSchema.safeParse(raw);
  if (!r.success) return failure("price_change", r.error);
  const m = r.data;
  let changes: WireChange[] = [];
  if (m.price_changes !== undefined) {
    changes = m.price_changes.map((c) => ({
      assetId: c.asset_id,
      price: c.price,
      size: c.size,
      side: c.side,
      bestBid: c.best_bid === 0 ? null : c.best_bid,
      bestAsk: c.best_ask === 0 || c.best_ask === 1_000_000 ? null : c.best_ask,
    }));
  } else if (m.asset_id !== undefined) {
    const assetId = m.asset_id;
    const flat =
      m.price !== undefined && m.size !== undefined && m.side !== undefined
        ? [{ price: m.price, size: m.size, side: m.side }]
        : [];
    changes = (m.changes ?? flat).map((c) => ({ ...c, assetId, bestBid: null, bestAsk: null }));
  }
  if (changes.length === 0) return { kind: "malformed", reason: "price_change without changes" };
  return { kind: "price_change", market: m.market, ts: m.timestamp, changes };
}

function tick(raw: unknown): WireMessage {
  const r = tickSchema.safeParse(raw);
  if (!r.success) return failure("tick_size_change", r.error);
  const m = r.data;
  return {
    kind: "tick_size_change",
    market: m.market,
    assetId: m.asset_id,
    ts: m.timestamp,
    oldTickSize: m.old_tick_size,
    newTickSize: m.new_tick_size,
  };
}

function trade(raw: unknown): WireMessage {
  const r = tradeSchema.safeParse(raw);
  if (!r.success) return failure("last_trade_price", r.error);
  const m = r.data;
  return {
    kind: "last_trade_price",
    market: m.market,
    assetId: m.asset_id,
    ts: m.timestamp,
    price: m.price,
    size: m.size,
    side: m.side,
  };
}

function resolved(raw: unknown): WireMessage {
  const r = resolvedSchema.safeParse(raw);
  if (!r.success) return failure("market_resolved", r.error);
  const m = r.data;
  return {
    kind: "market_resolved",
    market: m.market,
    assetIds: m.assets_ids,
    winningAssetId: m.winning_asset_id,
    ts: m.timestamp,
  };
}

/**
 * A recorded stream: a JSON array of events, one JSON value per line (JSON lines), or one JSON
 * document (a single event, as most fixtures are). Returns the raw events in file order.
 */
export function readRecording(text: string): { events: unknown[]; badLines: number } {
  const trimmed = text.trim();
  if (trimmed === "") return { events: [], badLines: 0 };
  try {
    const whole = JSON.parse(trimmed) as unknown;
    return { events: Array.isArray(whole) ? (whole as unknown[]) : [whole], badLines: 0 };
  } catch {
    // Not one document: JSON lines.
  }
  const events: unknown[] = [];
  let badLines = 0;
  for (const line of trimmed.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (Array.isArray(v)) events.push(...(v as unknown[]));
      else events.push(v);
    } catch {
      badLines++;
    }
  }
  return { events, badLines };
}
