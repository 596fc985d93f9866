/**
 * The end point of the tick-to-order bench: a Venue that stamps the moment each placeOrder reaches
 * it, served to Execution over the bus by the real VenueServer (the same path as `predator
 * venue-sim`). It answers every order as a fill-and-kill that found nothing to take (accepted,
 * CANCELLED, nothing filled), so no position, fill or reserved balance piles up between ticks.
 */
import type {
  CallOptions,
  CancelResult,
  HeartbeatResult,
  ListReport,
  MarketEvent,
  PlaceOrderRequest,
  PlaceResult,
  UserEvent,
  ValueReport,
  Venue,
  VenueBalance,
  VenueMarket,
  VenueOrder,
  VenuePosition,
  VenueTrade,
} from "../agents/runtime/venue.ts";

const DEAD_MAN_MS = 60_000;

export interface Arrival {
  clientOrderId: string;
  /** Epoch ms, sub-ms precision (performance.timeOrigin + performance.now()). */
  at: number;
}

export class ArrivalVenue implements Venue {
  private readonly orders = new Map<string, VenueOrder>();
  /** New orders not yet taken by `nextArrival`, oldest first. */
  private readonly arrivals: Arrival[] = [];
  private waiter: ((a: Arrival) => void) | null = null;
  private readonly windowOf = new Map<string, string>();
  private count = 0;

  constructor(private readonly collateral: number) {}

  /** Lists a token (of window `windowId`) so orders on it carry their window. */
  listToken(tokenId: string, windowId: string): void {
    this.windowOf.set(tokenId, windowId);
  }

  placeOrder(req: PlaceOrderRequest, _opts: CallOptions): Promise<PlaceResult> {
    const at = performance.timeOrigin + performance.now();
    const known = this.orders.get(req.clientOrderId);
    if (known !== undefined) return Promise.resolve(accepted(known));
    this.count++;
    const arrival = { clientOrderId: req.clientOrderId, at };
    if (this.waiter === null) this.arrivals.push(arrival);
    else this.waiter(arrival);
    this.waiter = null;
    const now = Date.now();
    const order: VenueOrder = {
      venueOrderId: `v-${req.clientOrderId}`,
      clientOrderId: req.clientOrderId,
      tokenId: req.tokenId,
      windowId: this.windowOf.get(req.tokenId) ?? "unlisted",
      side: req.side,
      orderType: req.orderType,
      price: req.price,
      size: req.size,
      filledSize: 0,
      remaining: 0,
      status: "CANCELLED",
      cancelReason: "FAK_REMAINDER",
      expiresAt: req.expiresAt,
      createdAt: now,
      updatedAt: now,
    };
    this.orders.set(req.clientOrderId, order);
    return Promise.resolve(accepted(order));
  }

  /** The next new order to arrive (or the oldest one not taken yet). One taker at a time. */
  nextArrival(): Promise<Arrival> {
    const first = this.arrivals.shift();
    if (first !== undefined) return Promise.resolve(first);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Orders received so far, including any the bench did not ask for. */
  get received(): number {
    return this.count;
  }

  cancelOrder(venueOrderId: string, _opts: CallOptions): Promise<CancelResult> {
    return Promise.resolve({ cancelled: [], notCancelled: { [venueOrderId]: "NOT_FOUND" } });
  }
  cancelAll(_opts: CallOptions): Promise<CancelResult> {
    return Promise.resolve({ cancelled: [], notCancelled: {} });
  }
  getOrder(query: { venueOrderId?: string; clientOrderId?: string }, _opts: CallOptions) {
    const id = query.clientOrderId ?? query.venueOrderId?.replace(/^v-/, "") ?? "";
    return Promise.resolve(this.orders.get(id) ?? null);
  }
  openOrders(_opts: CallOptions): Promise<ListReport<VenueOrder>> {
    return Promise.resolve(list<VenueOrder>());
  }
  trades(_query: { sinceTs?: number }, _opts: CallOptions): Promise<ListReport<VenueTrade>> {
    return Promise.resolve(list<VenueTrade>());
  }
  positions(_opts: CallOptions): Promise<ListReport<VenuePosition>> {
    return Promise.resolve(list<VenuePosition>());
  }
  balance(_opts: CallOptions): Promise<ValueReport<VenueBalance>> {
    const value = { collateral: this.collateral, allowance: this.collateral, reserved: 0 };
    return Promise.resolve({ complete: true, value, asOf: Date.now() });
  }
  heartbeat(_opts: CallOptions): Promise<HeartbeatResult> {
    return Promise.resolve({ deadlineTs: Date.now() + DEAD_MAN_MS });
  }
  markets(_opts: CallOptions): Promise<ListReport<VenueMarket>> {
    return Promise.resolve(list<VenueMarket>());
  }
  subscribeMarket(_listener: (e: MarketEvent) => void): () => void {
    return () => undefined;
  }
  subscribeUser(_listener: (e: UserEvent) => void): () => void {
    return () => undefined;
  }
}

function accepted(order: VenueOrder): PlaceResult {
  return {
    outcome: "accepted",
    venueOrderId: order.venueOrderId,
    status: order.status,
    filledSize: order.filledSize,
    trades: [],
  };
}

function list<T>(): ListReport<T> {
  return { complete: true, items: [], asOf: Date.now() };
}
