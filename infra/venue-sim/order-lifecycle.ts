/**
 * Resting, ending and reserving: what happens to an order once it is on a book. Reservations are
 * kept per order and in the ledger, and `assertInvariants` checks the two agree (TigerStyle pairs).
 */
import type { Clock } from "../../bus/clock.ts";
import type {
  CancelReason,
  CancelResult,
  OrderUpdateKind,
  VenueOrderStatus,
} from "../../agents/runtime/venue.ts";
import { ceilNotional } from "./amounts.ts";
import type { SimVenueConfig } from "./config.ts";
import type { Accounts, Ledger } from "./ledger.ts";
import { OrderBook } from "./order-book.ts";
import type { Outbox } from "./outbox.ts";
import { SELF, type SimOrder, isResting, orderView, remainingOf } from "./types.ts";

export class OrderLifecycle {
  readonly books = new Map<string, OrderBook>();
  /** Our orders, every one ever accepted, in placement order. */
  readonly orders = new Map<string, SimOrder>();
  /**
   * Our orders that may still rest, in placement order: every resting one, and ended ones until
   * the next read drops them (an order that stops resting never rests again). Reads of what rests
   * cost what rests, not every order a long run ever placed.
   */
  private readonly mayRest = new Set<SimOrder>();

  constructor(
    protected readonly clock: Clock,
    protected readonly cfg: SimVenueConfig,
    protected readonly accounts: Accounts,
    protected readonly outbox: Outbox,
  ) {}

  book(tokenId: string): OrderBook {
    let b = this.books.get(tokenId);
    if (b === undefined) {
      b = new OrderBook(tokenId);
      this.books.set(tokenId, b);
    }
    return b;
  }

  /** Records one of our new orders. */
  protected accept(order: SimOrder): void {
    this.orders.set(order.venueOrderId, order);
    this.mayRest.add(order);
  }

  /** Our resting orders, in placement order. */
  restingSelf(): SimOrder[] {
    const out: SimOrder[] = [];
    for (const o of this.mayRest) {
      if (isResting(o)) out.push(o);
      else this.mayRest.delete(o);
    }
    return out;
  }

  /** Forgets an emptied book (a pruned window). */
  dropBook(tokenId: string): void {
    const b = this.books.get(tokenId);
    if (b !== undefined && b.orderCount > 0) {
      throw new Error(`Invariant: dropping book ${tokenId} with ${b.orderCount} resting orders`);
    }
    this.books.delete(tokenId);
    this.outbox.forget(tokenId);
  }

  cancelSelf(venueOrderId: string): CancelResult {
    return this.outbox.batch(() => {
      const o = this.orders.get(venueOrderId);
      if (o === undefined) return { cancelled: [], notCancelled: { [venueOrderId]: "NOT_FOUND" } };
      if (!isResting(o)) {
        return { cancelled: [], notCancelled: { [venueOrderId]: `ALREADY_${o.status}` } };
      }
      this.end(o, "CANCELLED", "USER");
      return { cancelled: [venueOrderId], notCancelled: {} };
    });
  }

  protected rest(o: SimOrder): void {
    this.book(o.tokenId).add(o);
    this.outbox.markDirty(o.tokenId);
    if (o.owner === SELF) {
      o.reserved = expectedReserve(o);
      if (o.side === "BUY") this.ledgerOf(o).reserveCollateral(o.reserved);
      else this.ledgerOf(o).reserveShares(o.tokenId, o.reserved);
    }
    if (o.orderType === "GTD" && o.expiresAt !== null) {
      // The venue expires GTD orders a security margin early (reference/polymarket-api.md §1.8).
      const at = o.expiresAt - this.cfg.gtdSecurityMs;
      o.expiryTimer = this.clock.setTimer(at - this.clock.now(), () => {
        o.expiryTimer = null;
        this.outbox.batch(() => {
          if (isResting(o)) this.end(o, "EXPIRED", null);
        });
      });
    }
  }

  /** Takes a resting order off its book for good. */
  protected end(o: SimOrder, status: VenueOrderStatus, reason: CancelReason | null): void {
    if (this.book(o.tokenId).remove(o)) this.outbox.markDirty(o.tokenId);
    this.release(o);
    o.status = status;
    o.cancelReason = reason;
    o.updatedAt = this.clock.now();
    this.notify(o, status === "EXPIRED" ? "expired" : "cancelled");
  }

