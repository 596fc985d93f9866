/**
 * The operator console's wire: what the ops HTTP server sends a browser (infra/app/console/) and
 * what the dashboard (dashboard/) reads. Events on `GET /api/events` (a WebSocket) carry an
 * increasing id within one `stream` (the server's read model); a client that reconnects to the
 * same stream with the last id it saw gets exactly the events after it.
 *
 * Only pure schemas here: the dashboard imports this file's types, never node code.
 */
import { windowCompleteness } from "./market-data.ts";
import { z } from "zod";
import { mode, tradingState } from "./common.ts";

export const consoleEventKind = z.enum([
  "state",
  "intent",
  "decision",
  "order",
  "fill",
  "position",
  "exit",
  "assertion",
  "window",
  "feed",
  "alert",
  "operator",
  "strategy",
]);
export type ConsoleEventKind = z.infer<typeof consoleEventKind>;

export const consoleEvent = z.object({
  id: z.number().int().positive(),
  ts: z.number().int().nonnegative(),
  kind: consoleEventKind,
  /** One line an operator reads. */
  text: z.string().max(1000),
  detail: z.record(z.string(), z.unknown()),
});
export type ConsoleEvent = z.infer<typeof consoleEvent>;

/** Server → browser frames. */
export const serverFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("welcome"),
    role: z.enum(["operator", "viewer"]),
    stream: z.string().min(1).max(64),
    lastId: z.number().int().nonnegative(),
  }),
  /** The id asked for is not in this stream (another server, or too old): reload the snapshot. */
  z.object({ type: z.literal("reset"), stream: z.string(), lastId: z.number().int() }),
  /** Events in id order: the server sends those that arrive close together in one frame. */
  z.object({ type: z.literal("events"), events: z.array(consoleEvent).min(1) }),
  z.object({ type: z.literal("error"), error: z.string().max(500) }),
]);
export type ServerFrame = z.infer<typeof serverFrame>;

/** Browser → server: the first (and only expected) frame. */
export const helloFrame = z.strictObject({
  type: z.literal("hello"),
  token: z.string().min(1).max(512),
  /** The stream the client saw last; null on a first connect. */
  stream: z.string().max(64).nullable(),
  /** The last event id seen in that stream (0: none). */
  after: z.number().int().nonnegative(),
});
export type HelloFrame = z.infer<typeof helloFrame>;

/** WebSocket close codes the console uses. */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_BAD_FRAME = 4400;
export const CLOSE_TOO_SLOW = 4408;

export const bookTop = z.object({
  tokenId: z.string(),
  windowId: z.string(),
  bids: z.array(z.object({ price: z.number(), size: z.number() })),
  asks: z.array(z.object({ price: z.number(), size: z.number() })),
  receiveTs: z.number(),
});
export type BookTop = z.infer<typeof bookTop>;

export const feedView = z.object({
  feed: z.string(),
  status: z.string(),
  lastMessageAgeMs: z.number().nullable(),
  gapsTotal: z.number(),
  /** Data completeness of the current window, then the last (md.health); empty if not sent. */
  completeness: z.array(windowCompleteness),
  /** When the console last heard this feed (its own clock). */
  heardAt: z.number(),
});
export type FeedView = z.infer<typeof feedView>;

export const windowView = z.object({
  windowId: z.string(),
  slug: z.string(),
  startTs: z.number(),
  endTs: z.number(),
  upTokenId: z.string(),
  downTokenId: z.string(),
  status: z.string(),
  outcome: z.enum(["UP", "DOWN"]).nullable(),
});
export type WindowView = z.infer<typeof windowView>;

export const assertionView = z.object({
  name: z.string(),
  passed: z.boolean(),
  lastRunAt: z.number(),
  lastFailure: z.string().nullable(),
  lastFailureAt: z.number().nullable(),
});
export type AssertionView = z.infer<typeof assertionView>;

export const agentView = z.object({
  agent: z.string(),
  instance: z.string(),
  lifecycle: z.string(),
  leader: z.boolean().nullable(),
  heardAt: z.number(),
});
export type AgentView = z.infer<typeof agentView>;

