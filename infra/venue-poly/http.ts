/**
 * The CLOB V2 REST API the official client calls (shared/reference/polymarket-api.md §1.5), on
 * fastify, over a PolyCore. Errors are `{ "error": "<text>" }` with the real texts (§1.9).
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { IncomingMessage } from "node:http";
import type { OrderType } from "../../contracts/common.ts";
import type { PlaceOrderRequest, PlaceResult, VenueOrder } from "../../agents/runtime/venue.ts";
import { MICRO, notional } from "../../contracts/money.ts";
import { type ApiKey, ERR_L1, ERR_L2 } from "./auth.ts";
import { HttpError } from "./errors.ts";
import { type RateRule, rateClassOf } from "../venue-live/rate-limit.ts";
import { batchOf, registerMarketData, tokenOf as tokenOfQuery } from "./market-data.ts";
import { CALL, type PolyCore } from "./core.ts";
import { parsePolyFaults, submitFate } from "./faults.ts";
import {
  COLLATERAL,
  EXCHANGE_V2,
  NEG_RISK_EXCHANGE_V2,
  OrderError,
  type PostedOrder,
  parsePostedOrder,
  priceAndSize,
  verifiedHash,
} from "./orders.ts";
import { conditionIdOf, dec, decodeCursor, num, page, parseDecimal, txHashOf } from "./wire.ts";

const MAX_UINT256 =
  "115792089237316195423570985008687907853269984665640564039457584007913129639935";
export const MAX_BATCH = 15;

export { HttpError };

type Query = Record<string, string | undefined>;

/** Hooks the WebSocket side and the admin endpoints need from the owner of the server. */
export interface HttpHooks {
  dropWebSockets(): number;
  faultsChanged(): void;
}