  /** A resting order just traded `size`: shrink its reservation; off the book when done. */
  protected afterMakerFill(o: SimOrder, size: number): void {
    if (remainingOf(o) === 0) this.book(o.tokenId).remove(o);
    if (o.owner !== SELF) return;
    if (o.side === "SELL") {
      this.ledgerOf(o).reserveShares(o.tokenId, -size);
      o.reserved -= size;
    } else {
      const next = expectedReserve(o);
      this.ledgerOf(o).reserveCollateral(next - o.reserved);
      o.reserved = next;
    }
    if (remainingOf(o) === 0) this.release(o);
  }

  protected notify(o: SimOrder, event: OrderUpdateKind): void {
    if (o.owner !== SELF) return;
    this.outbox.user({ type: "order", event, order: orderView(o), ts: this.clock.now() });
  }

  private release(o: SimOrder): void {
    if (o.expiryTimer !== null) {
      this.clock.clearTimer(o.expiryTimer);
      o.expiryTimer = null;
    }
    if (o.owner !== SELF || o.reserved === 0) return;
    if (o.side === "BUY") this.ledgerOf(o).reserveCollateral(-o.reserved);
    else this.ledgerOf(o).reserveShares(o.tokenId, -o.reserved);
    o.reserved = 0;
  }

  protected ledgerOf(o: SimOrder): Ledger {
    return this.accounts.of(o.account);
  }

  /** Throws on any disagreement between orders, books and each account's reservations. */
  assertInvariants(): void {
    const collateral = new Map<string, number>();
    const shares = new Map<string, Map<string, number>>();
    for (const o of this.orders.values()) {
      const onBook = this.books.get(o.tokenId)?.has(o.venueOrderId) ?? false;
      if (onBook !== isResting(o)) {
        throw new Error(`Invariant: order ${o.venueOrderId} ${o.status} but on book: ${onBook}`);
      }
      const expected = isResting(o) ? expectedReserve(o) : 0;
      if (o.reserved !== expected) {
        throw new Error(
          `Invariant: order ${o.venueOrderId} reserves ${o.reserved}, not ${expected}`,
        );
      }
      if (o.side === "BUY") {
        collateral.set(o.account, (collateral.get(o.account) ?? 0) + o.reserved);
      } else if (o.reserved > 0) {
        const mine = shares.get(o.account) ?? new Map<string, number>();
        mine.set(o.tokenId, (mine.get(o.tokenId) ?? 0) + o.reserved);
        shares.set(o.account, mine);
      }
    }
    for (const [account, ledger] of this.accounts.all()) {
      const reserved = collateral.get(account) ?? 0;
      if (reserved !== ledger.reservedCollateral) {
        throw new Error(
          `Invariant: orders of ${JSON.stringify(account)} reserve ${reserved}, ledger ${ledger.reservedCollateral}`,
        );
      }
      const mine = [...(shares.get(account) ?? new Map<string, number>())].sort();
      if (JSON.stringify(mine) !== JSON.stringify([...ledger.reservedSharesTotal()].sort())) {
        throw new Error("Invariant: reserved shares differ between orders and ledger");
      }
    }
    for (const b of this.books.values()) assertBook(b);
  }
}

/** BUY: price × remaining, rounded up; SELL: the remaining shares. */
function expectedReserve(o: SimOrder): number {
  return o.side === "BUY" ? ceilNotional(remainingOf(o), o.price) : remainingOf(o);
}

function assertBook(b: OrderBook): void {
  const bid = b.bestBid();
  const ask = b.bestAsk();
  if (bid !== null && ask !== null && bid >= ask) {
    throw new Error(`Invariant: book ${b.tokenId} crossed: ${bid} >= ${ask}`);
  }
  for (const o of b.all()) {
    if (!isResting(o) || remainingOf(o) <= 0) {
      throw new Error(`Invariant: book ${b.tokenId} holds ${o.venueOrderId} in ${o.status}`);
    }
  }
}
