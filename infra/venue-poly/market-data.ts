/**
 * The public market-data reads of the CLOB (reference §1.5 rows 11–16 and the batch forms the
 * official client calls): prices, midpoints, spreads, last trade prices, price history, and the
 * simplified / sampling market lists, each paged with `next_cursor` like `/markets`.
 *
 * `GET /price` follows Polymarket's side convention, the reverse of what the name suggests:
 * `side=BUY` answers the best bid, `side=SELL` the best ask (reference §1.5 row 12).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Side } from "../../contracts/common.ts";
import type { VenueMarket } from "../../agents/runtime/venue.ts";
import type { PolyCore, TokenInfo } from "./core.ts";
import { HttpError } from "./errors.ts";
import { decodeCursor, dec, page, txHashOf, uuidOf } from "./wire.ts";

type Query = Record<string, string | undefined>;

/** Tokens per batch request (POST /books, /prices, /midpoints, /spreads, /last-trades-prices). */
export const BATCH_TOKENS_MAX = 500;
export const NO_BOOK = "No orderbook exists for the requested token id";

const INTERVAL_MS: Record<string, number> = {
  "1h": 3_600_000,
  "6h": 21_600_000,
  "1d": 86_400_000,
  "1w": 604_800_000,
  "1m": 2_592_000_000,
};

/** A token id from a query: 400 when malformed, 404 (`notFound`) when no market has it. */
export function tokenOf(
  core: PolyCore,
  q: Query,
  notFound = NO_BOOK,
): { tokenId: string; info: TokenInfo } {
  const tokenId = q.token_id;
  if (tokenId === undefined || !/^\d{1,78}$/.test(tokenId)) {
    throw new HttpError(400, "Invalid token id");
  }
  const info = core.token(tokenId);
  if (info === undefined) throw new HttpError(404, notFound);
  return { tokenId, info };
}

/** The `[{ token_id, side? }]` body of a batch read; 400 when it is anything else. */
export function batchOf(body: unknown): { tokenId: string; side: Side | undefined }[] {
  if (!Array.isArray(body)) throw new HttpError(400, "Invalid payload");
  if (body.length > BATCH_TOKENS_MAX) {
    throw new HttpError(400, `Too many tokens in payload, max allowed: ${BATCH_TOKENS_MAX}`);
  }
  return (body as unknown[]).map((item) => {
    const o = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof o.token_id !== "string" || !/^\d{1,78}$/.test(o.token_id)) {
      throw new HttpError(400, "Invalid token id");
    }
    if (o.side !== undefined && o.side !== "BUY" && o.side !== "SELL") {
      throw new HttpError(400, "Invalid side");
    }
    return { tokenId: o.token_id, side: o.side };
  });
}

/** Best bid and ask of a token's binary book, micro-units; null for an empty side. */
function top(core: PolyCore, tokenId: string): { bid: number | null; ask: number | null } {
  const b = core.book(tokenId);
  return { bid: b?.bids[0]?.price ?? null, ask: b?.asks[0]?.price ?? null };
}

function mid(core: PolyCore, tokenId: string): number | null {
  const { bid, ask } = top(core, tokenId);
  return bid === null || ask === null ? null : Math.round((bid + ask) / 2);
}

function spread(core: PolyCore, tokenId: string): number | null {
  const { bid, ask } = top(core, tokenId);
  return bid === null || ask === null ? null : ask - bid;
}

/** side=BUY → the best bid, side=SELL → the best ask (Polymarket's convention). */
function sidePrice(core: PolyCore, tokenId: string, side: Side): number | null {
  const { bid, ask } = top(core, tokenId);
  return side === "BUY" ? bid : ask;
}

function lastTrade(core: PolyCore, tokenId: string): { price: string; side: string } {
  const last = core.lastTradeOf(tokenId);
  return last === undefined
    ? { price: "0.5", side: "" }
    : { price: dec(last.price), side: last.side };
}

/** The simplified market object (`/simplified-markets`, `/sampling-simplified-markets`). */
function simplified(core: PolyCore, m: VenueMarket): Record<string, unknown> {
  const full = core.marketObject(m);
  return {
    condition_id: full.condition_id,
    rewards: full.rewards,
    tokens: full.tokens,
    active: full.active,
    closed: full.closed,
    archived: full.archived,
    accepting_orders: full.accepting_orders,
  };
}

/**
 * Sampling markets are the ones eligible for liquidity rewards; on this venue that is every
 * market still accepting orders (the venue pays no rewards, so none is singled out).
 */
function sampling(core: PolyCore): VenueMarket[] {
  return core.markets().filter((m) => m.status !== "RESOLVED");
}