export function buildHttp(core: PolyCore, hooks: HttpHooks): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });
  const rawBodies = new WeakMap<IncomingMessage, string>();

  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    rawBodies.set(req.raw, text);
    if (text === "") {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new HttpError(400, "Invalid order payload"), undefined);
    }
  });

  app.setErrorHandler((err: unknown, _req, reply) => {
    if (err instanceof HttpError || err instanceof OrderError) {
      return reply.code(err.status).send({ error: err.message });
    }
    const status =
      typeof err === "object" && err !== null && "statusCode" in err ? Number(err.statusCode) : 500;
    const message = err instanceof Error ? err.message : String(err);
    return reply.code(status >= 400 && status < 600 ? status : 500).send({ error: message });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: "not found" }));

  // Rate limits per endpoint class and API key (or address, or client IP): 429 with
  // Polymarket's text, `retry_after_seconds` and a Retry-After header. Off unless configured.
  app.addHook("onRequest", async (req, reply) => {
    const table = core.rateLimits;
    const path = req.url.split("?")[0] ?? req.url;
    if (table === null || path.startsWith("/_predator")) return;
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return typeof v === "string" ? v : undefined;
    };
    const who = header("poly_api_key") ?? header("poly_address") ?? req.ip;
    const cls = rateClassOf(req.method, path);
    const waitMs = table.take(cls, who, core.clock.now());
    if (waitMs === 0) return;
    core.stats.rateLimited++;
    const seconds = Math.ceil(waitMs / 1000);
    await reply
      .code(429)
      .header("retry-after", String(seconds))
      .send({ error: "Too Many Requests", retry_after_seconds: waitMs / 1000 });
  });

  // A slow venue: every answer waits `latencyMs` (admin endpoints excepted).
  app.addHook("preHandler", async (req) => {
    const ms = core.faults.latencyMs;
    if (ms > 0 && !req.url.startsWith("/_predator")) await core.clock.sleep(ms);
  });

  const l2 = (req: FastifyRequest): ApiKey => {
    const path = req.url.split("?")[0] ?? req.url;
    const key = core.keys.verifyL2(req.headers, req.method, path, rawBodies.get(req.raw));
    if (key === null) throw new HttpError(401, ERR_L2);
    return key;
  };
  const tokenOf = (q: Query, notFound?: string) => tokenOfQuery(core, q, notFound);

  // ---- status ----
  app.get("/", () => "OK");
  app.get("/ok", () => "OK");
  app.get("/time", () => Math.floor(core.clock.now() / 1000));
  app.get("/version", () => ({ version: 2 }));

  // ---- API keys (L1) ----
  app.post("/auth/api-key", async (req) => {
    const who = await core.keys.verifyL1(req.headers);
    if (who === null) throw new HttpError(401, ERR_L1);
    const key = core.keys.create(who.address, who.nonce);
    if (key === null) throw new HttpError(400, "Could not create api key");
    if (core.accountKey === "") {
      core.accountKey = key.apiKey;
      core.accountAddress = key.address;
    }
    return { apiKey: key.apiKey, secret: key.secret, passphrase: key.passphrase };
  });
  app.get("/auth/derive-api-key", async (req) => {
    const who = await core.keys.verifyL1(req.headers);
    if (who === null) throw new HttpError(401, ERR_L1);
    const key = core.keys.derive(who.address, who.nonce);
    if (key === null) throw new HttpError(400, "Could not derive api key!");
    return { apiKey: key.apiKey, secret: key.secret, passphrase: key.passphrase };
  });
  app.get("/auth/api-keys", (req) => ({ apiKeys: [l2(req).apiKey] }));
  app.get("/auth/ban-status/closed-only", (req) => {
    l2(req);
    return { closed_only: false };
  });

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

  // ---- orders (L2) ----
  app.post("/order", async (req, reply) => {
    const key = l2(req);
    const fate = submitFate(core.faults, () => core.rng.float());
    if (fate === "reject") {
      throw new HttpError(503, "Trading is currently disabled. Check polymarket.com for updates");
    }
    const run = fate !== "5xx-not-accepted";
    let result: Record<string, unknown> | null = null;
    if (run) result = await submit(core, key, req.body);
    return answerSubmit(core, reply, fate, result);
  });
  app.post("/orders", async (req, reply) => {
    const key = l2(req);
    const body = req.body;
    if (!Array.isArray(body)) throw new HttpError(400, "Invalid order payload");
    if (body.length > MAX_BATCH) {
      throw new HttpError(
        400,
        `Too many orders in payload: ${body.length}, max allowed: ${MAX_BATCH}`,
      );
    }
    const fate = submitFate(core.faults, () => core.rng.float());
    if (fate === "reject") {
      throw new HttpError(503, "Trading is currently disabled. Check polymarket.com for updates");
    }
    const out: Record<string, unknown>[] = [];
    if (fate !== "5xx-not-accepted") {
      for (const item of body as unknown[]) {
        try {
          out.push(await submit(core, key, item));
        } catch (e) {
          if (!(e instanceof OrderError || e instanceof HttpError)) throw e;
          out.push({ ...NO_FILL, success: false, errorMsg: e.message, orderID: "", status: "" });
        }
      }
    }
    return answerSubmit(core, reply, fate, out);
  });

  app.delete("/order", async (req) => {
    const key = l2(req);
    const id = (req.body as { orderID?: unknown } | undefined)?.orderID;
    if (typeof id !== "string" || id === "") throw new HttpError(400, "Invalid order payload");
    return cancel(core, key, [id]);
  });
  app.delete("/orders", async (req) => {
    const key = l2(req);
    const ids = req.body;
    if (!Array.isArray(ids) || ids.some((i) => typeof i !== "string")) {
      throw new HttpError(400, "Invalid order payload");
    }
    if (ids.length > 1000)
      throw new HttpError(400, "Too many orders in payload, max allowed: 1000");
    return cancel(core, key, ids as string[]);
  });
  app.delete("/cancel-all", async (req) => {
    const key = l2(req);
    const open = await core.venue.openOrders(CALL);
    const ids = open.items.filter((o) => core.ownedBy(key.apiKey, o)).map((o) => core.idOf(o));
    return cancel(core, key, ids);
  });
  app.delete("/cancel-market-orders", async (req) => {
    const key = l2(req);
    const b = (req.body ?? {}) as { market?: unknown; asset_id?: unknown };
    const open = await core.venue.openOrders(CALL);
    const ids = open.items
      .filter((o) => {
        if (!core.ownedBy(key.apiKey, o)) return false;
        if (typeof b.asset_id === "string" && b.asset_id !== "" && o.tokenId !== b.asset_id)
          return false;
        if (typeof b.market === "string" && b.market !== "") {
          return core.token(o.tokenId)?.conditionId === b.market.toLowerCase();
        }
        return true;
      })
      .map((o) => core.idOf(o));
    return cancel(core, key, ids);
  });

  app.get("/data/order/:id", async (req) => {
    const key = l2(req);
    const id = (req.params as Query).id ?? "";
    const o = await core.venue.getOrder({ clientOrderId: id }, CALL);
    // Another key's order does not exist for this one.
    if (o === null || !core.ownedBy(key.apiKey, o)) throw new HttpError(404, "Order not found");
    return core.openOrder(o, await tradeIdsOf(core, o));
  });
  app.get("/data/orders", async (req) => {
    const key = l2(req);
    const q = req.query as Query;
    const offset = decodeCursor(q.next_cursor);
    if (offset === null) throw new HttpError(400, "invalid order params payload");
    const open = await core.venue.openOrders(CALL);
    const rows: Record<string, unknown>[] = [];
    for (const o of open.items) {
      if (!core.ownedBy(key.apiKey, o)) continue;
      const row = core.openOrder(o, await tradeIdsOf(core, o));
      if (q.id !== undefined && row.id !== q.id) continue;
      if (q.market !== undefined && row.market !== q.market.toLowerCase()) continue;
      if (q.asset_id !== undefined && row.asset_id !== q.asset_id) continue;
      rows.push(row);
    }
    return page(rows, offset, core.pageSize);
  });
  app.get("/data/trades", async (req) => {
    const key = l2(req);
    const q = req.query as Query;
    const offset = decodeCursor(q.next_cursor);
    if (offset === null) throw new HttpError(400, "Invalid trade params payload");
    const before = q.before === undefined ? null : Number(q.before);
    const after = q.after === undefined ? null : Number(q.after);
    if (
      (before !== null && !Number.isFinite(before)) ||
      (after !== null && !Number.isFinite(after))
    ) {
      throw new HttpError(400, "Invalid trade params payload");
    }
    const all = await core.venue.trades({}, CALL);
    const rows = all.items
      .filter((t) => core.ownedBy(key.apiKey, t))
      .map((t) => core.trade(t, t.status))
      .filter(
        (r) =>
          (q.id === undefined || r.id === q.id) &&
          (q.market === undefined || r.market === q.market.toLowerCase()) &&
          (q.asset_id === undefined || r.asset_id === q.asset_id) &&
          (q.maker_address === undefined || involves(r, q.maker_address)) &&
          (before === null || Number(r.match_time) < before) &&
          (after === null || Number(r.match_time) > after),
      );
    return page(rows, offset, core.pageSize);
  });

  const balanceAllowance = async (req: FastifyRequest) => {
    l2(req);
    const q = req.query as Query;
    if (q.asset_type !== "COLLATERAL" && q.asset_type !== "CONDITIONAL") {
      throw new HttpError(400, "Invalid asset type");
    }
    if (q.signature_type !== undefined && !/^[0-3]$/.test(q.signature_type)) {
      throw new HttpError(400, "Invalid signature_type");
    }
    const bal = await core.venue.balance(CALL);
    const allowance =
      bal.value.allowance >= Number.MAX_SAFE_INTEGER ? MAX_UINT256 : String(bal.value.allowance);
    let balance: string;
    if (q.asset_type === "COLLATERAL") {
      balance = String(bal.value.collateral);
    } else {
      if (q.token_id === undefined || core.token(q.token_id) === undefined) {
        throw new HttpError(400, "Invalid token id");
      }
      const positions = await core.venue.positions(CALL);
      balance = String(positions.items.find((p) => p.tokenId === q.token_id)?.shares ?? 0);
    }
    return {
      balance,
      allowance,
      allowances: { [EXCHANGE_V2]: allowance, [NEG_RISK_EXCHANGE_V2]: allowance },
    };
  };
  app.get("/balance-allowance", balanceAllowance);
  app.get("/balance-allowance/update", balanceAllowance);

  const heartbeat = async (req: FastifyRequest) => {
    l2(req);
    await core.venue.heartbeat(CALL);
    return { heartbeat_id: core.rng.uuid() };
  };
  app.post("/v1/heartbeats", heartbeat);
  app.post("/heartbeats", heartbeat);

  // ---- operator / test admin (not part of Polymarket's API) ----
  app.get("/_predator/faults", () => core.faults);
  app.post("/_predator/faults", (req) => {
    let update;
    try {
      update = parsePolyFaults(req.body ?? {});
    } catch (e) {
      throw new HttpError(400, e instanceof Error ? e.message : String(e));
    }
    core.setFaults(update);
    hooks.faultsChanged();
    return core.faults;
  });
  app.post("/_predator/rate-limits", (req) => {
    const b = (req.body ?? {}) as { enabled?: unknown; rules?: unknown };
    if (typeof b.enabled !== "boolean") throw new HttpError(400, "enabled must be a boolean");
    try {
      core.setRateLimits(b.enabled ? ((b.rules ?? {}) as Record<string, RateRule>) : null);
    } catch (e) {
      throw new HttpError(400, e instanceof Error ? e.message : String(e));
    }
    return { enabled: b.enabled, rateLimited: core.stats.rateLimited };
  });
  app.get("/_predator/stats", () => core.stats);
  app.post("/_predator/drop-ws", () => ({ dropped: hooks.dropWebSockets() }));
  app.post("/_predator/tick-size", (req) => {
    const b = (req.body ?? {}) as { token_id?: unknown; tick_size?: unknown };
    const info = typeof b.token_id === "string" ? core.token(b.token_id) : undefined;
    const tick = parseDecimal(b.tick_size);
    if (info === undefined) throw new HttpError(400, "Invalid token id");
    if (tick === null || tick <= 0 || tick >= MICRO) throw new HttpError(400, "Invalid tick_size");
    core.venue.setTickSize(info.market.windowId, tick);
    return { market: info.conditionId, tick_size: num(tick) };
  });
  app.post("/_predator/liquidity", (req) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const info = typeof b.token_id === "string" ? core.token(b.token_id) : undefined;
    const price = parseDecimal(b.price);
    const size = parseDecimal(b.size);
    if (info === undefined || typeof b.token_id !== "string")
      throw new HttpError(400, "Invalid token id");
    if (b.side !== "BUY" && b.side !== "SELL") throw new HttpError(400, "Invalid side");
    if (price === null || price <= 0 || price >= MICRO) throw new HttpError(400, "Invalid price");
    if (size === null || size <= 0) throw new HttpError(400, "Invalid size");
    return { id: core.venue.addLiquidity(b.token_id, b.side, price, size) };
  });
  app.get("/_predator/markets", () =>
    core.markets().map((m) => ({ ...m, conditionId: conditionIdOf(m.slug) })),
  );

  return app;
}

