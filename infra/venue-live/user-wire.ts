/**
 * The parser of Polymarket's user-channel messages (shared/reference/polymarket-api.md §2.3) —
 * `order` (PLACEMENT / UPDATE / CANCELLATION) and `trade` (MATCHED → MINED → CONFIRMED, RETRYING,
 * FAILED) — and of the REST rows of the same shapes (`GET /data/order`, `/data/orders`,
 * `/data/trades`). Every field is checked with zod before use; prices and sizes become integer
 * micro-units. Parsing never throws: a frame that is not understood comes back as `ignored`
 * (unknown event type) or `malformed` with the reason, for the caller to count and log.
 *
 * A trade names the taker's order at its top level and the makers' in `maker_orders`, each on its
 * own token at its own price — a maker can sit on the complementary token (a mint or a merge;
 * recorded `user_trade1.json`). `ourTrades` books our side of one: as taker, or as each maker
 * order of ours.
 */
import { z } from "zod";
import { takerFee, toMicro } from "../../contracts/money.ts";
import type { OrderType, Side } from "../../contracts/common.ts";
import type {
  TradeStatus,
  VenueOrder,
  VenueOrderStatus,
  VenueTrade,
} from "../../agents/runtime/venue.ts";

/** A decimal string ("0.518", ".48", "25.0000") or a finite number ≥ 0 → micro-units. */
const decimal = z
  .union([z.string().regex(/^(\d{1,15}(\.\d+)?|\.\d+)$/, "expected a decimal"), z.number()])
  .refine((v) => typeof v === "string" || (Number.isFinite(v) && v >= 0), "expected a decimal")
  .transform((v) => toMicro(typeof v === "string" && v.startsWith(".") ? `0${v}` : v));
/** size_matched may be "" (recorded FOK kills): nothing matched. */
const decimalOrEmpty = z.union([z.literal(""), decimal]).transform((v) => (v === "" ? 0 : v));
/** Epoch seconds or milliseconds (string or number), or an ISO date (synthetic fixtures) → ms. */
const time = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v, ctx) => {
    if (v === null || v === undefined || v === "") return 0;
    const n = Number(v);
    const ms = Number.isFinite(n) ? (n < 1e12 ? n * 1000 : n) : Date.parse(String(v));
    if (!Number.isFinite(ms) || ms < 0) {
      ctx.addIssue({ code: "custom", message: "expected epoch seconds, ms or an ISO date" });
      return z.NEVER;
    }
    return ms;
  });
const side = z.enum(["BUY", "SELL"]);
const id = z.string().min(1);
const bps = z
  .union([z.string(), z.number()])
  .optional()
  .transform((v, ctx) => {
    const n = v === undefined || v === "" ? 0 : Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 10_000) {
      ctx.addIssue({ code: "custom", message: "expected basis points" });
      return z.NEVER;
    }
    return n;
  });

const makerOrderSchema = z.object({
  order_id: id,
  owner: z.string().optional().default(""),
  maker_address: z.string().optional().default(""),
  matched_amount: decimal,
  price: decimal,
  asset_id: z.string().optional().default(""),
  side: side.optional(),
  fee_rate_bps: bps,
});

const tradeSchema = z
  .object({
    id,
    taker_order_id: id,
    asset_id: id,
    side,
    size: decimal,
    price: decimal,
    fee_rate_bps: bps,
    status: z.string().min(1),
    match_time: time,
    matchtime: time,
    last_update: time,
    trader_side: z.enum(["TAKER", "MAKER"]).optional(),
    owner: z.string().optional().default(""),
    maker_address: z.string().optional().default(""),
    maker_orders: z.array(makerOrderSchema).max(1_000).default([]),
  })
  .transform((t) => ({
    id: t.id,
    takerOrderId: t.taker_order_id,
    assetId: t.asset_id,
    side: t.side,
    size: t.size,
    price: t.price,
    feeRateBps: t.fee_rate_bps,
    status: tradeStatus(t.status),
    matchedAt: t.match_time || t.matchtime,
    updatedAt: t.last_update || t.match_time || t.matchtime,
    traderSide: t.trader_side ?? null,
    owner: t.owner,
    makerAddress: t.maker_address,
    makers: t.maker_orders.map((m) => ({
      orderId: m.order_id,
      owner: m.owner,
      makerAddress: m.maker_address,
      size: m.matched_amount,
      price: m.price,
      assetId: m.asset_id === "" ? t.asset_id : m.asset_id,
      side: m.side ?? null,
    })),
  }));