export function registerMarketData(app: FastifyInstance, core: PolyCore): void {
  const paged = (rows: (q: Query) => unknown[]) => (req: FastifyRequest) => {
    const q = req.query as Query;
    const offset = decodeCursor(q.next_cursor);
    if (offset === null) throw new HttpError(400, "invalid next_cursor");
    return page(rows(q), offset, core.pageSize);
  };
  app.get(
    "/simplified-markets",
    paged(() => core.markets().map((m) => simplified(core, m))),
  );
  app.get(
    "/sampling-markets",
    paged(() => sampling(core).map((m) => core.marketObject(m))),
  );
  app.get(
    "/sampling-simplified-markets",
    paged(() => sampling(core).map((m) => simplified(core, m))),
  );

  app.get("/markets/live-activity/:condition_id", (req) => {
    const m = core.marketByCondition((req.params as Query).condition_id ?? "");
    if (m === undefined) throw new HttpError(404, "market not found");
    const market = core.marketObject(m);
    return (core.recentTrades.get(m.windowId) ?? []).map((t) => ({
      event_type: "trade",
      market: {
        condition_id: market.condition_id,
        asset_id: t.tokenId,
        question: market.question,
        icon: "",
        slug: m.slug,
      },
      // Counterparties are anonymous on this venue.
      user: {
        address: "",
        username: "",
        profile_picture: "",
        optimized_profile_picture: "",
        pseudonym: "",
      },
      side: t.side,
      size: dec(t.size),
      fee_rate_bps: String(m.feeRateBps),
      price: dec(t.price),
      outcome: t.tokenId === m.upTokenId ? "Up" : "Down",
      outcome_index: t.tokenId === m.upTokenId ? 0 : 1,
      transaction_hash: txHashOf(uuidOf(t.tradeId)),
      timestamp: String(Math.floor(t.ts / 1000)),
    }));
  });

  app.get("/midpoint", (req) => {
    const { tokenId } = tokenOf(core, req.query as Query);
    const m = mid(core, tokenId);
    if (m === null) throw new HttpError(404, NO_BOOK);
    return { mid: dec(m) };
  });
  app.post("/midpoints", (req) => {
    const out: Record<string, string> = {};
    for (const { tokenId } of batchOf(req.body)) {
      const m = core.token(tokenId) === undefined ? null : mid(core, tokenId);
      if (m !== null) out[tokenId] = dec(m);
    }
    return out;
  });

  app.get("/price", (req) => {
    const q = req.query as Query;
    const { tokenId } = tokenOf(core, q);
    if (q.side !== "BUY" && q.side !== "SELL") throw new HttpError(400, "Invalid side");
    const p = sidePrice(core, tokenId, q.side);
    if (p === null) throw new HttpError(404, NO_BOOK);
    return { price: dec(p) };
  });
  app.post("/prices", (req) => {
    const out: Record<string, Partial<Record<Side, string>>> = {};
    for (const { tokenId, side } of batchOf(req.body)) {
      if (core.token(tokenId) === undefined) continue;
      for (const s of side === undefined ? (["BUY", "SELL"] as const) : [side]) {
        const p = sidePrice(core, tokenId, s);
        if (p === null) continue;
        out[tokenId] = { ...out[tokenId], [s]: dec(p) };
      }
    }
    return out;
  });

  app.get("/spread", (req) => {
    const { tokenId } = tokenOf(core, req.query as Query);
    const s = spread(core, tokenId);
    if (s === null) throw new HttpError(404, NO_BOOK);
    return { spread: dec(s) };
  });
  app.post("/spreads", (req) => {
    const out: Record<string, string> = {};
    for (const { tokenId } of batchOf(req.body)) {
      const s = core.token(tokenId) === undefined ? null : spread(core, tokenId);
      if (s !== null) out[tokenId] = dec(s);
    }
    return out;
  });

  app.get("/last-trade-price", (req) => {
    const { tokenId } = tokenOf(core, req.query as Query);
    return lastTrade(core, tokenId);
  });
  app.post("/last-trades-prices", (req) =>
    batchOf(req.body)
      .filter(({ tokenId }) => core.token(tokenId) !== undefined)
      .map(({ tokenId }) => ({ token_id: tokenId, ...lastTrade(core, tokenId) })),
  );

  app.get("/prices-history", (req) => {
    const q = req.query as Query;
    const { tokenId } = tokenOf(core, { token_id: q.market });
    const now = core.clock.now();
    let startMs: number;
    let endMs: number;
    if (q.interval !== undefined) {
      if (q.interval === "max") startMs = 0;
      else {
        const span = INTERVAL_MS[q.interval];
        if (span === undefined) throw new HttpError(400, "Invalid interval");
        startMs = now - span;
      }
      endMs = now;
    } else {
      const start = Number(q.startTs);
      const end = Number(q.endTs);
      if (!Number.isInteger(start) || !Number.isInteger(end) || start > end) {
        throw new HttpError(400, "Invalid startTs / endTs");
      }
      startMs = start * 1000;
      endMs = end * 1000;
    }
    const fidelity = q.fidelity === undefined ? 1 : Number(q.fidelity);
    if (!Number.isInteger(fidelity) || fidelity < 1) throw new HttpError(400, "Invalid fidelity");
    return { history: core.history.query(tokenId, startMs, endMs, fidelity) };
  });
}