const NO_FILL = {
  makingAmount: "",
  takingAmount: "",
  transactionsHashes: [] as string[],
  tradeIDs: [] as string[],
};

/** Sends the answer the fault decided: normal, 500, or nothing (held, then the socket dies). */
async function answerSubmit(
  core: PolyCore,
  reply: FastifyReply,
  fate: ReturnType<typeof submitFate>,
  result: unknown,
): Promise<unknown> {
  if (fate === "5xx-accepted" || fate === "5xx-not-accepted") {
    return reply.code(500).send({ error: "could not insert order" });
  }
  if (fate === "timeout") {
    await core.clock.sleep(core.faults.timeoutHoldMs);
    reply.hijack();
    reply.raw.destroy();
    return undefined;
  }
  return result;
}

/** Validates, verifies and places one posted order; returns the OrderResponse or throws. */
async function submit(
  core: PolyCore,
  key: ApiKey,
  body: unknown,
): Promise<Record<string, unknown>> {
  const posted: PostedOrder = parsePostedOrder(body);
  const o = posted.order;
  if (posted.owner !== key.apiKey) {
    throw new OrderError(400, "the order owner has to be the owner of the API KEY");
  }
  if (o.signer.toLowerCase() !== key.address.toLowerCase()) {
    throw new OrderError(400, "the order signer address has to be the address of the API KEY");
  }
  if (o.signatureType === 0 && o.maker.toLowerCase() !== o.signer.toLowerCase()) {
    throw new OrderError(400, "Invalid order payload");
  }
  const info = core.token(o.tokenId);
  if (info === undefined) throw new OrderError(400, "Invalid token id");
  const hash = await verifiedHash(o, core.chainId, false);
  if (hash === null) throw new OrderError(400, "invalid signature");
  if ((await core.venue.getOrder({ clientOrderId: hash }, CALL)) !== null) {
    throw new OrderError(400, `order ${hash} is invalid. Duplicated.`);
  }
  const { price, size } = priceAndSize(o, posted.orderType, info.market.tickSize);
  if (posted.postOnly) {
    if (posted.orderType !== "GTC" && posted.orderType !== "GTD")
      throw new OrderError(400, "Invalid order payload");
    const b = core.venue.bookSnapshot(o.tokenId);
    const crosses =
      o.side === "BUY"
        ? b?.asks[0] !== undefined && price >= b.asks[0].price
        : b?.bids[0] !== undefined && price <= b.bids[0].price;
    if (crosses) throw new OrderError(400, "invalid post-only order: order crosses book");
  }
  const req: PlaceOrderRequest = {
    clientOrderId: hash,
    tokenId: o.tokenId,
    side: o.side,
    orderType: posted.orderType,
    price,
    size,
    expiresAt: posted.orderType === "GTD" ? Number(o.expiration) * 1000 : null,
  };
  core.remember({ hash, apiKey: key.apiKey, maker: o.maker });
  const result = await core.venue.placeOrder(req, CALL);
  return placeAnswer(core, hash, posted.orderType, result, { price, size, market: info.market });
}

