/**
 * Static checks of an order request against its market, in the venue's order: token, market
 * state, shape, tick, size, lot, expiry. Balance checks need the book and live in the exchange.
 */
import type { PlaceOrderRequest, RejectCode } from "../../agents/runtime/venue.ts";
import { MICRO, fromMicro } from "../../contracts/money.ts";
import type { SimVenueConfig } from "./config.ts";
import type { SimWindow } from "./markets.ts";

export interface Rejection {
  code: RejectCode;
  message: string;
}

const CLIENT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export function validateRequest(
  req: PlaceOrderRequest,
  window: SimWindow | undefined,
  cfg: SimVenueConfig,
  now: number,
): Rejection | null {
  if (window === undefined) return reject("UNKNOWN_TOKEN", `unknown token ${req.tokenId}`);
  if (window.status === "RESOLVED") {
    return reject("MARKET_CLOSED", `market ${window.slug} is resolved`);
  }
  return (
    checkShape(req) ??
    checkPrice(req, window) ??
    checkSize(req, window, cfg) ??
    checkExpiry(req, cfg, now)
  );
}

function checkShape(req: PlaceOrderRequest): Rejection | null {
  if (!CLIENT_ID.test(req.clientOrderId)) return reject("INVALID_ORDER", "bad clientOrderId");
  if (!Number.isSafeInteger(req.price) || !Number.isSafeInteger(req.size) || req.size <= 0) {
    return reject("INVALID_ORDER", "price and size must be positive integer micro-units");
  }
  return null;
}

function checkPrice(req: PlaceOrderRequest, w: SimWindow): Rejection | null {
  const tick = w.tickSize;
  if (req.price % tick !== 0 || req.price < tick || req.price > MICRO - tick) {
    return reject(
      "TICK_SIZE",
      `Price (${fromMicro(req.price)}) breaks minimum tick size rule: ${fromMicro(tick)}`,
    );
  }
  return null;
}

/**
 * The share minimum applies to orders that can rest (GTC, GTD); a market order (FOK, FAK) never
 * rests, and a marketable BUY is held to the $1 minimum instead (admission.ts; reference §4.2).
 */
function checkSize(req: PlaceOrderRequest, w: SimWindow, cfg: SimVenueConfig): Rejection | null {
  const canRest = req.orderType === "GTC" || req.orderType === "GTD";
  if (canRest && req.size < w.minSize) {
    return reject(
      "MIN_SIZE",
      `Size (${fromMicro(req.size)}) lower than the minimum: ${fromMicro(w.minSize)}`,
    );
  }
  const marketBuy = req.side === "BUY" && (req.orderType === "FOK" || req.orderType === "FAK");
  if (!marketBuy && req.size % cfg.lotSize !== 0) {
    return reject("LOT_SIZE", `Size (${fromMicro(req.size)}) is not a multiple of the lot size`);
  }
  return null;
}

function checkExpiry(req: PlaceOrderRequest, cfg: SimVenueConfig, now: number): Rejection | null {
  if (req.orderType !== "GTD") {
    return req.expiresAt === null ? null : reject("INVALID_EXPIRY", "only GTD orders expire");
  }
  if (req.expiresAt === null || !Number.isSafeInteger(req.expiresAt)) {
    return reject("INVALID_EXPIRY", "GTD needs expiresAt");
  }
  if (req.expiresAt <= now + cfg.gtdSecurityMs) {
    return reject(
      "INVALID_EXPIRY",
      `invalid expiration: must be later than now + ${cfg.gtdSecurityMs} ms`,
    );
  }
  return null;
}

export function reject(code: RejectCode, message: string): Rejection {
  return { code, message };
}
