import { describe, expect, it } from "vitest";
import {
  applyEvent,
  newBookState,
  pruneResolved,
  type BookState,
} from "../../../agents/market-data/book-state.ts";
import { bookEvent, lv, market, T0, windowEvent } from "./helpers.ts";

const m = market();

function withWindow(): BookState {
  const state = newBookState();
  expect(applyEvent(state, windowEvent(m, "opened"), T0).kind).toBe("window");
  return state;
}

describe("book state: sequence and gaps", () => {
  it("accepts the first snapshot of a token as its baseline, stamping source and receive time", () => {
    const state = withWindow();
    const out = applyEvent(state, bookEvent(m, "up", 41, T0 - 5), T0 + 3);
    expect(out.kind).toBe("book");
    if (out.kind !== "book") return;
    expect(out.book).toMatchObject({ seq: 41, sourceTs: T0 - 5, receiveTs: T0 + 3 });
    expect(out.book.bids[0]).toEqual(lv(480_000, 100_000_000));
  });

  it("publishes contiguous snapshots and ignores repeated or older ones", () => {
    const state = withWindow();
    applyEvent(state, bookEvent(m, "up", 1, T0), T0);
    expect(applyEvent(state, bookEvent(m, "up", 2, T0), T0).kind).toBe("book");
    expect(applyEvent(state, bookEvent(m, "up", 2, T0), T0)).toEqual({
      kind: "ignored",
      reason: "STALE_SEQ",
    });
    expect(applyEvent(state, bookEvent(m, "up", 1, T0), T0).kind).toBe("ignored");
    expect(state.gapsTotal).toBe(0);
  });

  it("reports a seq gap, marks the token GAP and clears it on the next contiguous snapshot", () => {
    const state = withWindow();
    applyEvent(state, bookEvent(m, "up", 1, T0), T0);
    const gap = applyEvent(state, bookEvent(m, "up", 4, T0 + 10), T0 + 10);
    expect(gap).toEqual({ kind: "gap", gap: { tokenId: m.upTokenId, fromSeq: 2, toSeq: 3 } });
    expect(state.gapsTotal).toBe(1);
    expect(state.tokens.get(m.upTokenId)?.gap).toBe(true);
    const next = applyEvent(state, bookEvent(m, "up", 5, T0 + 20), T0 + 20);
    expect(next.kind).toBe("book");
    expect(state.tokens.get(m.upTokenId)?.gap).toBe(false);
  });

  it("keeps at most 100 levels per side, the best ones", () => {
    const state = withWindow();
    const bids = Array.from({ length: 150 }, (_, i) => lv(490_000 - i * 1_000, 1_000_000));
    const out = applyEvent(state, bookEvent(m, "up", 1, T0, { bids }), T0);
    if (out.kind !== "book") throw new Error(out.kind);
    expect(out.book.bids).toHaveLength(100);
    expect(out.book.bids[0]?.price).toBe(490_000);
  });
});