function placeAnswer(
  core: PolyCore,
  hash: string,
  orderType: OrderType,
  r: PlaceResult,
  order: OrderFacts,
): Record<string, unknown> {
  switch (r.outcome) {
    case "unknown":
      throw new OrderError(500, "order timed out");
    case "rejected":
      core.forget(hash);
      throw new OrderError(
        r.code === "VENUE_UNAVAILABLE" ? 503 : 400,
        rejectText(r.code, hash, order),
      );
    case "accepted": {
      core.linkVenueId(r.venueOrderId, hash);
      const filled = r.trades.reduce((s, t) => s + t.size, 0);
      const cash = r.trades.reduce((s, t) => s + notional(t.size, t.price), 0);
      const buy = r.trades[0]?.side === "BUY";
      const matched = filled > 0;
      return {
        success: true,
        errorMsg: "",
        orderID: hash,
        status: matched
          ? "matched"
          : orderType === "FAK" || orderType === "FOK"
            ? "unmatched"
            : "live",
        makingAmount: matched ? dec(buy ? cash : filled) : "",
        takingAmount: matched ? dec(buy ? filled : cash) : "",
        transactionsHashes: r.trades.map((t) => txHashOf(t.tradeId)),
        tradeIDs: r.trades.map((t) => t.tradeId),
      };
    }
  }
}

