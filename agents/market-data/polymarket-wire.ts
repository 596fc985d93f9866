/**
 * Converts Polymarket's market-channel WebSocket payloads into MarketEvents
 * (shared/reference/polymarket-api.md §2.2). On the wire every number is a decimal string, books
 * list the best price last (bids ascending, asks descending) and `price_change` carries new
 * aggregate level sizes ("0" removes the level), so the converter keeps a book per asset and emits
 * a full best-first snapshot (with its own per-asset seq) after every change. A frame may be one
 * object or an array; unknown event types and non-JSON frames are skipped, as the docs require.
 */
import { z } from "zod";
import { toMicro } from "../../contracts/money.ts";
import type { Level } from "../../contracts/common.ts";
import type { MarketEvent } from "../runtime/venue.ts";

/** ".48" appears in the docs' examples; toMicro wants a leading digit. */
const decimal = z
  .string()
  .regex(/^(\d+(\.\d+)?|\.\d+)$/)
  .transform((s) => toMicro(s.startsWith(".") ? `0${s}` : s));
const millis = z
  .string()
  .regex(/^\d{1,16}$/)
  .transform(Number);
const wireSide = z.enum(["BUY", "SELL"]);
const wireLevel = z.object({ price: decimal, size: decimal });
const change = z.object({ price: decimal, size: decimal, side: wireSide });

const bookMsg = z.object({
  event_type: z.literal("book"),
  market: z.string(),
  asset_id: z.string(),
  timestamp: millis,
  bids: z.array(wireLevel),
  asks: z.array(wireLevel),
  tick_size: decimal.optional(),
  min_order_size: decimal.optional(),
});
/** Three shapes: current `price_changes[]`, documented legacy `changes[]`, Nautilus' flat one. */
const priceChangeMsg = z.object({
  event_type: z.literal("price_change"),
  market: z.string(),
  timestamp: millis,
  asset_id: z.string().optional(),
  price_changes: z.array(change.extend({ asset_id: z.string() })).optional(),
  changes: z.array(change).optional(),
  price: decimal.optional(),
  size: decimal.optional(),
  side: wireSide.optional(),
});
const lastTradeMsg = z.object({
  event_type: z.literal("last_trade_price"),
  market: z.string(),
  asset_id: z.string(),
  timestamp: millis,
  price: decimal,
  size: decimal,
  side: wireSide,
});
const tickSizeMsg = z.object({
  event_type: z.literal("tick_size_change"),
  market: z.string(),
  asset_id: z.string(),
  timestamp: millis,
  old_tick_size: decimal,
  new_tick_size: decimal,
});

export interface WireOptions {
  /** Which window an asset belongs to; default: the market (condition id). */
  windowIdFor?: (market: string, assetId: string) => string;
  /** Used until a book or tick_size_change says otherwise (micro-units). */
  tickSize?: number;
  minSize?: number;
}

export interface ConvertResult {
  events: MarketEvent[];
  /** Why (part of) the frame produced nothing; empty when all of it converted. */
  skipped: string[];
}

interface AssetBook {
  windowId: string;
  bids: Map<number, number>;
  asks: Map<number, number>;
  seq: number;
  tickSize: number;
  minSize: number;
}

type Change = z.infer<typeof change> & { asset_id: string };

export class PolymarketWireConverter {
  private readonly books = new Map<string, AssetBook>();
  private readonly windowIdFor: (market: string, assetId: string) => string;
  private readonly tickSize: number;
  private readonly minSize: number;
  private trades = 0;

  constructor(options: WireOptions = {}) {
    this.windowIdFor = options.windowIdFor ?? ((market) => market);
    this.tickSize = options.tickSize ?? 10_000;
    this.minSize = options.minSize ?? 5_000_000;
  }

  /** One WebSocket frame (text or already-parsed JSON) → zero or more MarketEvents. */
  convert(frame: unknown): ConvertResult {
    const out: ConvertResult = { events: [], skipped: [] };
    const value = typeof frame === "string" ? parseFrame(frame) : frame;
    for (const msg of Array.isArray(value) ? (value as unknown[]) : [value]) this.one(msg, out);
    return out;
  }

  private one(msg: unknown, out: ConvertResult): void {
    const type = (msg as { event_type?: unknown } | null)?.event_type;
    const schema = SCHEMAS[typeof type === "string" ? type : ""];
    if (schema === undefined) {
      out.skipped.push(`unsupported event_type ${JSON.stringify(type ?? null)}`);
      return;
    }
    const parsed = schema.safeParse(msg);
    if (!parsed.success) {
      out.skipped.push(`malformed ${String(type)}: ${parsed.error.issues[0]?.message ?? "?"}`);
      return;
    }
    const m = parsed.data;
    switch (m.event_type) {
      case "book":
        out.events.push(this.onBook(m));
        return;
      case "price_change":
        this.onPriceChange(m, out);
        return;
      case "last_trade_price":
        out.events.push(this.onTrade(m));
        return;
      case "tick_size_change":
        this.onTickSize(m, out);
        return;
    }
  }