const orderSchema = z
  .object({
    id,
    asset_id: id,
    side,
    original_size: decimal,
    size_matched: decimalOrEmpty.optional().default(0),
    price: decimal,
    status: z.string().min(1),
    order_type: z.string().optional().default("GTC"),
    created_at: time,
    expiration: z.union([z.string(), z.number()]).nullish(),
    type: z.string().optional(),
  })
  .transform((o, ctx) => {
    const exp = o.expiration === null || o.expiration === undefined ? 0 : Number(o.expiration);
    if (!Number.isFinite(exp) || exp < 0) {
      ctx.addIssue({ code: "custom", path: ["expiration"], message: "expected epoch seconds" });
      return z.NEVER;
    }
    return {
      id: o.id,
      assetId: o.asset_id,
      side: o.side,
      size: o.original_size,
      filled: o.size_matched,
      price: o.price,
      status: orderStatus(o.status, o.size_matched, o.original_size),
      orderType: (ORDER_TYPES.has(o.order_type) ? o.order_type : "GTC") as OrderType,
      createdAt: o.created_at,
      expiresAt: exp === 0 ? null : exp < 1e12 ? exp * 1000 : exp,
    };
  });

export type UserTrade = z.infer<typeof tradeSchema>;
export type UserOrder = z.infer<typeof orderSchema>;

export type UserWireMessage =
  | { kind: "order"; order: UserOrder }
  | { kind: "trade"; trade: UserTrade }
  /** Understood and unused (PONG, a text frame), or an unknown event_type. */
  | { kind: "ignored"; reason: string; unknown: boolean }
  | { kind: "malformed"; reason: string };

const ORDER_TYPES = new Set(["GTC", "GTD", "FOK", "FAK"]);
/** A frame carrying more events than this is refused (a bound on one parse). */
export const USER_FRAME_EVENTS_MAX = 1_000;

/** One user-channel frame (text, or parsed JSON) → its messages, in order. Never throws. */
export function parseUserFrame(frame: unknown): UserWireMessage[] {
  let value = frame;
  if (typeof frame === "string") {
    const text = frame.trim();
    if (!text.startsWith("{") && !text.startsWith("[")) {
      return [
        {
          kind: "ignored",
          reason: `text frame ${JSON.stringify(text.slice(0, 40))}`,
          unknown: text !== "PONG" && text !== "",
        },
      ];
    }
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      return [{ kind: "malformed", reason: "frame is not JSON" }];
    }
  }
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  if (items.length > USER_FRAME_EVENTS_MAX) {
    return [{ kind: "malformed", reason: `frame has ${items.length} events` }];
  }
  return items.map(parseUserMessage);
}

export function parseUserMessage(raw: unknown): UserWireMessage {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { kind: "malformed", reason: "event is not an object" };
  }
  const o = raw as Record<string, unknown>;
  const type =
    typeof o.event_type === "string"
      ? o.event_type.toLowerCase()
      : "maker_orders" in o || "taker_order_id" in o
        ? "trade"
        : "original_size" in o
          ? "order"
          : "(none)";
  if (type === "trade") {
    const r = parseUserTrade(raw);
    return r.ok ? { kind: "trade", trade: r.value } : { kind: "malformed", reason: r.reason };
  }
  if (type === "order") {
    const r = parseUserOrder(raw);
    return r.ok ? { kind: "order", order: r.value } : { kind: "malformed", reason: r.reason };
  }
  return { kind: "ignored", reason: `unknown event_type ${JSON.stringify(type)}`, unknown: true };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A user-channel `trade` or a REST trade row. */
export function parseUserTrade(raw: unknown): Parsed<UserTrade> {
  const r = tradeSchema.safeParse(raw);
  return r.success
    ? { ok: true, value: r.data }
    : { ok: false, reason: reasonOf("trade", r.error) };
}

/** A user-channel `order` or a REST order row. */
export function parseUserOrder(raw: unknown): Parsed<UserOrder> {
  const r = orderSchema.safeParse(raw);
  return r.success
    ? { ok: true, value: r.data }
    : { ok: false, reason: reasonOf("order", r.error) };
}

function reasonOf(type: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue === undefined ? "" : issue.path.join(".");
  return `${type}: ${where} ${issue?.message ?? "invalid"}`.trim();
}

