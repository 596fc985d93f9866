import { z } from "zod";
import { priceMicro, qtyMicro } from "./money.ts";
import { subjectToken } from "./envelope.ts";

export const tokenId = subjectToken;
export const side = z.enum(["BUY", "SELL"]);
export type Side = z.infer<typeof side>;
/** GTC rests; GTD rests until `expiresAt`; FOK fills completely or not at all; FAK fills what it can. */
export const orderType = z.enum(["GTC", "GTD", "FOK", "FAK"]);
export type OrderType = z.infer<typeof orderType>;
export const mode = z.enum(["PAPER", "DRY_RUN", "LIVE", "SIM"]);
export type Mode = z.infer<typeof mode>;
export const tradingState = z.enum(["ACTIVE", "PAUSED", "FLATTENING", "HALTED"]);
export type TradingState = z.infer<typeof tradingState>;
export const fillStatus = z.enum(["MATCHED", "CONFIRMED", "FAILED"]);
export type FillStatus = z.infer<typeof fillStatus>;

/** One price level, both fields in micro-units. */
export const level = z.object({ price: priceMicro, size: qtyMicro });
export type Level = z.infer<typeof level>;

export const BOOK_LEVELS_MAX = 100;
