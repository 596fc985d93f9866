import { z } from "zod";
import { messageSchema } from "./envelope.ts";
import { fillStatus, mode, orderType, side, tokenId } from "./common.ts";
import { micro, priceMicro, qtyMicro } from "./money.ts";
import { intentKind } from "./intents.ts";

export const ORDER_EVENTS = [
  "submitted",
  "accepted",
  "rejected",
  "unknown",
  "partially_filled",
  "filled",
  "cancelled",
  "expired",
  "refused",
] as const;
export type OrderEvent = (typeof ORDER_EVENTS)[number];

export const orderStatus = z.enum([
  "PENDING",
  "SUBMITTED",
  "OPEN",
  "PARTIALLY_FILLED",
  "FILLED",
  "CANCELLED",
  "EXPIRED",
  "REJECTED",
  "UNKNOWN",
  "REFUSED",
]);
export type OrderStatus = z.infer<typeof orderStatus>;

export const orderPayload = {
  orderId: z.string().min(1).max(128),
  venueOrderId: z.string().min(1).max(256).nullable(),
  intentId: z.string().min(1).max(128),
  decisionId: z.string().min(1).max(128).nullable(),
  positionId: z.string().min(1).max(128).nullable(),
  strategy: z.string().min(1).max(64),
  windowId: z.string().min(1).max(128),
  tokenId,
  kind: intentKind,
  side,
  orderType,
  price: priceMicro,
  size: qtyMicro,
  filledSize: qtyMicro,
  status: orderStatus,
  reason: z.string().max(500).nullable(),
  mode,
};
export const order = z.object(orderPayload);
export type Order = z.infer<typeof order>;

export function orderEventSchema<E extends OrderEvent>(event: E) {
  return messageSchema(`exec.order.${event}`, orderPayload);
}

/** One trade against one of our orders, as the venue reported it. Idempotent by (tradeId, status). */
export const fillPayload = {
  tradeId: z.string().min(1).max(256),
  orderId: z.string().min(1).max(128),
  venueOrderId: z.string().min(1).max(256).nullable(),
  intentId: z.string().min(1).max(128),
  positionId: z.string().min(1).max(128).nullable(),
  strategy: z.string().min(1).max(64),
  windowId: z.string().min(1).max(128),
  tokenId,
  kind: intentKind,
  side,
  price: priceMicro,
  size: qtyMicro.positive(),
  fee: micro.nonnegative(),
  liquidity: z.enum(["TAKER", "MAKER"]),
  status: fillStatus,
  /** The price the intent asked for, so slippage can be recorded. */
  intendedPrice: priceMicro,
  mode,
};
export const fill = z.object(fillPayload);
export type Fill = z.infer<typeof fill>;
export const execFill = messageSchema("exec.fill", fillPayload);
export type ExecFill = z.infer<typeof execFill>;
