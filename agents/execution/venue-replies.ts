/**
 * The venue's answers are input like any other: parsed before they touch the store. A reply with a
 * missing or mistyped field is a clear error, never a half-applied order (invariant 8).
 */
import { z } from "zod";
import type {
  CancelResult,
  PlaceResult,
  UserEvent,
  VenueOrder,
  VenueTrade,
} from "../runtime/venue.ts";

const id = z.string().min(1).max(256);
const int = z.number().int();
const nonNegative = int.nonnegative();
const side = z.enum(["BUY", "SELL"]);

export const venueOrderSchema = z.object({
  venueOrderId: id,
  clientOrderId: id,
  tokenId: id,
  windowId: id,
  side,
  orderType: z.enum(["GTC", "GTD", "FOK", "FAK"]),
  price: nonNegative,
  size: nonNegative,
  filledSize: nonNegative,
  remaining: nonNegative,
  status: z.enum(["OPEN", "PARTIALLY_FILLED", "FILLED", "CANCELLED", "EXPIRED"]),
  cancelReason: z.enum(["USER", "FAK_REMAINDER", "HEARTBEAT", "MARKET_RESOLVED"]).nullable(),
  expiresAt: nonNegative.nullable(),
  createdAt: nonNegative,
  updatedAt: nonNegative,
}) satisfies z.ZodType<VenueOrder>;

export const venueTradeSchema = z.object({
  tradeId: id,
  venueOrderId: id,
  clientOrderId: id,
  tokenId: id,
  windowId: id,
  side,
  /** A fill price is strictly inside (0, 1), as every price in predator. */
  price: int.positive().lt(1_000_000),
  size: int.positive(),
  fee: nonNegative,
  liquidity: z.enum(["TAKER", "MAKER"]),
  status: z.enum(["MATCHED", "CONFIRMED", "FAILED"]),
  matchedAt: nonNegative,
  updatedAt: nonNegative,
}) satisfies z.ZodType<VenueTrade>;

const rejectCode = z.enum([
  "INVALID_ORDER",
  "TICK_SIZE",
  "MIN_SIZE",
  "LOT_SIZE",
  "MIN_NOTIONAL",
  "INSUFFICIENT_BALANCE",
  "INSUFFICIENT_ALLOWANCE",
  "FOK_NOT_FILLED",
  "FAK_NOT_FILLED",
  "MARKET_CLOSED",
  "UNKNOWN_TOKEN",
  "DUPLICATE_CLIENT_ID",
  "INVALID_EXPIRY",
  "VENUE_UNAVAILABLE",
]);

export const placeResultSchema = z.discriminatedUnion("outcome", [
  z.object({
    outcome: z.literal("accepted"),
    venueOrderId: id,
    status: venueOrderSchema.shape.status,
    filledSize: nonNegative,
    trades: z.array(venueTradeSchema).max(10_000),
  }),
  z.object({ outcome: z.literal("rejected"), code: rejectCode, message: z.string().max(2_000) }),
  z.object({ outcome: z.literal("unknown"), reason: z.string().max(2_000) }),
]) satisfies z.ZodType<PlaceResult>;

export const cancelResultSchema = z.object({
  cancelled: z.array(id).max(100_000),
  notCancelled: z.record(z.string(), z.string()),
}) satisfies z.ZodType<CancelResult>;

export const tradesReportSchema = z.object({
  complete: z.boolean(),
  items: z.array(z.unknown()).max(1_000_000),
  asOf: nonNegative,
});

export const userEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("order"),
    event: z.enum(["placed", "partially_filled", "filled", "cancelled", "expired"]),
    order: venueOrderSchema,
    ts: nonNegative,
  }),
  z.object({ type: z.literal("trade"), trade: venueTradeSchema, ts: nonNegative }),
]) satisfies z.ZodType<UserEvent>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Parses a venue reply; a failure names the first few bad fields. */
export function parseReply<T>(schema: z.ZodType<T>, what: string, data: unknown): Parsed<T> {
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
  return { ok: false, reason: `malformed ${what} from the venue: ${issues}` };
}
