/**
 * One token's limit order book with price-time priority. It holds resting orders and plans
 * matches; the exchange applies fills (and the money) so a plan can be checked before anything
 * changes — which is how FOK stays all-or-nothing.
 */
import type { Level, Side } from "../../contracts/common.ts";
import { type SimOrder, remainingOf } from "./types.ts";

export interface PriceLevel {
  readonly price: number;
  /** Oldest first. */
  readonly orders: SimOrder[];
}

/**
 * One planned match against one resting (maker) order. `price` is what the taker trades at,
 * `makerPrice` the maker's own price: equal on one token, 1 − price for a complementary maker
 * (binary-book.ts).
 */
export interface PlannedFill {
  readonly maker: SimOrder;
  readonly price: number;
  readonly makerPrice: number;
  readonly size: number;
}

export class OrderBook {
  /** Best first: bids descending, asks ascending. */
  private readonly bids: PriceLevel[] = [];
  private readonly asks: PriceLevel[] = [];
  private readonly index = new Map<string, SimOrder>();

  constructor(readonly tokenId: string) {}

  get orderCount(): number {
    return this.index.size;
  }

  has(venueOrderId: string): boolean {
    return this.index.has(venueOrderId);
  }

  bestBid(): number | null {
    return this.bids[0]?.price ?? null;
  }

  bestAsk(): number | null {
    return this.asks[0]?.price ?? null;
  }

  /** Resting levels of one side, best first (bids descending, asks ascending). */
  levels(side: Side): readonly PriceLevel[] {
    return side === "BUY" ? this.bids : this.asks;
  }

  /** Whether an order on `side` at `price` would match at once. */
  crosses(side: Side, price: number): boolean {
    const best = side === "BUY" ? this.bestAsk() : this.bestBid();
    if (best === null) return false;
    return side === "BUY" ? price >= best : price <= best;
  }

  /**
   * The matches a taker on `side` would get, best price first, oldest first within a price, down to
   * `limit` and up to `size` shares. Changes nothing.
   */
  plan(side: Side, limit: number, size: number): PlannedFill[] {
    const levels = side === "BUY" ? this.asks : this.bids;
    const fills: PlannedFill[] = [];
    let left = size;
    for (const level of levels) {
      if (left === 0) break;
      if (side === "BUY" ? level.price > limit : level.price < limit) break;
      for (const maker of level.orders) {
        if (left === 0) break;
        const take = Math.min(left, remainingOf(maker));
        fills.push({ maker, price: level.price, makerPrice: level.price, size: take });
        left -= take;
      }
    }
    return fills;
  }

  /** Rests an order at the back of its price level. The caller has matched it first. */
  add(order: SimOrder): void {
    if (this.index.has(order.venueOrderId)) {
      throw new Error(`Invariant: order ${order.venueOrderId} already rests on ${this.tokenId}`);
    }
    if (this.crosses(order.side, order.price)) {
      throw new Error(`Invariant: resting ${order.side} @${order.price} would cross the book`);
    }
    const buy = order.side === "BUY";
    const levels = buy ? this.bids : this.asks;
    // Levels are few (a handful of ticks), so a linear scan beats a tree here.
    let i = 0;
    for (; i < levels.length; i++) {
      const p = levels[i]?.price ?? 0;
      if (buy ? p <= order.price : p >= order.price) break;
    }
    const level = levels[i];
    if (level !== undefined && level.price === order.price) level.orders.push(order);
    else levels.splice(i, 0, { price: order.price, orders: [order] });
    this.index.set(order.venueOrderId, order);
  }

  /** Takes an order off the book (cancel, expiry, or fully filled). Returns whether it rested. */
  remove(order: SimOrder): boolean {
    if (!this.index.delete(order.venueOrderId)) return false;
    const levels = order.side === "BUY" ? this.bids : this.asks;
    const li = levels.findIndex((l) => l.price === order.price);
    const level = levels[li];
    const oi = level?.orders.indexOf(order) ?? -1;
    if (level === undefined || oi < 0) {
      throw new Error(`Invariant: indexed order ${order.venueOrderId} missing from its level`);
    }
    level.orders.splice(oi, 1);
    if (level.orders.length === 0) levels.splice(li, 1);
    return true;
  }

  /** Resting orders of one owner, in book order. */
  ordersOf(owner: string): SimOrder[] {
    const out: SimOrder[] = [];
    for (const o of this.index.values()) if (o.owner === owner) out.push(o);
    return out;
  }

  all(): SimOrder[] {
    return [...this.index.values()];
  }

  /** Aggregated L2, best first, at most `levelsMax` levels a side. */
  depth(side: Side, levelsMax: number): Level[] {
    const levels = side === "BUY" ? this.bids : this.asks;
    const out: Level[] = [];
    for (const l of levels) {
      if (out.length === levelsMax) break;
      let size = 0;
      for (const o of l.orders) size += remainingOf(o);
      out.push({ price: l.price, size });
    }
    return out;
  }
}