interface OrderFacts {
  price: number;
  size: number;
  market: { tickSize: number; minSize: number };
}

/** Polymarket's rejection texts (reference §1.9), numbers written as the venue writes them. */
function rejectText(code: string, hash: string, o: OrderFacts): string {
  const { price, size, market } = o;
  switch (code) {
    case "TICK_SIZE":
      return `order ${hash} is invalid. Price (${dec(price)}) breaks minimum tick size rule: ${dec(market.tickSize)}`;
    case "MIN_SIZE":
      return `order ${hash} is invalid. Size (${dec(size)}) lower than the minimum: ${dec(market.minSize)}`;
    case "LOT_SIZE":
      return `order ${hash} is invalid. Size (${dec(size)}) has ${String(decimalsOf(size))} decimal places. Maximum lot size is 2`;
    case "MIN_NOTIONAL":
      return `invalid amount for a marketable BUY order ($${dec(notional(size, price))}), min size: $1`;
    case "INSUFFICIENT_BALANCE":
    case "INSUFFICIENT_ALLOWANCE":
      return "not enough balance / allowance";
    case "FOK_NOT_FILLED":
      return "order couldn't be fully filled. FOK orders are fully filled or killed.";
    case "FAK_NOT_FILLED":
      return "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found.";
    case "MARKET_CLOSED":
      return "the market is not yet ready to process new orders";
    case "DUPLICATE_CLIENT_ID":
      return `order ${hash} is invalid. Duplicated.`;
    case "INVALID_EXPIRY":
      return "invalid expiration";
    case "VENUE_UNAVAILABLE":
      return "Trading is currently disabled. Check polymarket.com for updates";
    default:
      return "Invalid order payload";
  }
}

