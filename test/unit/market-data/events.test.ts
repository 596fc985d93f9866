import { describe, expect, it } from "vitest";
import { marketEventSchema, parseMarketEvent } from "../../../agents/market-data/events.ts";
import { bookEvent, market, T0, windowEvent } from "./helpers.ts";

const m = market();
const good = bookEvent(m, "up", 3, T0);

/** The hand-written book check must agree with the schema it stands in for. */
const samples: [string, unknown][] = [
  ["a valid book", good],
  ["an empty book", { ...good, bids: [], asks: [] }],
  ["a token with a dot", { ...good, tokenId: "a.b" }],
  ["an empty window id", { ...good, windowId: "" }],
  ["a negative seq", { ...good, seq: -1 }],
  ["a fractional seq", { ...good, seq: 1.5 }],
  ["a NaN ts", { ...good, ts: Number.NaN }],
  ["a string price", { ...good, bids: [{ price: "0.5", size: 1 }] }],
  ["a level without size", { ...good, asks: [{ price: 500_000 }] }],
  ["levels not in an array", { ...good, bids: { price: 1, size: 1 } }],
  ["a missing tick size", { ...good, tickSize: undefined }],
  ["an unsafe integer size", { ...good, asks: [{ price: 1, size: 2 ** 60 }] }],
  ["a null level", { ...good, bids: [null] }],
];

describe("feed event shape", () => {
  for (const [what, raw] of samples) {
    it(`agrees with the schema on ${what}`, () => {
      expect(parseMarketEvent(raw).ok).toBe(marketEventSchema.safeParse(raw).success);
    });
  }

  it("copies book levels rather than keeping the feed's objects", () => {
    const parsed = parseMarketEvent(good);
    if (!parsed.ok || parsed.event.type !== "book") throw new Error("expected a book");
    expect(parsed.event).toEqual(good);
    expect(parsed.event.bids[0]).not.toBe(good.bids[0]);
  });

  it("parses the other event types with the schema", () => {
    expect(parseMarketEvent(windowEvent(m, "listed")).ok).toBe(true);
    expect(parseMarketEvent({ type: "window", event: "closed", window: m, ts: T0 })).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^event:/) as string,
    });
    expect(parseMarketEvent("book").ok).toBe(false);
  });
});
