/** The public market-data routes of the CLOB V2 REST API (reference §1.5) and Gamma's event lookup. */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HttpError } from "./errors.ts";
import { batchOf, registerMarketData, tokenOf as tokenOfQuery } from "./market-data.ts";
import type { PolyCore } from "./core.ts";
import { decodeCursor, num, page } from "./wire.ts";

type Query = Record<string, string | undefined>;

export function registerMarkets(app: FastifyInstance, core: PolyCore): void {
  const tokenOf = (q: Query, notFound?: string) => tokenOfQuery(core, q, notFound);
  // ---- market data (public) ----
  app.get("/book", (req) => {
    const { tokenId, info } = tokenOf(req.query as Query);
    const b = core.book(tokenId);
    if (b === null) throw new HttpError(404, "No orderbook exists for the requested token id");
    return core.bookSummary(b, info);
  });
  app.post("/books", (req) => {
    const out: unknown[] = [];
    for (const { tokenId } of batchOf(req.body)) {
      const info = core.token(tokenId);
      const b = info === undefined ? null : core.book(tokenId);
      if (info !== undefined && b !== null) out.push(core.bookSummary(b, info));
    }
    return out;
  });
  const tickSize = (req: FastifyRequest) => {
    const q = { ...(req.query as Query), ...(req.params as Query) };
    const { info } = tokenOf(q, "market not found");
    return { minimum_tick_size: num(info.market.tickSize) };
  };
  app.get("/tick-size", tickSize);
  app.get("/tick-size/:token_id", tickSize);
  app.get("/neg-risk", (req) => {
    tokenOf(req.query as Query, "market not found");
    return { neg_risk: false };
  });
  const feeRate = (req: FastifyRequest) => {
    const q = { ...(req.query as Query), ...(req.params as Query) };
    const { info } = tokenOf(q, "fee rate not found for market");
    return { base_fee: info.market.feeRateBps };
  };
  app.get("/fee-rate", feeRate);
  app.get("/fee-rate/:token_id", feeRate);
  registerMarketData(app, core);
  app.get("/markets", (req) => {
    const offset = decodeCursor((req.query as Query).next_cursor);
    if (offset === null) throw new HttpError(400, "invalid next_cursor");
    return page(
      core.markets().map((m) => core.marketObject(m)),
      offset,
      core.pageSize,
    );
  });
  app.get("/markets/:condition_id", (req) => {
    const m = core.marketByCondition((req.params as Query).condition_id ?? "");
    if (m === undefined) throw new HttpError(404, "market not found");
    return core.marketObject(m);
  });
  // Gamma's discovery by slug (reference §4.5, §4.6), served on the same host: an array of events
  // (empty when no window has the slug), each with its market nested in `markets[]`.
  app.get("/events", (req) => {
    const q = (req.query ?? {}) as Record<string, string | string[] | undefined>;
    const slugs = q.slug === undefined ? [] : Array.isArray(q.slug) ? q.slug : [q.slug];
    const found = slugs.length === 0 ? core.markets() : slugs.map((s) => core.marketBySlug(s));
    return found.filter((m) => m !== undefined).map((m) => core.gammaEvent(m));
  });
  app.get("/events/slug/:slug", (req) => {
    const m = core.marketBySlug((req.params as Query).slug ?? "");
    if (m === undefined) throw new HttpError(404, "not found");
    return core.gammaEvent(m);
  });
  app.get("/markets-by-token/:token_id", (req) => {
    const { info } = tokenOf(req.params as Query, "market not found");
    return {
      condition_id: info.conditionId,
      primary_token_id: info.market.upTokenId,
      secondary_token_id: info.market.downTokenId,
    };
  });
  app.get("/clob-markets/:condition_id", (req) => {
    const m = core.marketByCondition((req.params as Query).condition_id ?? "");
    if (m === undefined) throw new HttpError(404, "market not found");
    return {
      t: [
        { t: m.upTokenId, o: "Up" },
        { t: m.downTokenId, o: "Down" },
      ],
      mts: num(m.tickSize),
      mos: num(m.minSize),
      mbf: 0,
      tbf: m.feeRateBps,
      nr: false,
      fd: { r: m.feeRateBps / 10_000, e: 1, to: true },
      rfqe: false,
      itode: false,
    };
  });
}
