/**
 * The subject registry: every message type, the schema that validates it, how it is delivered
 * (core NATS, or a JetStream stream) and the key that deduplicates it. The bus consults this on
 * both ends, so nothing unregistered or invalid ever reaches a handler.
 */
import type { z } from "zod";
import { mdBook, mdHealth, mdTrade, mdUnderlying, mdWindow } from "./market-data.ts";
import { portfolioExit, strategyIntent } from "./intents.ts";
import { croDecision, croState } from "./cro.ts";
import { execFill, orderEventSchema, type OrderEvent } from "./orders.ts";
import { portfolioPosition } from "./positions.ts";
import { reconMismatch, reconReport } from "./recon.ts";
import { alertSent } from "./alerts.ts";
import { fastHeartbeat, heartbeat } from "./heartbeats.ts";
import { opsCommand, opsReply } from "./ops.ts";
import { venueCall, venueMarketMsg, venueResult, venueUserMsg } from "./venue.ts";

export const STREAMS = {
  MARKETS: { subjects: ["md.window"] },
  INTENTS: { subjects: ["strategy.intent", "portfolio.exit"] },
  DECISIONS: { subjects: ["cro.decision"] },
  CRO: { subjects: ["cro.state"] },
  ORDERS: { subjects: ["exec.order.>"] },
  FILLS: { subjects: ["exec.fill"] },
  POSITIONS: { subjects: ["portfolio.position"] },
  RECON: { subjects: ["recon.mismatch"] },
  VENUE: { subjects: ["venue.user"] },
} as const;
export type StreamName = keyof typeof STREAMS;

/** How long a stream remembers a dedupe key (Nats-Msg-Id). */
export const DUPLICATE_WINDOW_MS = 2 * 60_000;
/** Streams are a catch-up buffer for restarted agents, not the system of record (PostgreSQL is). */
export const STREAM_MAX_AGE_MS = 7 * 24 * 60 * 60_000;
export const STREAM_MAX_MESSAGES = 1_000_000;

export type Delivery = { kind: "core" } | { kind: "stream"; stream: StreamName };

const CORE: Delivery = { kind: "core" };
const stream = (name: StreamName): Delivery => ({ kind: "stream", stream: name });

/** Every message schema, by its `type`. */
export const schemas = {
  "md.book": mdBook,
  "md.trade": mdTrade,
  "md.health": mdHealth,
  "md.window": mdWindow,
  "md.underlying": mdUnderlying,
  "strategy.intent": strategyIntent,
  "portfolio.exit": portfolioExit,
  "cro.decision": croDecision,
  "cro.state": croState,
  "exec.order.submitted": orderEventSchema("submitted"),
  "exec.order.accepted": orderEventSchema("accepted"),
  "exec.order.rejected": orderEventSchema("rejected"),
  "exec.order.unknown": orderEventSchema("unknown"),
  "exec.order.partially_filled": orderEventSchema("partially_filled"),
  "exec.order.filled": orderEventSchema("filled"),
  "exec.order.cancelled": orderEventSchema("cancelled"),
  "exec.order.expired": orderEventSchema("expired"),
  "exec.order.refused": orderEventSchema("refused"),
  "exec.fill": execFill,
  "portfolio.position": portfolioPosition,
  "recon.report": reconReport,
  "recon.mismatch": reconMismatch,
  "alert.sent": alertSent,
  hb: heartbeat,
  "ops.command": opsCommand,
  "ops.reply": opsReply,
  "venue.call": venueCall,
  "venue.result": venueResult,
  "venue.market": venueMarketMsg,
  "venue.user": venueUserMsg,
} as const;

export type MessageType = keyof typeof schemas;
export type MessageOf<T extends MessageType> = z.infer<(typeof schemas)[T]>;
export type AnyMessage = { [T in MessageType]: MessageOf<T> }[MessageType];

export interface SubjectSpec<T extends MessageType> {
  readonly type: T;
  /** NATS subscription pattern that matches every subject of this type. */
  readonly pattern: string;
  readonly delivery: Delivery;
  /** The concrete subject a message is published on. */
  subject(msg: MessageOf<T>): string;
  /** Stable business key for JetStream's duplicate window (Nats-Msg-Id). */
  dedupeKey(msg: MessageOf<T>): string;
}

type Registry = { [T in MessageType]: SubjectSpec<T> };

function fixed<T extends MessageType>(
  type: T,
  delivery: Delivery,
  dedupeKey: (m: MessageOf<T>) => string = (m) => m.id,
): SubjectSpec<T> {
  return { type, pattern: type, delivery, subject: () => type, dedupeKey };
}

function orderSpec<E extends OrderEvent>(event: E): SubjectSpec<`exec.order.${E}`> {
  const type = `exec.order.${event}` as const;
  return {
    type,
    pattern: type,
    delivery: stream("ORDERS"),
    subject: () => type,
    dedupeKey: (m) => `${m.orderId}:${event}:${m.filledSize}`,
  };
}

