/**
 * The Venue port carried over the bus, so that in multi-process runs Execution, MarketData and the
 * Reconciler share one simulated venue process. Calls are request/reply (`venue.call` →
 * `venue.result`), market events are core (`venue.market`), and our order/trade events go through
 * a stream (`venue.user`) so a restarted Execution receives what happened while it was down. Each
 * method's arguments and results are validated by the schemas below, on both ends.
 */
import { z } from "zod";
import { messageSchema } from "./envelope.ts";
import { level, orderType, side, tokenId } from "./common.ts";
import { micro, priceMicro, qtyMicro } from "./money.ts";

const ts = z.number().int().nonnegative();
const id = z.string().min(1).max(256);
const windowId = z.string().min(1).max(128);

export const venueTrade = z.object({
  tradeId: id,
  venueOrderId: id,
  clientOrderId: id,
  tokenId,
  windowId,
  side,
  price: priceMicro,
  size: qtyMicro,
  fee: micro.nonnegative(),
  liquidity: z.enum(["TAKER", "MAKER"]),
  status: z.enum(["MATCHED", "CONFIRMED", "FAILED"]),
  matchedAt: ts,
  updatedAt: ts,
});

export const venueOrder = z.object({
  venueOrderId: id,
  clientOrderId: id,
  tokenId,
  windowId,
  side,
  orderType,
  price: priceMicro,
  size: qtyMicro,
  filledSize: qtyMicro,
  remaining: qtyMicro,
  status: z.enum(["OPEN", "PARTIALLY_FILLED", "FILLED", "CANCELLED", "EXPIRED"]),
  cancelReason: z.enum(["USER", "FAK_REMAINDER", "HEARTBEAT", "MARKET_RESOLVED"]).nullable(),
  expiresAt: ts.nullable(),
  createdAt: ts,
  updatedAt: ts,
});

export const venueMarket = z.object({
  windowId,
  slug: z.string().min(1).max(128),
  startTs: ts,
  endTs: ts,
  upTokenId: tokenId,
  downTokenId: tokenId,
  tickSize: priceMicro,
  minSize: qtyMicro,
  feeRateBps: z.number().int().min(0).max(10_000),
  status: z.enum(["LISTED", "OPEN", "RESOLVED"]),
  outcome: z.enum(["UP", "DOWN"]).nullable(),
});

const listReport = <T extends z.ZodType>(item: T) =>
  z.object({ complete: z.boolean(), items: z.array(item).max(100_000), asOf: ts });

export const placeRequest = z.object({
  clientOrderId: id,
  tokenId,
  side,
  orderType,
  price: priceMicro,
  size: qtyMicro,
  expiresAt: ts.nullable(),
});

export const placeResult = z.discriminatedUnion("outcome", [
  z.object({
    outcome: z.literal("accepted"),
    venueOrderId: id,
    status: venueOrder.shape.status,
    filledSize: qtyMicro,
    trades: z.array(venueTrade).max(10_000),
  }),
  z.object({
    outcome: z.literal("rejected"),
    code: z.string().min(1).max(64),
    message: z.string().max(1000),
  }),
  z.object({ outcome: z.literal("unknown"), reason: z.string().max(1000) }),
]);

export const cancelResult = z.object({
  cancelled: z.array(id).max(100_000),
  notCancelled: z.record(z.string(), z.string()),
});

/** Arguments and result schema of every venue method. */
export const venueMethods = {
  placeOrder: { args: placeRequest, result: placeResult },
  cancelOrder: { args: z.object({ venueOrderId: id }), result: cancelResult },
  cancelAll: { args: z.object({}), result: cancelResult },
  getOrder: {
    args: z.object({ venueOrderId: id.optional(), clientOrderId: id.optional() }),
    result: venueOrder.nullable(),
  },
  openOrders: { args: z.object({}), result: listReport(venueOrder) },
  trades: { args: z.object({ sinceTs: ts.optional() }), result: listReport(venueTrade) },
  positions: {
    args: z.object({}),
    result: listReport(z.object({ tokenId, shares: z.number().int() })),
  },
  balance: {
    args: z.object({}),
    result: z.object({
      complete: z.boolean(),
      value: z.object({ collateral: micro, allowance: micro, reserved: micro }),
      asOf: ts,
    }),
  },
  heartbeat: { args: z.object({}), result: z.object({ deadlineTs: ts }) },
  markets: { args: z.object({}), result: listReport(venueMarket) },
} as const;
export type VenueMethod = keyof typeof venueMethods;
export const venueMethod = z.enum(Object.keys(venueMethods) as [VenueMethod, ...VenueMethod[]]);

export const marketEvent = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("book"),
    tokenId,
    windowId,
    seq: z.number().int().nonnegative(),
    ts,
    bids: z.array(level).max(1000),
    asks: z.array(level).max(1000),
    tickSize: priceMicro,
    minSize: qtyMicro,
  }),
  z.object({
    type: z.literal("trade"),
    tokenId,
    windowId,
    tradeId: id,
    price: priceMicro,
    size: qtyMicro,
    side,
    ts,
  }),
  z.object({
    type: z.literal("window"),
    event: z.enum(["listed", "opened", "resolved"]),
    window: venueMarket,
    ts,
  }),
  z.object({
    type: z.literal("tick_size_change"),
    tokenId,
    windowId,
    oldTickSize: priceMicro,
    newTickSize: priceMicro,
    ts,
  }),
]);

export const userEvent = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("order"),
    event: z.enum(["placed", "partially_filled", "filled", "cancelled", "expired"]),
    order: venueOrder,
    ts,
  }),
  z.object({ type: z.literal("trade"), trade: venueTrade, ts }),
]);

export const venueCall = messageSchema("venue.call", {
  method: venueMethod,
  args: z.record(z.string(), z.unknown()),
  timeoutMs: z.number().int().positive().max(600_000),
});
export type VenueCall = z.infer<typeof venueCall>;

export const venueResult = messageSchema("venue.result", {
  ok: z.boolean(),
  result: z.unknown(),
  error: z
    .object({
      code: z.string().max(64),
      message: z.string().max(1000),
      status: z.number().int().nullable(),
    })
    .nullable(),
});
export type VenueResult = z.infer<typeof venueResult>;

export const venueMarketMsg = messageSchema("venue.market", { event: marketEvent });
export const venueUserMsg = messageSchema("venue.user", { event: userEvent, eventKey: id });
