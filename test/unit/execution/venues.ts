/**
 * Venue decorators for tests: the real simulated venue underneath, with one thing observed or
 * broken on top. Not mocks: every call still reaches the SimVenue and its books.
 */
import type {
  CallOptions,
  PlaceOrderRequest,
  PlaceResult,
  UserEvent,
  Venue,
} from "../../../agents/runtime/venue.ts";
import type { Store } from "../../../agents/runtime/store.ts";
import type { SimVenue } from "../../../infra/venue-sim/index.ts";

/** Delegates everything to the SimVenue. */
export class DelegatingVenue implements Venue {
  constructor(protected readonly inner: SimVenue) {}
  placeOrder(req: PlaceOrderRequest, opts: CallOptions): Promise<PlaceResult> {
    return this.inner.placeOrder(req, opts);
  }
  cancelOrder: Venue["cancelOrder"] = (id, o) => this.inner.cancelOrder(id, o);
  cancelAll: Venue["cancelAll"] = (o) => this.inner.cancelAll(o);
  getOrder: Venue["getOrder"] = (q, o) => this.inner.getOrder(q, o);
  openOrders: Venue["openOrders"] = (o) => this.inner.openOrders(o);
  trades: Venue["trades"] = (q, o) => this.inner.trades(q, o);
  positions: Venue["positions"] = (o) => this.inner.positions(o);
  balance: Venue["balance"] = (o) => this.inner.balance(o);
  heartbeat: Venue["heartbeat"] = (o) => this.inner.heartbeat(o);
  markets: Venue["markets"] = (o) => this.inner.markets(o);
  subscribeMarket: Venue["subscribeMarket"] = (l) => this.inner.subscribeMarket(l);
  subscribeUser(listener: (e: UserEvent) => void): () => void {
    return this.inner.subscribeUser(listener);
  }
}

/** Records, at the moment each order is sent, what the store holds for its client order id. */
export class StoreAtSendVenue extends DelegatingVenue {
  readonly storedAtSend: string[] = [];
  constructor(
    inner: SimVenue,
    private readonly store: Store,
  ) {
    super(inner);
  }
  override async placeOrder(req: PlaceOrderRequest, opts: CallOptions): Promise<PlaceResult> {
    const row = await this.store.getOrder(req.clientOrderId);
    this.storedAtSend.push(row === null ? "absent" : row.status);
    return this.inner.placeOrder(req, opts);
  }
}

/** Places for real, then answers with a reply missing its fields (a broken adapter). */
export class GarbledReplyVenue extends DelegatingVenue {
  override async placeOrder(req: PlaceOrderRequest, opts: CallOptions): Promise<PlaceResult> {
    await this.inner.placeOrder(req, opts);
    return { outcome: "accepted" } as unknown as PlaceResult;
  }
}

/** Lets a test push raw, possibly malformed, events into the user stream. */
export class InjectingVenue extends DelegatingVenue {
  private readonly listeners: ((e: UserEvent) => void)[] = [];
  override subscribeUser(listener: (e: UserEvent) => void): () => void {
    this.listeners.push(listener);
    return this.inner.subscribeUser(listener);
  }
  inject(raw: unknown): void {
    for (const l of this.listeners) l(raw as UserEvent);
  }
}