/** Decimal places of a micro-unit amount as written ("5.005" → 3). */
function decimalsOf(units: number): number {
  return dec(units).split(".")[1]?.length ?? 0;
}

const NOT_CANCELED_TEXT: Record<string, string> = {
  NOT_FOUND: "Order not found or already canceled",
  ALREADY_FILLED: "Order already matched",
  ALREADY_CANCELLED: "already canceled or matched",
  ALREADY_EXPIRED: "already canceled or matched",
};

async function cancel(
  core: PolyCore,
  key: ApiKey,
  ids: string[],
): Promise<{ canceled: string[]; not_canceled: Record<string, string> }> {
  const canceled: string[] = [];
  const notCanceled: Record<string, string> = {};
  for (const id of ids) {
    const o = await core.venue.getOrder({ clientOrderId: id }, CALL);
    // One key never cancels another's order: to it, that order does not exist.
    if (o === null || !core.ownedBy(key.apiKey, o)) {
      notCanceled[id] = "Order not found or already canceled";
      continue;
    }
    const r = await core.venue.cancelOrder(o.venueOrderId, CALL);
    if (r.cancelled.includes(o.venueOrderId)) canceled.push(id);
    else
      notCanceled[id] =
        NOT_CANCELED_TEXT[r.notCancelled[o.venueOrderId] ?? "NOT_FOUND"] ??
        "Order not found or already canceled";
  }
  return { canceled, not_canceled: notCanceled };
}

/** Whether `address` is the taker or one of the makers of a trade row. */
function involves(row: Record<string, unknown>, address: string): boolean {
  const a = address.toLowerCase();
  const makers = row.maker_orders as { maker_address: string }[];
  return (
    String(row.maker_address).toLowerCase() === a ||
    makers.some((m) => m.maker_address.toLowerCase() === a)
  );
}

async function tradeIdsOf(core: PolyCore, o: VenueOrder): Promise<string[]> {
  if (o.filledSize === 0) return [];
  const all = await core.venue.trades({}, CALL);
  return all.items.filter((t) => t.venueOrderId === o.venueOrderId).map((t) => t.tradeId);
}

export { COLLATERAL };
