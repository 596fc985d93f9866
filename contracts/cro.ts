import { z } from "zod";
import { agentName, instanceName, messageSchema } from "./envelope.ts";
import { tradingState } from "./common.ts";
import { intent } from "./intents.ts";

/** Stable reason codes for every CRO check; denials carry one or more of these. */
export const checkCode = z.enum([
  "TRADING_STATE",
  "AGENTS_ALIVE",
  "FEED_FRESH",
  "INSTRUMENT_ALLOWED",
  "STRATEGY_ALLOWED",
  "TICK_SIZE",
  "MIN_SIZE",
  "PRICE_BAND",
  "POSITION_CAP",
  "ORDERS_PER_WINDOW",
  "DAILY_DRAWDOWN",
  "SESSION_LOSS",
  "BALANCE",
  "FUTURE_WINDOW",
  "WINDOW_CLOSED",
  "UNKNOWN_ORDER",
  "ORDER_RATE",
  "KILL_SWITCH",
  "DUPLICATE_INTENT",
  "POSITION_EXISTS",
  "STRATEGY_HALTED",
  "STRATEGY_MANIFEST",
  "STRATEGY_SESSION_LOSS",
  "STRATEGY_REVIEW_PENDING",
]);
export type CheckCode = z.infer<typeof checkCode>;

export const checkResult = z.object({
  code: checkCode,
  passed: z.boolean(),
  detail: z.string().max(500),
});
export type CheckResult = z.infer<typeof checkResult>;

/**
 * The CRO's answer to one intent. An approval names the exact intent by hash, the CRO epoch and an
 * expiry; Execution refuses anything else.
 */
export const croDecision = messageSchema("cro.decision", {
  decisionId: z.string().min(1).max(128),
  intentHash: z.string().regex(/^[0-9a-f]{64}$/),
  intent,
  approved: z.boolean(),
  reasons: z.array(checkCode).max(32),
  checks: z.array(checkResult).max(64),
  epoch: z.number().int().nonnegative(),
  expiresAt: z.number().int().nonnegative(),
  /** HMAC-SHA256 by the CRO's approval key (contracts/approval-signature.ts); absent: unsigned. */
  signature: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type CroDecision = z.infer<typeof croDecision>;

export const agentLiveness = z.object({
  agent: agentName,
  instance: instanceName,
  alive: z.boolean(),
  lastSeenAgeMs: z.number().int().nonnegative().nullable(),
});

export const strategyHalt = z.object({
  strategy: z.string().min(1).max(64),
  reason: z.string().max(500),
  since: z.number().int().nonnegative(),
  actor: z.string().min(1).max(128),
  manifestVersion: z.string().max(32).nullable(),
});
export type StrategyHalt = z.infer<typeof strategyHalt>;

/** A strategy whose session loss reached its manifest's session max loss (micro-USDC). */
export const strategyLossLimit = z.object({
  strategy: z.string().min(1).max(64),
  sessionPnl: z.number().int(),
  sessionMaxLoss: z.number().int().positive(),
});
export type StrategyLossLimitView = z.infer<typeof strategyLossLimit>;

export const croState = messageSchema("cro.state", {
  state: tradingState,
  reason: z.string().max(500),
  since: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  /** Why the CRO would not be ACTIVE right now, even if asked (empty when it could be). */
  blockers: z.array(z.string().max(200)).max(64),
  operatorHold: z.boolean(),
  agents: z.array(agentLiveness).max(256),
  /**
   * Strategies the CRO has halted (a kill criterion, or an operator): their entries are vetoed
   * (STRATEGY_HALTED) while the rest trade. Absent from CROs that predate strategy halts.
   */
  strategyHalts: z.array(strategyHalt).max(64).optional(),
  /**
   * Strategies at their manifest's session max loss: their entries are vetoed
   * (STRATEGY_SESSION_LOSS) for the rest of the session. Absent from CROs that predate it.
   */
  strategyLossLimits: z.array(strategyLossLimit).max(64).optional(),
});
export type CroState = z.infer<typeof croState>;