  private onBook(m: z.infer<typeof bookMsg>): MarketEvent {
    const prior = this.books.get(m.asset_id);
    const book: AssetBook = {
      windowId: this.windowIdFor(m.market, m.asset_id),
      bids: new Map(m.bids.map((l) => [l.price, l.size])),
      asks: new Map(m.asks.map((l) => [l.price, l.size])),
      seq: prior?.seq ?? 0,
      tickSize: m.tick_size ?? prior?.tickSize ?? this.tickSize,
      minSize: m.min_order_size ?? prior?.minSize ?? this.minSize,
    };
    this.books.set(m.asset_id, book);
    return this.snapshot(m.asset_id, book, m.timestamp);
  }

  private onPriceChange(m: z.infer<typeof priceChangeMsg>, out: ConvertResult): void {
    const touched = new Set<string>();
    for (const c of changesOf(m)) {
      const book = this.books.get(c.asset_id);
      if (book === undefined) {
        out.skipped.push(`price_change for ${c.asset_id} before its book snapshot`);
        continue;
      }
      const levels = c.side === "BUY" ? book.bids : book.asks;
      if (c.size === 0) levels.delete(c.price);
      else levels.set(c.price, c.size);
      touched.add(c.asset_id);
    }
    if (changesOf(m).length === 0) out.skipped.push("price_change without changes");
    for (const assetId of touched) {
      const book = this.books.get(assetId);
      if (book !== undefined) out.events.push(this.snapshot(assetId, book, m.timestamp));
    }
  }

  private onTrade(m: z.infer<typeof lastTradeMsg>): MarketEvent {
    this.trades++;
    return {
      type: "trade",
      tokenId: m.asset_id,
      windowId: this.books.get(m.asset_id)?.windowId ?? this.windowIdFor(m.market, m.asset_id),
      tradeId: `lt-${m.timestamp}-${this.trades}`,
      price: m.price,
      size: m.size,
      side: m.side,
      ts: m.timestamp,
    };
  }

  private onTickSize(m: z.infer<typeof tickSizeMsg>, out: ConvertResult): void {
    const book = this.books.get(m.asset_id);
    if (book !== undefined) book.tickSize = m.new_tick_size;
    out.events.push({
      type: "tick_size_change",
      tokenId: m.asset_id,
      windowId: book?.windowId ?? this.windowIdFor(m.market, m.asset_id),
      oldTickSize: m.old_tick_size,
      newTickSize: m.new_tick_size,
      ts: m.timestamp,
    });
  }

  /** Sorted rather than reversed: best first whatever order a capture used. */
  private snapshot(assetId: string, book: AssetBook, ts: number): MarketEvent {
    book.seq++;
    return {
      type: "book",
      tokenId: assetId,
      windowId: book.windowId,
      seq: book.seq,
      ts,
      bids: levelsOf(book.bids).sort((a, b) => b.price - a.price),
      asks: levelsOf(book.asks).sort((a, b) => a.price - b.price),
      tickSize: book.tickSize,
      minSize: book.minSize,
    };
  }
}

const SCHEMAS: Record<string, z.ZodType<WireMessage> | undefined> = {
  book: bookMsg,
  price_change: priceChangeMsg,
  last_trade_price: lastTradeMsg,
  tick_size_change: tickSizeMsg,
};

type WireMessage =
  | z.infer<typeof bookMsg>
  | z.infer<typeof priceChangeMsg>
  | z.infer<typeof lastTradeMsg>
  | z.infer<typeof tickSizeMsg>;

function changesOf(m: z.infer<typeof priceChangeMsg>): Change[] {
  if (m.price_changes !== undefined) return m.price_changes;
  const assetId = m.asset_id;
  if (assetId === undefined) return [];
  if (m.changes !== undefined) return m.changes.map((c) => ({ ...c, asset_id: assetId }));
  if (m.price === undefined || m.size === undefined || m.side === undefined) return [];
  return [{ asset_id: assetId, price: m.price, size: m.size, side: m.side }];
}

function levelsOf(levels: Map<number, number>): Level[] {
  return [...levels].map(([price, size]) => ({ price, size }));
}

/** Non-JSON frames ("PONG", "NO NEW ASSETS") convert to nothing. */
function parseFrame(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { event_type: `(text frame ${JSON.stringify(text.slice(0, 40))})` };
  }
}
