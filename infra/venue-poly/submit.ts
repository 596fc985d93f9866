/** Placing one posted order: checks, verification, the SimVenue call and Polymarket's answer. */
import type { FastifyReply } from "fastify";
import type { OrderType } from "../../contracts/common.ts";
import type { PlaceOrderRequest, PlaceResult } from "../../agents/runtime/venue.ts";
import { notional } from "../../contracts/money.ts";
import type { ApiKey } from "./auth.ts";
import { CALL, type PolyCore } from "./core.ts";
import type { submitFate } from "./faults.ts";
import {
  OrderError,
  type PostedOrder,
  parsePostedOrder,
  priceAndSize,
  verifiedHash,
} from "./orders.ts";
import { dec, txHashOf } from "./wire.ts";

export const NO_FILL = {
  makingAmount: "",
  takingAmount: "",
  transactionsHashes: [] as string[],
  tradeIDs: [] as string[],
};

/** Sends the answer the fault decided: normal, 500, or nothing (held, then the socket dies). */
export async function answerSubmit(
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
export async function submit(
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
  const result = await core.venue.placeOrderAs(core.accountOf(key.address), req, CALL);
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
        transactionsHashes: r.trades.map((t) => txHashOf(core.tradeIdOf(t))),
        tradeIDs: r.trades.map((t) => core.tradeIdOf(t)),
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