export const registry: Registry = {
  "md.book": {
    type: "md.book",
    pattern: "md.book.*",
    delivery: CORE,
    subject: (m) => `md.book.${m.tokenId}`,
    dedupeKey: (m) => `${m.tokenId}:${m.seq}`,
  },
  "md.trade": {
    type: "md.trade",
    pattern: "md.trade.*",
    delivery: CORE,
    subject: (m) => `md.trade.${m.tokenId}`,
    dedupeKey: (m) => m.id,
  },
  "md.health": fixed("md.health", CORE),
  "md.underlying": fixed("md.underlying", CORE),
  // The tick size is in the key: a window's tick can change while it is OPEN (near 0 or 1).
  "md.window": fixed(
    "md.window",
    stream("MARKETS"),
    (m) => `${m.windowId}:${m.status}:${m.tickSize}`,
  ),
  // Both share the INTENTS stream's duplicate window, so the key names the type too.
  "strategy.intent": fixed("strategy.intent", stream("INTENTS"), (m) => `entry:${m.intentId}`),
  "portfolio.exit": fixed("portfolio.exit", stream("INTENTS"), (m) => `exit:${m.intentId}`),
  "cro.decision": fixed("cro.decision", stream("DECISIONS"), (m) => m.decisionId),
  "cro.state": fixed("cro.state", stream("CRO")),
  "exec.order.submitted": orderSpec("submitted"),
  "exec.order.accepted": orderSpec("accepted"),
  "exec.order.rejected": orderSpec("rejected"),
  "exec.order.unknown": orderSpec("unknown"),
  "exec.order.partially_filled": orderSpec("partially_filled"),
  "exec.order.filled": orderSpec("filled"),
  "exec.order.cancelled": orderSpec("cancelled"),
  "exec.order.expired": orderSpec("expired"),
  "exec.order.refused": orderSpec("refused"),
  "exec.fill": fixed("exec.fill", stream("FILLS"), (m) => `${m.tradeId}:${m.status}`),
  "portfolio.position": fixed("portfolio.position", stream("POSITIONS")),
  "recon.report": fixed("recon.report", CORE),
  "recon.mismatch": fixed("recon.mismatch", stream("RECON"), (m) => m.runId),
  "alert.sent": fixed("alert.sent", CORE),
  hb: {
    type: "hb",
    pattern: "hb.*.*",
    delivery: CORE,
    subject: (m) => `hb.${m.source.agent}.${m.source.instance}`,
    dedupeKey: (m) => m.id,
  },
  "ops.command": fixed("ops.command", CORE),
  "ops.reply": fixed("ops.reply", CORE),
  "venue.call": fixed("venue.call", CORE),
  "venue.result": fixed("venue.result", CORE),
  "venue.market": fixed("venue.market", CORE),
  "venue.user": fixed("venue.user", stream("VENUE"), (m) => m.eventKey),
};

export const messageTypes = Object.keys(schemas) as MessageType[];

/** NATS subject matching: `*` matches one token, `>` one or more trailing tokens. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === ">") return s.length > i;
    if (i >= s.length) return false;
    if (token !== "*" && token !== s[i]) return false;
  }
  return p.length === s.length;
}

/** The registered type whose pattern matches `subject`, or null. */
export function typeForSubject(subject: string): MessageType | null {
  const cached = typeCache.get(subject);
  if (cached !== undefined) return cached;
  let found: MessageType | null = null;
  for (const type of messageTypes) {
    if (subjectMatches(registry[type].pattern, subject)) {
      found = type;
      break;
    }
  }
  // The scan costs ~25 µs and runs on every message sent and received (bench/bus.ts); subjects
  // repeat, so remember them. Cleared when full: a flood of distinct subjects costs time, not memory.
  if (typeCache.size >= TYPE_CACHE_MAX) typeCache.clear();
  typeCache.set(subject, found);
  return found;
}
const TYPE_CACHE_MAX = 10_000;
const typeCache = new Map<string, MessageType | null>();

export function specOf<T extends MessageType>(type: T): SubjectSpec<T> {
  return registry[type];
}

export type ParseResult<T extends MessageType> =
  { ok: true; type: T; message: MessageOf<T> } | { ok: false; reason: string };

/**
 * Validates raw data received on `subject`: the subject must be registered, the data must match
 * that type's schema, and the message must name the same subject it arrived on.
 */
export function parseMessage(subject: string, data: unknown): ParseResult<MessageType> {
  const type = typeForSubject(subject);
  if (type === null) return { ok: false, reason: `unregistered subject "${subject}"` };
  // Heartbeats, most of the traffic, are checked by hand (the same answer as zod's); anything
  // else, or a heartbeat the hand check doubts, goes to zod.
  let message: MessageOf<MessageType> | null = type === "hb" ? fastHeartbeat(data) : null;
  if (message === null) {
    const result = schemas[type].safeParse(data);
    if (!result.success) {
      const issues = result.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; ");
      return { ok: false, reason: `invalid ${type}: ${issues}` };
    }
    message = result.data;
  }
  const spec: SubjectSpec<MessageType> = specOf(type);
  const expected = spec.subject(message);
  if (expected !== subject) {
    return { ok: false, reason: `${type} addressed to "${expected}" arrived on "${subject}"` };
  }
  return { ok: true, type, message };
}