describe("book state: bad feed events are rejected, counted, and change nothing", () => {
  const cases = [
    ["a negative size", { bids: [lv(480_000, -5)] }, "BAD_SIZE"],
    ["a crossed book", { bids: [lv(530_000, 1)], asks: [lv(520_000, 1)] }, "CROSSED"],
    ["a locked book", { bids: [lv(520_000, 1)], asks: [lv(520_000, 1)] }, "CROSSED"],
    ["bids worst first", { bids: [lv(470_000, 1), lv(480_000, 1)] }, "UNSORTED"],
    ["a price of 1", { asks: [lv(1_000_000, 1)] }, "BAD_PRICE"],
  ] as const;
  for (const [what, levels, reason] of cases) {
    it(`rejects ${what} (${reason})`, () => {
      const state = withWindow();
      applyEvent(state, bookEvent(m, "up", 1, T0), T0);
      const before = state.tokens.get(m.upTokenId)?.book;
      const out = applyEvent(state, bookEvent(m, "up", 2, T0 + 1, levels), T0 + 1);
      expect(out).toMatchObject({ kind: "rejected", reason });
      expect(state.tokens.get(m.upTokenId)?.book).toBe(before);
      expect(state.rejected.get(reason)).toBe(1);
      expect(state.lastEventAt).toBe(T0);
    });
  }

  it("rejects a book or trade for a token in no known window", () => {
    const state = newBookState();
    expect(applyEvent(state, bookEvent(m, "up", 1, T0), T0)).toMatchObject({
      kind: "rejected",
      reason: "UNKNOWN_TOKEN",
    });
    const trade = { type: "trade", tokenId: "nope", windowId: m.windowId, tradeId: "t1" } as const;
    const out = applyEvent(state, { ...trade, price: 500_000, size: 1, side: "BUY", ts: T0 }, T0);
    expect(out).toMatchObject({ kind: "rejected", reason: "UNKNOWN_TOKEN" });
    expect(state.rejected.get("UNKNOWN_TOKEN")).toBe(2);
  });

  it("rejects a book that names another window than its token's", () => {
    const state = withWindow();
    const out = applyEvent(state, { ...bookEvent(m, "up", 1, T0), windowId: "other" }, T0);
    expect(out).toMatchObject({ kind: "rejected", reason: "WINDOW_MISMATCH" });
  });

  it("rejects a window whose token already belongs to another window", () => {
    const state = withWindow();
    const clash = market({ windowId: "w2", slug: "w2", downTokenId: "x" });
    expect(applyEvent(state, windowEvent(clash, "listed"), T0)).toMatchObject({
      kind: "rejected",
      reason: "TOKEN_CONFLICT",
    });
  });
});

describe("book state: windows", () => {
  it("maps listed/opened/resolved to LISTED/OPEN/RESOLVED and never moves backwards", () => {
    const state = newBookState();
    const statusOf = (e: "listed" | "opened" | "resolved") => {
      const out = applyEvent(state, windowEvent(m, e), T0);
      return out.kind === "window" ? out.market.status : out.kind;
    };
    expect(statusOf("listed")).toBe("LISTED");
    expect(statusOf("opened")).toBe("OPEN");
    expect(statusOf("listed")).toBe("ignored");
    expect(statusOf("resolved")).toBe("RESOLVED");
    expect(statusOf("opened")).toBe("ignored");
  });

  it("re-announces an OPEN window once when its tick size changes (the CRO checks against it)", () => {
    const state = withWindow();
    const tick = (tokenId: string, newTickSize: number) =>
      applyEvent(
        state,
        {
          type: "tick_size_change",
          tokenId,
          windowId: m.windowId,
          oldTickSize: 10_000,
          newTickSize,
          ts: T0,
        },
        T0,
      );
    expect(tick(m.upTokenId, 1_000)).toMatchObject({
      kind: "window",
      market: { windowId: m.windowId, status: "OPEN", tickSize: 1_000 },
    });
    // The other outcome token changes with it: nothing new to announce.
    expect(tick(m.downTokenId, 1_000)).toEqual({
      kind: "tick",
      tokenId: m.downTokenId,
      tickSize: 1_000,
    });
    expect(state.windows.get(m.windowId)?.market.tickSize).toBe(1_000);
  });

  it("still accepts books of a resolved window until it is pruned", () => {
    const state = withWindow();
    applyEvent(state, windowEvent(m, "resolved"), T0 + 900_000);
    const empty = bookEvent(m, "up", 1, T0 + 900_000, { bids: [], asks: [] });
    expect(applyEvent(state, empty, T0 + 900_000).kind).toBe("book");
    expect(pruneResolved(state, T0 + 900_000 + 60_000, 30_000)).toBe(1);
    expect(state.tokens.size).toBe(0);
    expect(applyEvent(state, empty, T0 + 1_000_000)).toMatchObject({ reason: "UNKNOWN_TOKEN" });
  });
});
