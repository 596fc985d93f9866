import { describe, expect, it } from "vitest";
import { OrderBook } from "../../../infra/venue-sim/index.ts";
import type { SimOrder } from "../../../infra/venue-sim/types.ts";

let seq = 0;
function order(id: string, side: "BUY" | "SELL", price: number, size: number): SimOrder {
  return {
    venueOrderId: id,
    clientOrderId: "",
    owner: "lp",
    account: "",
    tokenId: "T",
    windowId: "W",
    side,
    orderType: "GTC",
    price,
    size,
    filledSize: 0,
    status: "OPEN",
    cancelReason: null,
    expiresAt: null,
    createdAt: 0,
    updatedAt: 0,
    seq: ++seq,
    reserved: 0,
    expiryTimer: null,
  };
}

describe("OrderBook", () => {
  it("lists bids descending and asks ascending, aggregated per price", () => {
    const b = new OrderBook("T");
    b.add(order("b1", "BUY", 480_000, 5));
    b.add(order("b2", "BUY", 490_000, 7));
    b.add(order("b3", "BUY", 480_000, 3));
    b.add(order("a1", "SELL", 520_000, 4));
    b.add(order("a2", "SELL", 510_000, 6));
    expect(b.depth("BUY", 10)).toEqual([
      { price: 490_000, size: 7 },
      { price: 480_000, size: 8 },
    ]);
    expect(b.depth("SELL", 10)).toEqual([
      { price: 510_000, size: 6 },
      { price: 520_000, size: 4 },
    ]);
    expect(b.depth("BUY", 1)).toHaveLength(1);
  });

  it("plans matches best price first, then oldest first at a price", () => {
    const b = new OrderBook("T");
    b.add(order("late", "SELL", 500_000, 10));
    b.add(order("cheap", "SELL", 490_000, 10));
    b.add(order("later", "SELL", 500_000, 10));
    const plan = b.plan("BUY", 500_000, 25);
    expect(plan.map((f) => [f.maker.venueOrderId, f.price, f.size])).toEqual([
      ["cheap", 490_000, 10],
      ["late", 500_000, 10],
      ["later", 500_000, 5],
    ]);
  });

  it("stops planning at the limit price and changes nothing", () => {
    const b = new OrderBook("T");
    b.add(order("a", "SELL", 500_000, 10));
    b.add(order("b", "SELL", 510_000, 10));
    expect(b.plan("BUY", 505_000, 100).map((f) => f.size)).toEqual([10]);
    expect(b.plan("SELL", 600_000, 10)).toEqual([]);
    expect(b.depth("SELL", 10)).toHaveLength(2);
  });

  it("refuses to rest an order that would cross", () => {
    const b = new OrderBook("T");
    b.add(order("a", "SELL", 500_000, 10));
    expect(() => {
      b.add(order("b", "BUY", 500_000, 10));
    }).toThrow(/Invariant/);
  });

  it("removes orders and empty levels", () => {
    const b = new OrderBook("T");
    const o = order("a", "BUY", 400_000, 10);
    b.add(o);
    expect(b.remove(o)).toBe(true);
    expect(b.remove(o)).toBe(false);
    expect(b.bestBid()).toBeNull();
    expect(b.orderCount).toBe(0);
  });
});
