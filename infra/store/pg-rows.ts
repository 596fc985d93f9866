/**
 * Rows ↔ records for the PostgreSQL adapter. bigint columns arrive as strings and are parsed with
 * a safe-integer check (values.ts); enum columns are trusted to their CHECK constraints.
 */
import type {
  AlertRecord,
  AlertStatus,
  FillRecord,
  OrderRecord,
  PositionRecord,
  StoredAuditEntry,
  StoredCroEvent,
  StoredFeedGap,
  StrategyHaltRecord,
  TradeReviewRecord,
} from "../../agents/runtime/store.ts";
import type {
  AlertFormat,
  ExitReason,
  FillStatus,
  IntentKind,
  Mode,
  OrderStatus,
  OrderType,
  PositionState,
  Severity,
  Side,
  TradingState,
} from "../../contracts/index.ts";
import { toInt, toIntOrNull, toJsonText, toText, toTextOrNull } from "./values.ts";

export type Row = Record<string, unknown>;

export const ORDER_COLUMNS =
  "order_id, client_order_id, venue_order_id, intent_id, decision_id, position_id, strategy, " +
  "window_id, token_id, kind, side, order_type, price, size, filled_size, status, reason, mode, " +
  "created_at, updated_at, epoch";

export function orderParams(o: OrderRecord): unknown[] {
  return [
    o.orderId,
    o.orderId,
    o.venueOrderId,
    o.intentId,
    o.decisionId,
    o.positionId,
    o.strategy,
    o.windowId,
    o.tokenId,
    o.kind,
    o.side,
    o.orderType,
    o.price,
    o.size,
    o.filledSize,
    o.status,
    o.reason,
    o.mode,
    o.createdAt,
    o.updatedAt,
    o.epoch,
  ];
}

export function orderFromRow(r: Row): OrderRecord {
  return {
    orderId: toText(r.order_id, "order_id"),
    venueOrderId: toTextOrNull(r.venue_order_id, "venue_order_id"),
    intentId: toText(r.intent_id, "intent_id"),
    decisionId: toTextOrNull(r.decision_id, "decision_id"),
    positionId: toTextOrNull(r.position_id, "position_id"),
    strategy: toText(r.strategy, "strategy"),
    windowId: toText(r.window_id, "window_id"),
    tokenId: toText(r.token_id, "token_id"),
    kind: toText(r.kind, "kind") as IntentKind,
    side: toText(r.side, "side") as Side,
    orderType: toText(r.order_type, "order_type") as OrderType,
    price: toInt(r.price, "price"),
    size: toInt(r.size, "size"),
    filledSize: toInt(r.filled_size, "filled_size"),
    status: toText(r.status, "status") as OrderStatus,
    reason: toTextOrNull(r.reason, "reason"),
    mode: toText(r.mode, "mode") as Mode,
    createdAt: toInt(r.created_at, "created_at"),
    updatedAt: toInt(r.updated_at, "updated_at"),
    epoch: toInt(r.epoch, "epoch"),
  };
}

export const FILL_COLUMNS =
  "trade_id, order_id, venue_order_id, status, fee, price, size, side, token_id, window_id, " +
  "position_id, intent_id, strategy, kind, liquidity, intended_price, mode, ts, updated_at";

export function fillParams(f: FillRecord): unknown[] {
  return [
    f.tradeId,
    f.orderId,
    f.venueOrderId,
    f.status,
    f.fee,
    f.price,
    f.size,
    f.side,
    f.tokenId,
    f.windowId,
    f.positionId,
    f.intentId,
    f.strategy,
    f.kind,
    f.liquidity,
    f.intendedPrice,
    f.mode,
    f.ts,
    f.updatedAt,
  ];
}

export function fillFromRow(r: Row): FillRecord {
  return {
    tradeId: toText(r.trade_id, "trade_id"),
    orderId: toText(r.order_id, "order_id"),
    venueOrderId: toTextOrNull(r.venue_order_id, "venue_order_id"),
    status: toText(r.status, "status") as FillStatus,
    fee: toInt(r.fee, "fee"),
    price: toInt(r.price, "price"),
    size: toInt(r.size, "size"),
    side: toText(r.side, "side") as Side,
    tokenId: toText(r.token_id, "token_id"),
    windowId: toText(r.window_id, "window_id"),
    positionId: toTextOrNull(r.position_id, "position_id"),
    intentId: toText(r.intent_id, "intent_id"),
    strategy: toText(r.strategy, "strategy"),
    kind: toText(r.kind, "kind") as IntentKind,
    liquidity: toText(r.liquidity, "liquidity") as "TAKER" | "MAKER",
    intendedPrice: toInt(r.intended_price, "intended_price"),
    mode: toText(r.mode, "mode") as Mode,
    ts: toInt(r.ts, "ts"),
    updatedAt: toInt(r.updated_at, "updated_at"),
  };
}

export const POSITION_COLUMNS =
  "position_id, mode, strategy, window_id, token_id, state, size, provisional_size, " +
  "avg_entry_price, cost_basis, fees, realized_pnl, unrealized_pnl, mark_price, exit_reason, " +
  "opened_at, closed_at, machine_version, snapshot, updated_at";

