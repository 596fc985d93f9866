/**
 * MarketData's state and how each feed event changes it: L2 books per token with sequence and gap
 * checks, the windows those tokens belong to, and when each was last heard from. No I/O and no
 * clock: the caller passes the receive time in and acts on the returned outcome (publish, record a
 * gap, count a rejection), so every rule here is tested without a bus.
 */
import { BOOK_LEVELS_MAX, type Level } from "../../contracts/common.ts";
import type { MarketEvent, WindowStatus } from "../runtime/venue.ts";
import type { BookState, Outcome, RejectReason, TokenState } from "./book-types.ts";
import { applyMarket, isPrice, reject } from "./windows.ts";

export * from "./book-types.ts";
export { applyMarket, pruneResolved } from "./windows.ts";

/** Applies one (shape-checked) feed event received at `receiveTs`. */
export function applyEvent(state: BookState, event: MarketEvent, receiveTs: number): Outcome {
  const outcome = route(state, event, receiveTs);
  if (outcome.kind === "rejected") countRejection(state, outcome.reason);
  else state.lastEventAt = receiveTs;
  return outcome;
}

export function countRejection(state: BookState, reason: RejectReason): number {
  const n = (state.rejected.get(reason) ?? 0) + 1;
  state.rejected.set(reason, n);
  return n;
}

function route(state: BookState, event: MarketEvent, receiveTs: number): Outcome {
  switch (event.type) {
    case "book":
      return applyBook(state, event, receiveTs);
    case "trade":
      return applyTrade(state, event, receiveTs);
    case "window":
      return applyMarket(state, { ...event.window, status: statusOf(event.event) }, receiveTs);
    case "tick_size_change":
      return applyTickSize(state, event);
  }
}

function statusOf(event: "listed" | "opened" | "resolved"): WindowStatus {
  if (event === "listed") return "LISTED";
  return event === "opened" ? "OPEN" : "RESOLVED";
}

type BookEvent = Extract<MarketEvent, { type: "book" }>;

function applyBook(state: BookState, e: BookEvent, receiveTs: number): Outcome {
  const token = tokenOf(state, e.tokenId, e.windowId);
  if ("kind" in token) return token;
  const bad = checkBook(e);
  if (bad !== null) return bad;
  const prev = token.book;
  if (prev !== null && e.seq <= prev.seq) return { kind: "ignored", reason: "STALE_SEQ" };
  token.book = {
    tokenId: e.tokenId,
    windowId: e.windowId,
    seq: e.seq,
    sourceTs: e.ts,
    receiveTs,
    tickSize: e.tickSize,
    minSize: e.minSize,
    bids: e.bids.slice(0, BOOK_LEVELS_MAX),
    asks: e.asks.slice(0, BOOK_LEVELS_MAX),
  };
  token.lastSeenAt = receiveTs;
  // Snapshots are full, but a lost update means the feed dropped something: the token stays GAP
  // (reported by md.health) until a contiguous snapshot proves the stream whole again.
  if (prev !== null && e.seq > prev.seq + 1) {
    token.gap = true;
    state.gapsTotal++;
    return { kind: "gap", gap: { tokenId: e.tokenId, fromSeq: prev.seq + 1, toSeq: e.seq - 1 } };
  }
  token.gap = false;
  return { kind: "book", book: token.book };
}

function tokenOf(
  state: BookState,
  tokenId: string,
  windowId: string,
): TokenState | Extract<Outcome, { kind: "rejected" }> {
  const token = state.tokens.get(tokenId);
  if (token === undefined) return reject("UNKNOWN_TOKEN", `token ${tokenId} is in no known window`);
  if (token.windowId !== windowId) {
    return reject(
      "WINDOW_MISMATCH",
      `token ${tokenId} belongs to ${token.windowId}, not ${windowId}`,
    );
  }
  return token;
}

/** Semantic checks of a snapshot: prices in (0, 1), positive sizes, best first, not crossed. */
export function checkBook(e: BookEvent): Extract<Outcome, { kind: "rejected" }> | null {
  if (!isPrice(e.tickSize)) return reject("BAD_TICK", `tick size ${e.tickSize}`);
  if (e.minSize < 0) return reject("BAD_SIZE", `minimum size ${e.minSize}`);
  for (const [name, levels] of [
    ["bid", e.bids],
    ["ask", e.asks],
  ] as const) {
    for (const l of levels) {
      if (!isPrice(l.price)) return reject("BAD_PRICE", `${name} price ${l.price}`);
      if (l.size <= 0) return reject("BAD_SIZE", `${name} size ${l.size} at ${l.price}`);
    }
  }
  if (!strictly(e.bids, (a, b) => a > b)) return reject("UNSORTED", "bids not best-first");
  if (!strictly(e.asks, (a, b) => a < b)) return reject("UNSORTED", "asks not best-first");
  const bid = e.bids[0];
  const ask = e.asks[0];
  if (bid !== undefined && ask !== undefined && bid.price >= ask.price) {
    return reject("CROSSED", `best bid ${bid.price} >= best ask ${ask.price}`);
  }
  return null;
}

function strictly(levels: readonly Level[], before: (a: number, b: number) => boolean): boolean {
  for (let i = 1; i < levels.length; i++) {
    const a = levels[i - 1];
    const b = levels[i];
    if (a !== undefined && b !== undefined && !before(a.price, b.price)) return false;
  }
  return true;
}

type TradeEvent = Extract<MarketEvent, { type: "trade" }>;

function applyTrade(state: BookState, e: TradeEvent, receiveTs: number): Outcome {
  const token = tokenOf(state, e.tokenId, e.windowId);
  if ("kind" in token) return token;
  if (!isPrice(e.price)) return reject("BAD_PRICE", `trade price ${e.price}`);
  if (e.size <= 0) return reject("BAD_SIZE", `trade size ${e.size}`);
  token.lastSeenAt = receiveTs;
  const trade = { tokenId: e.tokenId, price: e.price, size: e.size, side: e.side, sourceTs: e.ts };
  return { kind: "trade", trade: { ...trade, receiveTs } };
}

function applyTickSize(
  state: BookState,
  e: Extract<MarketEvent, { type: "tick_size_change" }>,
): Outcome {
  const token = tokenOf(state, e.tokenId, e.windowId);
  if ("kind" in token) return token;
  if (!isPrice(e.newTickSize)) return reject("BAD_TICK", `new tick size ${e.newTickSize}`);
  // The CRO checks prices against the window's tick (md.window): announce the new one there, once
  // per window (both outcome tokens change together). Books carry it from their next snapshot.
  const w = state.windows.get(token.windowId);
  if (w !== undefined && w.market.status !== "RESOLVED" && w.market.tickSize !== e.newTickSize) {
    w.market = { ...w.market, tickSize: e.newTickSize };
    return { kind: "window", market: { ...w.market } };
  }
  return { kind: "tick", tokenId: e.tokenId, tickSize: e.newTickSize };
}