export const strategyView = z.object({
  name: z.string(),
  allowed: z.boolean(),
  intents: z.number(),
  approved: z.number(),
  vetoed: z.number(),
  realizedPnl: z.number(),
  lastIntent: z.string().nullable(),
  /** Halted by the CRO (a kill criterion or an operator): its entries are vetoed; null = trading. */
  halt: z
    .object({ reason: z.string(), since: z.number().int().nonnegative(), actor: z.string() })
    .nullable(),
});
export type StrategyView = z.infer<typeof strategyView>;

/** The whole read model in one answer: GET /api/snapshot. Money in micro-units. */
export const consoleSnapshot = z.object({
  stream: z.string(),
  lastId: z.number().int().nonnegative(),
  now: z.number(),
  mode: z.union([mode, z.literal("STOPPED")]),
  store: z.enum(["embedded", "postgresql"]),
  cro: z
    .object({
      state: tradingState,
      reason: z.string(),
      since: z.number(),
      epoch: z.number(),
      operatorHold: z.boolean(),
      blockers: z.array(z.string()),
      heardAt: z.number(),
    })
    .nullable(),
  balance: z.number().nullable(),
  pnl: z.object({ gross: z.number(), fees: z.number(), net: z.number() }),
  /** Session net PnL samples, oldest first (bounded). */
  pnlSeries: z.array(z.object({ ts: z.number(), net: z.number(), drawdown: z.number() })),
  positions: z.array(z.record(z.string(), z.unknown())),
  strategies: z.array(strategyView),
  windows: z.array(windowView),
  books: z.array(bookTop),
  feeds: z.array(feedView),
  assertions: z.array(assertionView),
  agents: z.array(agentView),
  exits: z.array(z.record(z.string(), z.unknown())),
  recon: z
    .object({ verdict: z.string(), ts: z.number(), mismatches: z.number(), runId: z.string() })
    .nullable(),
  /** Runtime controls in force (stored value or default), by key. */
  controls: z.record(z.string(), z.string()),
});
export type ConsoleSnapshot = z.infer<typeof consoleSnapshot>;

/** One trade in Trade History: a fill, with its position's outcome and slippage. */
export const tradeRow = z.object({
  tradeId: z.string(),
  ts: z.number(),
  strategy: z.string(),
  windowId: z.string(),
  tokenId: z.string(),
  kind: z.string(),
  side: z.string(),
  price: z.number(),
  intendedPrice: z.number(),
  /** Paid over asked (BUY) or short of asked (SELL), micro-units per share; positive is worse. */
  slippage: z.number(),
  size: z.number(),
  fee: z.number(),
  status: z.string(),
  liquidity: z.string(),
  positionId: z.string().nullable(),
  outcome: z.enum(["win", "loss", "open", "none"]),
  /** The position's realized PnL net of its fees (null without a position). */
  realizedPnl: z.number().nullable(),
  /** The position's fees (all its fills); gross PnL = realizedPnl + positionFees. */
  positionFees: z.number().nullable(),
  /** The position's realized PnL before fees. */
  grossPnl: z.number().nullable(),
});
export type TradeRow = z.infer<typeof tradeRow>;

export const tradeOutcome = z.enum(["win", "loss", "open", "none"]);

export interface Page<T> {
  rows: T[];
  /** Pass as `cursor` for the next page; null on the last. */
  next: string | null;
}

export const controlView = z.object({
  key: z.string(),
  value: z.string(),
  default: z.string(),
  source: z.enum(["stored", "default"]),
  updatedBy: z.string().nullable(),
  updatedAt: z.number().nullable(),
});
export type ControlView = z.infer<typeof controlView>;

/** The reply of every command route (halt, resume, controls). */
export interface CommandReply {
  ok: boolean;
  state?: string | null;
  detail?: string;
  error?: string | null;
}

/** What GET /api/whoami answers: the role this token has. */
export interface WhoAmI {
  role: "operator" | "viewer";
}