/** Who "we" are in a trade, and the names this process gives our orders and tokens. */
export interface Ours {
  /** The wallet (maker) address orders are signed for. */
  address: string;
  /** Our API key: the `owner` of our orders. Empty when unknown. */
  apiKey: string;
  /** The client order id of an order placed (or recovered) here; undefined for others. */
  clientIdOf(orderId: string): string | undefined;
  windowOf(tokenId: string): string;
}

/**
 * Our side of one venue trade: as taker, and/or as maker of any of our resting orders. A maker
 * fill is on the maker order's own token at its own price, which can be the complementary token of
 * the taker's (reference §2.3, recorded `user_trade1.json`).
 */
export function ourTrades(t: UserTrade, ours: Ours): VenueTrade[] {
  const common = { status: t.status, matchedAt: t.matchedAt, updatedAt: t.updatedAt };
  if (ours.clientIdOf(t.takerOrderId) !== undefined || t.traderSide === "TAKER") {
    return [
      {
        ...common,
        tokenId: t.assetId,
        windowId: ours.windowOf(t.assetId),
        tradeId: t.id,
        venueOrderId: t.takerOrderId,
        clientOrderId: ours.clientIdOf(t.takerOrderId) ?? "",
        side: t.side,
        price: t.price,
        size: t.size,
        fee: takerFee(t.size, t.price, t.feeRateBps),
        liquidity: "TAKER",
      },
    ];
  }
  const address = ours.address.toLowerCase();
  const out: VenueTrade[] = [];
  for (const m of t.makers) {
    const mine =
      ours.clientIdOf(m.orderId) !== undefined ||
      m.makerAddress.toLowerCase() === address ||
      (ours.apiKey !== "" && m.owner === ours.apiKey);
    if (!mine) continue;
    out.push({
      ...common,
      tokenId: m.assetId,
      windowId: ours.windowOf(m.assetId),
      tradeId: `${t.id}:${m.orderId}`,
      venueOrderId: m.orderId,
      clientOrderId: ours.clientIdOf(m.orderId) ?? "",
      side: makerSideOf(t, m),
      price: m.price,
      size: m.size,
      fee: 0,
      liquidity: "MAKER",
    });
  }
  return out;
}

/** An order row or message as the Venue port's order, stamped `now`. */
export function venueOrderOf(o: UserOrder, ours: Ours, now: number): VenueOrder {
  const open = o.status === "OPEN" || o.status === "PARTIALLY_FILLED";
  return {
    venueOrderId: o.id,
    clientOrderId: ours.clientIdOf(o.id) ?? "",
    tokenId: o.assetId,
    windowId: ours.windowOf(o.assetId),
    side: o.side,
    orderType: o.orderType,
    price: o.price,
    size: o.size,
    filledSize: o.filled,
    remaining: open ? o.size - o.filled : 0,
    status: o.status,
    cancelReason: o.status === "CANCELLED" ? "USER" : null,
    expiresAt: o.expiresAt,
    createdAt: o.createdAt,
    updatedAt: now,
  };
}

/**
 * A maker order's side: its own `side` when the venue sends one, else inferred — opposite the
 * taker's on the same token, the same as the taker's on the complementary token (BUY + BUY mint,
 * SELL + SELL merge).
 */
function makerSideOf(t: UserTrade, m: UserTrade["makers"][number]): Side {
  if (m.side !== null) return m.side;
  if (m.assetId !== t.assetId) return t.side;
  return t.side === "BUY" ? "SELL" : "BUY";
}

export function orderStatus(wire: string, filled: number, size: number): VenueOrderStatus {
  const s = wire.toUpperCase().replace(/^ORDER_STATUS_/, "");
  if (s === "LIVE" || s === "DELAYED") return filled > 0 ? "PARTIALLY_FILLED" : "OPEN";
  if (s === "MATCHED") return filled >= size ? "FILLED" : "PARTIALLY_FILLED";
  if (s.startsWith("CANCELED") || s === "UNMATCHED" || s === "INVALID")
    return filled >= size && size > 0 ? "FILLED" : "CANCELLED";
  return "OPEN";
}

/** MINED and RETRYING are still MATCHED to us: only CONFIRMED and FAILED are final. */
export function tradeStatus(wire: string): TradeStatus {
  const s = wire.toUpperCase().replace(/^TRADE_STATUS_/, "");
  if (s === "CONFIRMED") return "CONFIRMED";
  if (s === "FAILED") return "FAILED";
  return "MATCHED";
}
