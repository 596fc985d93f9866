/**
 * Order records and their moves, as pure functions. The client order id is derived from the intent
 * (`ord-<intentId>`), so a redelivered or replayed decision maps to the same row and the venue,
 * idempotent by client order id, can never hold two orders for one intent.
 */
import type { CroDecision, Mode, Order, OrderEvent, OrderStatus } from "../../contracts/index.ts";
import type { OrderRecord } from "../runtime/store.ts";
import type { PlaceOrderRequest, VenueOrder } from "../runtime/venue.ts";

/** The longest order id the contracts accept (contracts/orders.ts). */
export const ORDER_ID_MAX = 128;

export function orderIdFor(intentId: string): string {
  return `ord-${intentId}`;
}

/** Sent or maybe sent, outcome not known: the resolver owns these. */
export const UNRESOLVED_STATUSES: readonly OrderStatus[] = ["PENDING", "SUBMITTED", "UNKNOWN"];
/** Resting at the venue. */
export const LIVE_STATUSES: readonly OrderStatus[] = ["OPEN", "PARTIALLY_FILLED"];

/** Reason prefix of an order the venue proved it never received; the only non-final REJECTED. */
export const NOT_AT_VENUE = "NOT_AT_VENUE";

/** The PENDING row written before the venue is called. `epoch` is the approving CRO epoch. */
export function newOrder(decision: CroDecision, mode: Mode, now: number): OrderRecord {
  const i = decision.intent;
  return {
    orderId: orderIdFor(i.intentId),
    venueOrderId: null,
    intentId: i.intentId,
    decisionId: decision.decisionId,
    positionId: i.positionId,
    strategy: i.strategy,
    windowId: i.windowId,
    tokenId: i.tokenId,
    kind: i.kind,
    side: i.side,
    orderType: i.orderType,
    price: i.limitPrice,
    size: i.size,
    filledSize: 0,
    status: "PENDING",
    reason: null,
    mode,
    createdAt: now,
    updatedAt: now,
    epoch: decision.epoch,
  };
}

/** What `exec.order.refused` says about a decision that never became an order. */
export function refusedOrder(decision: CroDecision, mode: Mode, reason: string): Order {
  const { createdAt: _c, updatedAt: _u, epoch: _e, ...order } = newOrder(decision, mode, 0);
  // A refusal for an over-long intent id still has to fit the message schema.
  const orderId = order.orderId.slice(0, ORDER_ID_MAX);
  return { ...order, orderId, status: "REFUSED", reason: reason.slice(0, 500) };
}

export function toPayload(rec: OrderRecord): Order {
  const { createdAt: _c, updatedAt: _u, epoch: _e, ...order } = rec;
  return { ...order, reason: order.reason === null ? null : order.reason.slice(0, 500) };
}

export function placeRequest(rec: OrderRecord, expiresAt: number | null): PlaceOrderRequest {
  return {
    clientOrderId: rec.orderId,
    tokenId: rec.tokenId,
    side: rec.side,
    orderType: rec.orderType,
    price: rec.price,
    size: rec.size,
    expiresAt,
  };
}

const EVENT_OF: Record<OrderStatus, OrderEvent> = {
  PENDING: "submitted",
  SUBMITTED: "submitted",
  OPEN: "accepted",
  PARTIALLY_FILLED: "partially_filled",
  FILLED: "filled",
  CANCELLED: "cancelled",
  EXPIRED: "expired",
  REJECTED: "rejected",
  UNKNOWN: "unknown",
  REFUSED: "refused",
};

/** The `exec.order.<event>` that announces an order now in `status`. */
export function eventFor(status: OrderStatus): OrderEvent {
  return EVENT_OF[status];
}

const FINAL: readonly OrderStatus[] = ["FILLED", "CANCELLED", "EXPIRED", "REJECTED", "REFUSED"];

/** An order whose row will not move again (a NOT_AT_VENUE rejection yields to later venue proof). */
export function isFinal(rec: OrderRecord): boolean {
  return FINAL.includes(rec.status) && !isNotAtVenue(rec);
}

function isNotAtVenue(rec: OrderRecord): boolean {
  return rec.status === "REJECTED" && rec.reason?.startsWith(NOT_AT_VENUE) === true;
}

/** Rank of how far along an order is; the stored status never moves backwards. */
function progress(status: OrderStatus): number {
  if (status === "OPEN") return 1;
  if (status === "PARTIALLY_FILLED") return 2;
  if (FINAL.includes(status)) return 3;
  return 0;
}

/**
 * The stored order after the venue reported `vo`, or null when nothing changes. The venue's word
 * wins over anything Execution inferred (PENDING, UNKNOWN, NOT_AT_VENUE); reported statuses only
 * move forward, and the filled size only grows.
 */
export function applyVenueOrder(rec: OrderRecord, vo: VenueOrder, now: number): OrderRecord | null {
  const inferred = UNRESOLVED_STATUSES.includes(rec.status) || isNotAtVenue(rec);
  const forward = progress(vo.status) > progress(rec.status);
  const status = inferred || forward ? vo.status : rec.status;
  const filledSize = Math.max(rec.filledSize, vo.filledSize);
  const reason = vo.cancelReason === null ? rec.reason : `venue cancel: ${vo.cancelReason}`;
  const next = { ...rec, status, filledSize, venueOrderId: vo.venueOrderId, reason };
  const same =
    next.status === rec.status &&
    next.filledSize === rec.filledSize &&
    next.venueOrderId === rec.venueOrderId &&
    next.reason === rec.reason;
  return same ? null : { ...next, updatedAt: now };
}
