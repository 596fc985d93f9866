import { createHash } from "node:crypto";
import { z } from "zod";
import { messageSchema } from "./envelope.ts";
import { orderType, side, tokenId } from "./common.ts";
import { priceMicro, qtyMicro } from "./money.ts";

export const intentKind = z.enum(["ENTRY", "EXIT", "CANCEL"]);
export type IntentKind = z.infer<typeof intentKind>;
export const exitReason = z.enum([
  "STOP_LOSS",
  "TAKE_PROFIT",
  "TRAILING_STOP",
  "SETTLEMENT",
  "FLATTEN",
]);
export type ExitReason = z.infer<typeof exitReason>;

/** What a strategy (or Portfolio, for exits) asks the CRO to let it do. */
export const intentPayload = {
  intentId: z.string().min(1).max(128),
  strategy: z.string().min(1).max(64),
  windowId: z.string().min(1).max(128),
  tokenId,
  kind: intentKind,
  side,
  orderType,
  /** Limit price; for market-style FOK/FAK orders the worst acceptable price. */
  limitPrice: priceMicro,
  /** Shares, in micro-units. */
  size: qtyMicro.positive(),
  /** GTD expiry; null for other order types. */
  expiresAt: z.number().int().nonnegative().nullable(),
  positionId: z.string().min(1).max(128).nullable(),
  exitReason: exitReason.nullable(),
  /** Sequence of the book the decision was made on, for the audit trail. */
  bookSeq: z.number().int().nonnegative().nullable(),
  reason: z.string().max(500),
};
export const intent = z.object(intentPayload);
export type Intent = z.infer<typeof intent>;

export const strategyIntent = messageSchema("strategy.intent", intentPayload);
export type StrategyIntent = z.infer<typeof strategyIntent>;

export const portfolioExit = messageSchema("portfolio.exit", intentPayload);
export type PortfolioExit = z.infer<typeof portfolioExit>;

/**
 * SHA-256 of the intent's canonical JSON (keys sorted). An approval names this hash, so Execution
 * can prove the approval was issued for exactly the intent it is about to send.
 */
export function intentHash(value: Intent): string {
  const keys = Object.keys(intentPayload).sort();
  const canonical = keys.map((k) => [k, value[k as keyof Intent]]);
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex");
}
