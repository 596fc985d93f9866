import { describe, expect, it } from "vitest";
import { PolymarketWireConverter } from "../../../agents/market-data/polymarket-wire.ts";
import { parseMarketEvent } from "../../../agents/market-data/events.ts";
import { checkBook } from "../../../agents/market-data/book-state.ts";
import type { MarketEvent } from "../../../agents/runtime/venue.ts";
import { BOOK_ASSET, wire } from "./helpers.ts";

type BookEvent = Extract<MarketEvent, { type: "book" }>;
function onlyBook(events: MarketEvent[]): BookEvent {
  expect(events).toHaveLength(1);
  const e = events[0];
  if (e?.type !== "book") throw new Error(`expected a book, got ${e?.type ?? "nothing"}`);
  return e;
}

describe("Polymarket wire → MarketEvents (recorded WebSocket payloads)", () => {
  it("the recorded book lists the best price last on both sides", () => {
    const raw = wire("book.json") as { bids: { price: string }[]; asks: { price: string }[] };
    expect(raw.bids.at(-1)?.price).toBe("0.511");
    expect(raw.asks.at(-1)?.price).toBe("0.514");
  });

  it("converts the recorded book to a best-first snapshot in micro-units", () => {
    const book = onlyBook(new PolymarketWireConverter().convert(wire("book.json")).events);
    expect(book).toMatchObject({ tokenId: BOOK_ASSET, seq: 1, ts: 1_728_799_418_260 });
    expect(book.windowId).toBe(
      "0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917",
    );
    expect(book.bids).toHaveLength(76);
    expect(book.asks).toHaveLength(86);
    expect(book.bids[0]).toEqual({ price: 511_000, size: 1_304_720_000 });
    expect(book.asks[0]).toEqual({ price: 514_000, size: 20_230_870_000 });
    expect(book.bids.at(-1)).toEqual({ price: 1_000, size: 9_000_023_580_000 });
    expect(book.asks.find((l) => l.price === 900_000)?.size).toBe(199_310_000);
    expect(parseMarketEvent(book).ok).toBe(true);
    expect(checkBook(book)).toBeNull();
  });

  it("applies the recorded (flat) price_change to the ask level it names", () => {
    const c = new PolymarketWireConverter();
    c.convert(wire("book.json"));
    const book = onlyBook(c.convert(wire("price_change.json")).events);
    expect(book.seq).toBe(2);
    expect(book.ts).toBe(1_723_967_931_411);
    expect(book.asks[0]).toEqual({ price: 514_000, size: 21_574_080_000 });
    expect(book.bids[0]).toEqual({ price: 511_000, size: 1_304_720_000 });
  });

  it("removes a level whose new size is 0", () => {
    const c = new PolymarketWireConverter();
    c.convert(wire("book.json"));
    const change = { ...(wire("price_change.json") as object), size: "0" };
    const book = onlyBook(c.convert(change).events);
    expect(book.asks[0]?.price).toBe(515_000);
    expect(book.asks).toHaveLength(85);
  });

  it("skips a price_change for an asset whose snapshot it has not seen", () => {
    const out = new PolymarketWireConverter().convert(wire("price_change_v2.json"));
    expect(out.events).toEqual([]);
    expect(out.skipped).toHaveLength(3);
    expect(out.skipped[0]).toMatch(/before its book snapshot/);
  });

  it("applies every entry of the current price_changes[] shape, one snapshot per asset", () => {
    const c = new PolymarketWireConverter();
    const asset = "52114319501245915516055106046884209969926127482827954674443846427813813222426";
    c.convert({
      event_type: "book",
      market: "0x5f65",
      asset_id: asset,
      timestamp: "1729084877000",
      bids: [{ price: "0.4", size: "10" }],
      asks: [
        { price: "0.9", size: "10" },
        { price: "0.8", size: "5" },
      ],
    });
    const book = onlyBook(c.convert(wire("price_change_v2.json")).events);
    expect(book.bids.map((l) => l.price)).toEqual([700_000, 600_000, 500_000, 400_000]);
    expect(book.asks.map((l) => l.price)).toEqual([800_000, 900_000]);
    expect(book.bids[0]?.size).toBe(3_400_000_000);
  });

  it("converts last_trade_price into a trade and tick_size_change into micro-units", () => {
    const c = new PolymarketWireConverter();
    const [trade] = c.convert(wire("last_trade_price.json")).events;
    expect(trade).toMatchObject({ type: "trade", price: 491_000, size: 85_360_000, side: "SELL" });
    const [tick] = c.convert(wire("tick_size_change.json")).events;
    expect(tick).toMatchObject({
      type: "tick_size_change",
      oldTickSize: 10_000,
      newTickSize: 1_000,
    });
  });

  it("accepts array frames and text frames, and skips unknown event types and junk", () => {
    const c = new PolymarketWireConverter();
    const frame = JSON.stringify([wire("book.json"), { event_type: "best_bid_ask" }]);
    const out = c.convert(frame);
    expect(out.events.map((e) => e.type)).toEqual(["book"]);
    expect(out.skipped).toEqual(['unsupported event_type "best_bid_ask"']);
    expect(c.convert("PONG").events).toEqual([]);
    const bad = c.convert({ event_type: "book", asset_id: "a", bids: [{ price: "x" }] });
    expect(bad.skipped[0]).toMatch(/^malformed book/);
  });
});
