/**
 * A binary market's two books seen as one (reference/polymarket-api.md §2.2): a resting BUY of one
 * outcome at q is also an offer of the other outcome at 1 − q, and a resting SELL at q is also a bid
 * for the other at 1 − q. A taker therefore matches its own token's opposite side and the
 * complementary token's same side: BUY Up + BUY Down whose prices sum to ≥ 1 mint a pair, SELL Up +
 * SELL Down whose prices sum to ≤ 1 merge one. Orders stay on their own token's book; only planning
 * and the views combine the two.
 */
import type { Level, Side } from "../../contracts/common.ts";
import { MICRO } from "../../contracts/money.ts";
import type { OrderBook, PlannedFill, PriceLevel } from "./order-book.ts";
import { type SimOrder, remainingOf } from "./types.ts";

export function opposite(side: Side): Side {
  return side === "BUY" ? "SELL" : "BUY";
}

interface Candidate {
  /** The price the taker trades at. */
  readonly price: number;
  readonly orders: readonly SimOrder[];
  readonly mirrored: boolean;
}

/** Levels a taker on `side` can hit, best first, each with its price as the taker sees it. */
function* candidates(
  own: OrderBook,
  complement: OrderBook | undefined,
  side: Side,
): Generator<Candidate> {
  const direct: readonly PriceLevel[] = own.levels(opposite(side));
  const mirror: readonly PriceLevel[] = complement?.levels(side) ?? [];
  let i = 0;
  let j = 0;
  const better = (a: number, b: number): boolean => (side === "BUY" ? a < b : a > b);
  while (i < direct.length || j < mirror.length) {
    const d = direct[i];
    const m = mirror[j];
    const mPrice = m === undefined ? null : MICRO - m.price;
    if (d !== undefined && (mPrice === null || better(d.price, mPrice))) {
      yield { price: d.price, orders: d.orders, mirrored: false };
      i++;
    } else if (m !== undefined && mPrice !== null && (d === undefined || better(mPrice, d.price))) {
      yield { price: mPrice, orders: m.orders, mirrored: true };
      j++;
    } else if (d !== undefined && m !== undefined && mPrice !== null) {
      // The same price on both books: one level, time priority across them.
      const orders = [...d.orders, ...m.orders].sort((a, b) => a.seq - b.seq);
      yield { price: d.price, orders, mirrored: false };
      i++;
      j++;
    }
  }
}

/**
 * The matches a taker on `side` of `own`'s token would get, best price first, oldest first within a
 * price, down to `limit` and up to `size` shares. `price` is the taker's price, `makerPrice` the
 * maker's own (1 − price for a maker on the complementary token). Changes nothing.
 */
export function planBinary(
  own: OrderBook,
  complement: OrderBook | undefined,
  side: Side,
  limit: number,
  size: number,
): PlannedFill[] {
  const fills: PlannedFill[] = [];
  let left = size;
  for (const level of candidates(own, complement, side)) {
    if (left === 0) break;
    if (side === "BUY" ? level.price > limit : level.price < limit) break;
    for (const maker of level.orders) {
      if (left === 0) break;
      const take = Math.min(left, remainingOf(maker));
      const makerPrice = maker.tokenId === own.tokenId ? level.price : MICRO - level.price;
      fills.push({ maker, price: level.price, makerPrice, size: take });
      left -= take;
    }
  }
  return fills;
}

/** One side of the combined view of `own`'s token: its orders plus the mirrored complement's. */
export function binaryDepth(
  own: OrderBook | undefined,
  complement: OrderBook | undefined,
  side: Side,
  levelsMax: number,
): Level[] {
  const sizes = new Map<number, number>();
  for (const l of own?.depth(side, levelsMax) ?? []) sizes.set(l.price, l.size);
  for (const l of complement?.depth(opposite(side), levelsMax) ?? []) {
    const price = MICRO - l.price;
    sizes.set(price, (sizes.get(price) ?? 0) + l.size);
  }
  const levels = [...sizes].map(([price, size]) => ({ price, size }));
  levels.sort((a, b) => (side === "BUY" ? b.price - a.price : a.price - b.price));
  return levels.slice(0, levelsMax);
}

/** Best bid and ask of the combined view; null for an empty side. */
export function binaryTop(
  own: OrderBook | undefined,
  complement: OrderBook | undefined,
): { bid: number | null; ask: number | null } {
  return {
    bid: binaryDepth(own, complement, "BUY", 1)[0]?.price ?? null,
    ask: binaryDepth(own, complement, "SELL", 1)[0]?.price ?? null,
  };
}
