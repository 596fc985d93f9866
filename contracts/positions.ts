import { z } from "zod";
import { messageSchema } from "./envelope.ts";
import { mode, tokenId } from "./common.ts";
import { micro, priceMicro, qtyMicro } from "./money.ts";
import { exitReason } from "./intents.ts";

export const positionState = z.enum([
  "ENTRY",
  "MONITORING",
  "STOP_TRIGGERED",
  "TP_TRIGGERED",
  "EXPIRY",
  "EXIT_PENDING",
  "CLOSED",
]);
export type PositionState = z.infer<typeof positionState>;

export const positionPayload = {
  positionId: z.string().min(1).max(128),
  strategy: z.string().min(1).max(64),
  windowId: z.string().min(1).max(128),
  tokenId,
  mode,
  state: positionState,
  /** Confirmed shares held. */
  size: qtyMicro,
  /** Shares from MATCHED fills not yet CONFIRMED. */
  provisionalSize: qtyMicro,
  avgEntryPrice: priceMicro.nullable(),
  costBasis: micro,
  fees: micro,
  realizedPnl: micro,
  unrealizedPnl: micro,
  markPrice: priceMicro.nullable(),
  exitReason: exitReason.nullable(),
  openedAt: z.number().int().nonnegative(),
  closedAt: z.number().int().nonnegative().nullable(),
};
export const position = z.object(positionPayload);
export type Position = z.infer<typeof position>;
export const portfolioPosition = messageSchema("portfolio.position", positionPayload);
export type PortfolioPosition = z.infer<typeof portfolioPosition>;
