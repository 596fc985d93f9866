/**
 * The Store port: what agents persist so that a restart recovers (invariant 9). Domain methods,
 * not SQL. Adapters: `PgStore` (infra/store/pg.ts, PostgreSQL) and `MemoryStore`
 * (infra/store/memory.ts, in-process, for embedded runs and the simulator); both pass one contract
 * suite (test/integration/store-contract.test.ts).
 *
 * Every timestamp is epoch milliseconds supplied by the caller from its Clock; every money, share
 * and price field is integer micro-units.
 */
import type {
  AlertFormat,
  FillStatus,
  Fill,
  Mode,
  Order,
  OrderStatus,
  Position,
  Severity,
  TradingState,
} from "../../contracts/index.ts";

/**
 * Proof of leadership for a write: the write lands only if lease `lease` is still held by
 * `holder` at `epoch`, checked atomically with the write. A deposed leader gets StaleEpochError.
 */
export interface Fence {
  readonly lease: string;
  readonly holder: string;
  readonly epoch: number;
}

export interface ControlRow {
  key: string;
  value: string;
  updatedAt: number;
  updatedBy: string;
}

export type OrderRecord = Order & { createdAt: number; updatedAt: number; epoch: number };

export interface OrderFilter {
  statuses?: readonly OrderStatus[];
  windowId?: string;
  tokenId?: string;
  mode?: Mode;
  /** Only orders written (updatedAt) at or after this time: what changed since a checkpoint. */
  updatedSince?: number;
  /** Newest (by createdAt) first, so a `limit` keeps the latest rows rather than the oldest. */
  newestFirst?: boolean;
  /** Rows past this are not returned (default LIST_ROWS_MAX). */
  limit?: number;
}

/** `ts` is when this trade was first recorded; `updatedAt` when its status last changed. */
export type FillRecord = Fill & { ts: number; updatedAt: number };

export interface FillFilter {
  statuses?: readonly FillStatus[];
  orderId?: string;
  positionId?: string;
  windowId?: string;
  mode?: Mode;
  /** Only fills first recorded (ts) at or after this time. */
  sinceTs?: number;
  /** Only fills written (updatedAt: recorded or moved on) at or after this time. */
  updatedSince?: number;
  /** Newest (by ts) first, so a `limit` keeps the latest rows rather than the oldest. */
  newestFirst?: boolean;
  limit?: number;
}

export interface RecordFillResult {
  /** True when this trade id was new. */
  inserted: boolean;
  /** The stored status before this call; null when inserted. */
  previous: FillStatus | null;
  /** True when the row was inserted or its status moved forward. */
  changed: boolean;
}

export type PositionRecord = Position & {
  machineVersion: number;
  /** The persisted XState snapshot; stored as JSON (jsonb), so it must be JSON-serialisable. */
  snapshot: unknown;
  updatedAt: number;
};

export interface PositionFilter {
  /** true: state is not CLOSED; false: only CLOSED. */
  open?: boolean;
  mode?: Mode;
  /** Only positions written (updatedAt) at or after this time: what changed since a checkpoint. */
  updatedSince?: number;
  limit?: number;
}

export interface CroEventRecord {
  ts: number;
  epoch: number;
  state: TradingState;
  reason: string;
  actor: string;
  operatorHold: boolean;
  detail: unknown;
}
export type StoredCroEvent = CroEventRecord & { id: number };

/**
 * A strategy's halt as the CRO last recorded it (issue 20, Phase 3): one row per strategy. A
 * halted strategy's new entries are vetoed; `since` is when it was halted or, once resumed
 * (`halted` false), when its results start counting again.
 */
/**
 * One trade of a strategy in review mode (issue 20, Phase 3: its manifest's
 * `reviewFirstWindows`): it waits in the review list until an operator marks it reviewed; the
 * strategy may not scale up before its reviews are done. One row per position.
 */
export interface TradeReviewRecord {
  positionId: string;
  strategy: string;
  windowId: string;
  /** When the CRO put it on the list (the position's open time). */
  createdAt: number;
  reviewedAt: number | null;
  reviewedBy: string | null;
  note: string | null;
}

export interface StrategyHaltRecord {
  strategy: string;
  halted: boolean;
  since: number;
  /** "cro" for a kill criterion, the operator for a halt or resume by hand. */
  actor: string;
  reason: string;
  /** The manifest version the halt or resume applied to; null: none known. */
  manifestVersion: string | null;
  /** The numbers that tripped it (JSON). */
  detail: unknown;
  epoch: number;
}

export interface AuditEntry {
  ts: number;
  agent: string;
  kind: string;
  correlationId: string | null;
  intentId: string | null;
  orderId: string | null;
  positionId: string | null;
  decisionId: string | null;
  detail: unknown;
}
export type StoredAuditEntry = AuditEntry & { id: number };

export interface FeedGapRecord {
  feed: string;
  tokenId: string;
  fromSeq: number;
  toSeq: number;
  ts: number;
}
export type StoredFeedGap = FeedGapRecord & { id: number };

export type AlertStatus = "PENDING" | "DELIVERED" | "DEAD";

/** One delivery of one alert to one destination format. DEAD rows are the dead-letter table. */
export interface AlertRecord {
  alertId: string;
  incidentKey: string;
  severity: Severity;
  title: string;
  body: string;
  format: AlertFormat;
  status: AlertStatus;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  nextAttemptAt: number | null;
}

export interface LeaseRecord {
  name: string;
  /** null once released. */
  holder: string | null;
  epoch: number;
  expiresAtMs: number;
  updatedAt: number;
}

export type AcquireResult =
  | { acquired: true; epoch: number }
  | { acquired: false; holder: string | null; epoch: number; expiresAtMs: number };