export function positionParams(p: PositionRecord): unknown[] {
  return [
    p.positionId,
    p.mode,
    p.strategy,
    p.windowId,
    p.tokenId,
    p.state,
    p.size,
    p.provisionalSize,
    p.avgEntryPrice,
    p.costBasis,
    p.fees,
    p.realizedPnl,
    p.unrealizedPnl,
    p.markPrice,
    p.exitReason,
    p.openedAt,
    p.closedAt,
    p.machineVersion,
    toJsonText(p.snapshot),
    p.updatedAt,
  ];
}

export function positionFromRow(r: Row): PositionRecord {
  return {
    positionId: toText(r.position_id, "position_id"),
    mode: toText(r.mode, "mode") as Mode,
    strategy: toText(r.strategy, "strategy"),
    windowId: toText(r.window_id, "window_id"),
    tokenId: toText(r.token_id, "token_id"),
    state: toText(r.state, "state") as PositionState,
    size: toInt(r.size, "size"),
    provisionalSize: toInt(r.provisional_size, "provisional_size"),
    avgEntryPrice: toIntOrNull(r.avg_entry_price, "avg_entry_price"),
    costBasis: toInt(r.cost_basis, "cost_basis"),
    fees: toInt(r.fees, "fees"),
    realizedPnl: toInt(r.realized_pnl, "realized_pnl"),
    unrealizedPnl: toInt(r.unrealized_pnl, "unrealized_pnl"),
    markPrice: toIntOrNull(r.mark_price, "mark_price"),
    exitReason: toTextOrNull(r.exit_reason, "exit_reason") as ExitReason | null,
    openedAt: toInt(r.opened_at, "opened_at"),
    closedAt: toIntOrNull(r.closed_at, "closed_at"),
    machineVersion: toInt(r.machine_version, "machine_version"),
    snapshot: r.snapshot,
    updatedAt: toInt(r.updated_at, "updated_at"),
  };
}

export function croEventFromRow(r: Row): StoredCroEvent {
  return {
    id: toInt(r.id, "id"),
    ts: toInt(r.ts, "ts"),
    epoch: toInt(r.epoch, "epoch"),
    state: toText(r.state, "state") as TradingState,
    reason: toText(r.reason, "reason"),
    actor: toText(r.actor, "actor"),
    operatorHold: r.operator_hold === true,
    detail: r.detail,
  };
}

export function strategyHaltFromRow(r: Row): StrategyHaltRecord {
  return {
    strategy: toText(r.strategy, "strategy"),
    halted: r.halted === true,
    since: toInt(r.since, "since"),
    actor: toText(r.actor, "actor"),
    reason: toText(r.reason, "reason"),
    manifestVersion: toTextOrNull(r.manifest_version, "manifest_version"),
    detail: r.detail,
    epoch: toInt(r.epoch, "epoch"),
  };
}

export function tradeReviewFromRow(r: Row): TradeReviewRecord {
  return {
    positionId: toText(r.position_id, "position_id"),
    strategy: toText(r.strategy, "strategy"),
    windowId: toText(r.window_id, "window_id"),
    createdAt: toInt(r.created_at, "created_at"),
    reviewedAt: r.reviewed_at === null ? null : toInt(r.reviewed_at, "reviewed_at"),
    reviewedBy: toTextOrNull(r.reviewed_by, "reviewed_by"),
    note: toTextOrNull(r.note, "note"),
  };
}

export function auditFromRow(r: Row): StoredAuditEntry {
  return {
    id: toInt(r.id, "id"),
    ts: toInt(r.ts, "ts"),
    agent: toText(r.agent, "agent"),
    kind: toText(r.kind, "kind"),
    correlationId: toTextOrNull(r.correlation_id, "correlation_id"),
    intentId: toTextOrNull(r.intent_id, "intent_id"),
    orderId: toTextOrNull(r.order_id, "order_id"),
    positionId: toTextOrNull(r.position_id, "position_id"),
    decisionId: toTextOrNull(r.decision_id, "decision_id"),
    detail: r.detail,
  };
}

export function feedGapFromRow(r: Row): StoredFeedGap {
  return {
    id: toInt(r.id, "id"),
    feed: toText(r.feed, "feed"),
    tokenId: toText(r.token_id, "token_id"),
    fromSeq: toInt(r.from_seq, "from_seq"),
    toSeq: toInt(r.to_seq, "to_seq"),
    ts: toInt(r.ts, "ts"),
  };
}

export const ALERT_COLUMNS =
  "alert_id, incident_key, severity, title, body, format, status, attempts, last_error, " +
  "created_at, updated_at, next_attempt_at";

export function alertParams(a: AlertRecord): unknown[] {
  return [
    a.alertId,
    a.incidentKey,
    a.severity,
    a.title,
    a.body,
    a.format,
    a.status,
    a.attempts,
    a.lastError,
    a.createdAt,
    a.updatedAt,
    a.nextAttemptAt,
  ];
}

export function alertFromRow(r: Row): AlertRecord {
  return {
    alertId: toText(r.alert_id, "alert_id"),
    incidentKey: toText(r.incident_key, "incident_key"),
    severity: toText(r.severity, "severity") as Severity,
    title: toText(r.title, "title"),
    body: toText(r.body, "body"),
    format: toText(r.format, "format") as AlertFormat,
    status: toText(r.status, "status") as AlertStatus,
    attempts: toInt(r.attempts, "attempts"),
    lastError: toTextOrNull(r.last_error, "last_error"),
    createdAt: toInt(r.created_at, "created_at"),
    updatedAt: toInt(r.updated_at, "updated_at"),
    nextAttemptAt: toIntOrNull(r.next_attempt_at, "next_attempt_at"),
  };
}