/** Default cap on the rows one list call returns; narrow the filter to see past it. */
export const LIST_ROWS_MAX = 10_000;

export interface Store {
  getControls(): Promise<ControlRow[]>;
  setControl(key: string, value: string, updatedBy: string, ts: number): Promise<void>;

  /** Inserts or replaces by orderId; createdAt is kept from the first write. */
  upsertOrder(order: OrderRecord, fence?: Fence): Promise<void>;
  /**
   * Inserts `order` unless a row with its orderId exists (then nothing changes): true when it was
   * written. Fenced, one round trip on PostgreSQL: Execution's durable record before a send.
   */
  insertOrder(order: OrderRecord, fence?: Fence): Promise<boolean>;
  getOrder(orderId: string): Promise<OrderRecord | null>;
  /** Ordered by createdAt, then orderId (reversed with `newestFirst`). */
  listOrders(filter?: OrderFilter): Promise<OrderRecord[]>;

  /**
   * Idempotent by tradeId. A stored status moves only MATCHED → CONFIRMED or MATCHED → FAILED
   * (status and updatedAt change, nothing else); a repeat or a backwards move changes nothing.
   */
  recordFill(fill: FillRecord, fence?: Fence): Promise<RecordFillResult>;
  /** Ordered by ts, then tradeId (reversed with `newestFirst`). */
  listFills(filter?: FillFilter): Promise<FillRecord[]>;

  savePosition(rec: PositionRecord, fence?: Fence): Promise<void>;
  getPosition(positionId: string): Promise<PositionRecord | null>;
  /** Ordered by openedAt, then positionId. */
  listPositions(filter?: PositionFilter): Promise<PositionRecord[]>;

  appendCroEvent(ev: CroEventRecord, fence?: Fence): Promise<number>;
  /** The most recently appended event. */
  lastCroEvent(): Promise<StoredCroEvent | null>;
  /** Events with ts >= sinceTs, ordered by ts then id, at most `limit`. */
  listCroEvents(query: { sinceTs?: number; limit: number }): Promise<StoredCroEvent[]>;

  /** Inserts or replaces the strategy's row (fenced: only the CRO leader halts or resumes). */
  saveStrategyHalt(rec: StrategyHaltRecord, fence?: Fence): Promise<void>;
  /** Every strategy's row, by strategy name. */
  listStrategyHalts(): Promise<StrategyHaltRecord[]>;

  /** Puts a trade on the review list unless it is there already; true when written. */
  addTradeReview(rec: TradeReviewRecord): Promise<boolean>;
  /** The review list, by createdAt then positionId; `pending`: only those not yet reviewed. */
  listTradeReviews(query?: { strategy?: string; pending?: boolean }): Promise<TradeReviewRecord[]>;
  /**
   * Marks a pending review done; the row after (unchanged when it was already reviewed), or
   * null when no such trade is on the list.
   */
  markTradeReviewed(
    positionId: string,
    by: string,
    note: string,
    at: number,
  ): Promise<TradeReviewRecord | null>;

  appendAudit(entry: AuditEntry): Promise<number>;
  /**
   * Appends `entry` (its intentId set) unless the log already holds an entry of the same kind for
   * the same intentId: its id, or null when one existed and nothing was written. One statement:
   * the CRO records a first decision and learns whether the intent was decided before at once.
   */
  appendFirstAudit(entry: AuditEntry & { intentId: string }): Promise<number | null>;
  /** Every entry whose intent, order, position, decision or correlation id is `id`; by ts, id. */
  auditFor(id: string, limit?: number): Promise<StoredAuditEntry[]>;

  recordFeedGap(gap: FeedGapRecord): Promise<number>;
  /** The most recent `limit` gaps, newest first. */
  listFeedGaps(limit: number): Promise<StoredFeedGap[]>;

  /** Inserts or replaces by alertId. */
  saveAlert(rec: AlertRecord): Promise<void>;
  /** Ordered by createdAt, then alertId. */
  listAlerts(filter?: { status?: AlertStatus; limit?: number }): Promise<AlertRecord[]>;

  /**
   * Takes the lease when it is free, released, expired (expiresAtMs <= nowMs) or already ours.
   * The epoch grows on every change of holder and on every takeover of an expired lease; a holder
   * re-acquiring its own live lease keeps its epoch (and extends the expiry).
   */
  tryAcquireLease(
    name: string,
    holder: string,
    nowMs: number,
    ttlMs: number,
  ): Promise<AcquireResult>;
  /** Extends a live lease held by `holder` at `epoch`; false if it expired or changed hands. */
  renewLease(
    name: string,
    holder: string,
    epoch: number,
    nowMs: number,
    ttlMs: number,
  ): Promise<boolean>;
  /** Gives the lease up (holder becomes null, epoch kept); false if it was not ours. */
  releaseLease(name: string, holder: string, epoch: number): Promise<boolean>;
  getLease(name: string): Promise<LeaseRecord | null>;

  close(): Promise<void>;
}

/** Operating failures of the store: named, with a stable `code` and the underlying `cause`. */
export class StoreError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A fenced write came from a holder that no longer holds the lease at that epoch. */
export class StaleEpochError extends StoreError {
  constructor(
    readonly fence: Fence,
    options?: { cause?: unknown },
  ) {
    super(
      "STALE_EPOCH",
      `lease "${fence.lease}" is no longer held by "${fence.holder}" at epoch ${fence.epoch}`,
      options,
    );
  }
}

/** The store cannot be reached, timed out, or was closed. */
export class StoreUnavailableError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("STORE_UNAVAILABLE", message, options);
  }
}
