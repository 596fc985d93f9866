/**
 * The embedded store: in-process, synchronous underneath, deterministic. Used by single-process
 * runs with no PostgreSQL configured and by the simulator, where it must be fast. Same semantics
 * as PgStore (one contract suite covers both): rows are copied in and out, JSON columns go through
 * a JSON round trip, fenced writes check the lease atomically (trivially: one thread).
 *
 * PGlite (in-process PostgreSQL on wasm) was considered and is NOT used: about 2 s to boot and
 * about 830 MB RSS per instance on this project's machines (reference/dependencies.md §4), and it
 * is PostgreSQL 18 against a production PostgreSQL 15.
 *
 * Nothing is evicted unless asked: the simulator bounds its audit log by age (memory-audit.ts), the
 * one table that grew by tens of megabytes per simulated day. The columns the agents filter on
 * often are indexed (memory-index.ts), so those reads do not grow with the history.
 */
import type {
  AcquireResult,
  AlertRecord,
  AlertStatus,
  AuditEntry,
  ControlRow,
  CroEventRecord,
  FeedGapRecord,
  Fence,
  FillFilter,
  FillRecord,
  LeaseRecord,
  OrderFilter,
  OrderRecord,
  PositionFilter,
  PositionRecord,
  RecordFillResult,
  Store,
  StoredAuditEntry,
  StoredCroEvent,
  StrategyHaltRecord,
  TradeReviewRecord,
  StoredFeedGap,
} from "../../agents/runtime/store.ts";
import { StaleEpochError, StoreUnavailableError } from "../../agents/runtime/store.ts";
import { AuditLog } from "./memory-audit.ts";
import { MemoryLeases } from "./memory-leases.ts";
import { candidates, KeyIndex, WriteLog } from "./memory-index.ts";
import { compareText, jsonCopy, rowLimit } from "./values.ts";

const byCreated = <T extends { createdAt: number }>(key: (r: T) => string) => {
  return (a: T, b: T) => a.createdAt - b.createdAt || compareText(key(a), key(b));
};

export interface MemoryStoreOptions {
  /**
   * Drop audit rows older than this as new ones arrive (memory-audit.ts). Default: keep every row,
   * as PostgreSQL does; the simulator sets a week so a long run's memory stays bounded.
   */
  auditMaxAgeMs?: number;
}

export class MemoryStore implements Store {
  private readonly controls = new Map<string, ControlRow>();
  private readonly orders = new Map<string, OrderRecord>();
  private readonly fills = new Map<string, FillRecord>();
  private readonly positions = new Map<string, PositionRecord>();
  private readonly orderIx = {
    status: new KeyIndex<string>(),
    token: new KeyIndex<string>(),
    window: new KeyIndex<string>(),
  };
  private readonly fillIx = {
    status: new KeyIndex<string>(),
    order: new KeyIndex<string>(),
    position: new KeyIndex<string | null>(),
    window: new KeyIndex<string>(),
  };
  private readonly positionIx = { open: new KeyIndex<boolean>() };
  private readonly writes = {
    orders: new WriteLog(),
    fills: new WriteLog(),
    positions: new WriteLog(),
  };
  private readonly croEvents: StoredCroEvent[] = [];
  private readonly strategyHalts = new Map<string, StrategyHaltRecord>();
  private readonly tradeReviews = new Map<string, TradeReviewRecord>();
  private readonly audit: AuditLog;
  private readonly feedGaps: StoredFeedGap[] = [];
  private readonly alerts = new Map<string, AlertRecord>();
  private readonly leases = new MemoryLeases();
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.audit = new AuditLog(options.auditMaxAgeMs ?? null);
  }

  getControls(): Promise<ControlRow[]> {
    return this.run(() =>
      [...this.controls.values()].sort((a, b) => compareText(a.key, b.key)).map((c) => ({ ...c })),
    );
  }

  setControl(key: string, value: string, updatedBy: string, ts: number): Promise<void> {
    return this.run(() => {
      this.controls.set(key, { key, value, updatedAt: ts, updatedBy });
    });
  }

  upsertOrder(order: OrderRecord, fence?: Fence): Promise<void> {
    return this.run(() => {
      this.checkFence(fence);
      this.putOrder(order);
    });
  }

  insertOrder(order: OrderRecord, fence?: Fence): Promise<boolean> {
    return this.run(() => {
      this.checkFence(fence);
      if (this.orders.has(order.orderId)) return false;
      this.putOrder(order);
      return true;
    });
  }

  getOrder(orderId: string): Promise<OrderRecord | null> {
    return this.run(() => {
      const o = this.orders.get(orderId);
      return o === undefined ? null : { ...o };
    });
  }

  listOrders(filter: OrderFilter = {}): Promise<OrderRecord[]> {
    return this.run(() => {
      const { statuses, windowId, tokenId, mode, updatedSince } = filter;
      const sign = filter.newestFirst === true ? -1 : 1;
      const order = byCreated<OrderRecord>((o) => o.orderId);
      const ix = this.orderIx;
      return candidates(this.orders, [
        statuses === undefined ? undefined : ix.status.any(statuses),
        tokenId === undefined ? undefined : ix.token.get(tokenId),
        windowId === undefined ? undefined : ix.window.get(windowId),
        updatedSince === undefined ? undefined : this.writes.orders.since(updatedSince),
      ])
        .filter(
          (o) =>
            (statuses === undefined || statuses.includes(o.status)) &&
            (windowId === undefined || o.windowId === windowId) &&
            (tokenId === undefined || o.tokenId === tokenId) &&
            (mode === undefined || o.mode === mode) &&
            (updatedSince === undefined || o.updatedAt >= updatedSince),
        )
        .sort((a, b) => sign * order(a, b))
        .slice(0, rowLimit(filter.limit))
        .map((o) => ({ ...o }));
    });
  }

  recordFill(fill: FillRecord, fence?: Fence): Promise<RecordFillResult> {
    return this.run(() => {
      this.checkFence(fence);
      const stored = this.fills.get(fill.tradeId);
      if (stored === undefined) {
        this.fills.set(fill.tradeId, { ...fill });
        const id = fill.tradeId;
        this.fillIx.status.move(id, undefined, fill.status);
        this.fillIx.order.move(id, undefined, fill.orderId);
        this.fillIx.position.move(id, undefined, fill.positionId);
        this.fillIx.window.move(id, undefined, fill.windowId);
        this.writes.fills.note(id, fill.updatedAt, this.fills);
        return { inserted: true, previous: null, changed: true };
      }
      const previous = stored.status;
      if (previous !== "MATCHED" || fill.status === "MATCHED") {
        return { inserted: false, previous, changed: false };
      }
      this.fills.set(fill.tradeId, { ...stored, status: fill.status, updatedAt: fill.updatedAt });
      this.fillIx.status.move(fill.tradeId, previous, fill.status);
      this.writes.fills.note(fill.tradeId, fill.updatedAt, this.fills);
      return { inserted: false, previous, changed: true };
    });
  }

  listFills(filter: FillFilter = {}): Promise<FillRecord[]> {
    return this.run(() => {
      const { statuses, orderId, positionId, windowId, mode, sinceTs, updatedSince } = filter;
      const sign = filter.newestFirst === true ? -1 : 1;
      const ix = this.fillIx;
      return candidates(this.fills, [
        statuses === undefined ? undefined : ix.status.any(statuses),
        orderId === undefined ? undefined : ix.order.get(orderId),
        positionId === undefined ? undefined : ix.position.get(positionId),
        windowId === undefined ? undefined : ix.window.get(windowId),
        updatedSince === undefined ? undefined : this.writes.fills.since(updatedSince),
      ])
        .filter(
          (f) =>
            (statuses === undefined || statuses.includes(f.status)) &&
            (orderId === undefined || f.orderId === orderId) &&
            (positionId === undefined || f.positionId === positionId) &&
            (windowId === undefined || f.windowId === windowId) &&
            (mode === undefined || f.mode === mode) &&
            (sinceTs === undefined || f.ts >= sinceTs) &&
            (updatedSince === undefined || f.updatedAt >= updatedSince),
        )
        .sort((a, b) => sign * (a.ts - b.ts || compareText(a.tradeId, b.tradeId)))
        .slice(0, rowLimit(filter.limit))
        .map((f) => ({ ...f }));
    });
  }

  savePosition(rec: PositionRecord, fence?: Fence): Promise<void> {
    return this.run(() => {
      this.checkFence(fence);
      const before = this.positions.get(rec.positionId);
      this.positions.set(rec.positionId, { ...rec, snapshot: jsonCopy(rec.snapshot) });
      const wasOpen = before === undefined ? undefined : before.state !== "CLOSED";
      this.positionIx.open.move(rec.positionId, wasOpen, rec.state !== "CLOSED");
      this.writes.positions.note(rec.positionId, rec.updatedAt, this.positions);
    });
  }

  getPosition(positionId: string): Promise<PositionRecord | null> {
    return this.run(() => {
      const p = this.positions.get(positionId);
      return p === undefined ? null : { ...p, snapshot: jsonCopy(p.snapshot) };
    });
  }

  listPositions(filter: PositionFilter = {}): Promise<PositionRecord[]> {
    return this.run(() => {
      const { open, mode, updatedSince } = filter;
      const ix = this.positionIx;
      return candidates(this.positions, [
        open === undefined ? undefined : ix.open.get(open),
        updatedSince === undefined ? undefined : this.writes.positions.since(updatedSince),
      ])
        .filter(
          (p) =>
            (open === undefined || (p.state !== "CLOSED") === open) &&
            (mode === undefined || p.mode === mode) &&
            (updatedSince === undefined || p.updatedAt >= updatedSince),
        )
        .sort((a, b) => a.openedAt - b.openedAt || compareText(a.positionId, b.positionId))
        .slice(0, rowLimit(filter.limit))
        .map((p) => ({ ...p, snapshot: jsonCopy(p.snapshot) }));
    });
  }

  appendCroEvent(ev: CroEventRecord, fence?: Fence): Promise<number> {
    return this.run(() => {
      this.checkFence(fence);
      const id = this.croEvents.length + 1;
      this.croEvents.push({ ...ev, detail: jsonCopy(ev.detail), id });
      return id;
    });
  }

  lastCroEvent(): Promise<StoredCroEvent | null> {
    return this.run(() => {
      const last = this.croEvents.at(-1);
      return last === undefined ? null : copyEvent(last);
    });
  }

  listCroEvents(query: { sinceTs?: number; limit: number }): Promise<StoredCroEvent[]> {
    return this.run(() => {
      const since = query.sinceTs ?? Number.NEGATIVE_INFINITY;
      // Appended in id order and the sort is stable, so ties on ts stay in id order.
      return this.croEvents
        .filter((e) => e.ts >= since)
        .sort((a, b) => a.ts - b.ts)
        .slice(0, rowLimit(query.limit))
        .map(copyEvent);
    });
  }

  saveStrategyHalt(rec: StrategyHaltRecord, fence?: Fence): Promise<void> {
    return this.run(() => {
      this.checkFence(fence);
      this.strategyHalts.set(rec.strategy, { ...rec, detail: jsonCopy(rec.detail) });
    });
  }

  listStrategyHalts(): Promise<StrategyHaltRecord[]> {
    return this.run(() =>
      [...this.strategyHalts.values()]
        .sort((a, b) => compareText(a.strategy, b.strategy))
        .map((r) => ({ ...r, detail: jsonCopy(r.detail) })),
    );
  }

  addTradeReview(rec: TradeReviewRecord): Promise<boolean> {
    return this.run(() => {
      if (this.tradeReviews.has(rec.positionId)) return false;
      this.tradeReviews.set(rec.positionId, { ...rec });
      return true;
    });
  }

  listTradeReviews(
    query: { strategy?: string; pending?: boolean } = {},
  ): Promise<TradeReviewRecord[]> {
    return this.run(() =>
      [...this.tradeReviews.values()]
        .filter((r) => query.strategy === undefined || r.strategy === query.strategy)
        .filter((r) => query.pending !== true || r.reviewedAt === null)
        .sort((a, b) => a.createdAt - b.createdAt || compareText(a.positionId, b.positionId))
        .map((r) => ({ ...r })),
    );
  }

  markTradeReviewed(
    positionId: string,
    by: string,
    note: string,
    at: number,
  ): Promise<TradeReviewRecord | null> {
    return this.run(() => {
      const r = this.tradeReviews.get(positionId);
      if (r === undefined) return null;
      if (r.reviewedAt === null) {
        const done = { ...r, reviewedAt: at, reviewedBy: by, note };
        this.tradeReviews.set(positionId, done);
        return { ...done };
      }
      return { ...r };
    });
  }

  appendAudit(entry: AuditEntry): Promise<number> {
    return this.run(() => this.audit.append(entry));
  }

  appendFirstAudit(entry: AuditEntry & { intentId: string }): Promise<number | null> {
    return this.run(() => {
      const { kind, intentId } = entry;
      const found = this.audit
        .for(intentId)
        .some((e) => e.kind === kind && e.intentId === intentId);
      return found ? null : this.audit.append(entry);
    });
  }

  auditFor(id: string, limit?: number): Promise<StoredAuditEntry[]> {
    return this.run(() => this.audit.for(id, limit));
  }

  recordFeedGap(gap: FeedGapRecord): Promise<number> {
    return this.run(() => {
      const id = this.feedGaps.length + 1;
      this.feedGaps.push({ ...gap, id });
      return id;
    });
  }

  listFeedGaps(limit: number): Promise<StoredFeedGap[]> {
    return this.run(() => {
      const n = rowLimit(limit);
      return n === 0
        ? []
        : this.feedGaps
            .slice(-n)
            .reverse()
            .map((g) => ({ ...g }));
    });
  }

  saveAlert(rec: AlertRecord): Promise<void> {
    return this.run(() => {
      this.alerts.set(rec.alertId, { ...rec });
    });
  }

  listAlerts(filter: { status?: AlertStatus; limit?: number } = {}): Promise<AlertRecord[]> {
    return this.run(() =>
      [...this.alerts.values()]
        .filter((a) => filter.status === undefined || a.status === filter.status)
        .sort(byCreated((a) => a.alertId))
        .slice(0, rowLimit(filter.limit))
        .map((a) => ({ ...a })),
    );
  }

  tryAcquireLease(name: string, holder: string, nowMs: number, ttlMs: number) {
    return this.run<AcquireResult>(() => this.leases.acquire(name, holder, nowMs, ttlMs));
  }

  renewLease(name: string, holder: string, epoch: number, nowMs: number, ttlMs: number) {
    return this.run(() => this.leases.renew(name, holder, epoch, nowMs, ttlMs));
  }

  releaseLease(name: string, holder: string, epoch: number): Promise<boolean> {
    return this.run(() => this.leases.release(name, holder, epoch));
  }

  getLease(name: string): Promise<LeaseRecord | null> {
    return this.run(() => this.leases.get(name));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Runs synchronous work as the port's async call: a throw becomes a rejection, as in PgStore. */
  private run<T>(work: () => T): Promise<T> {
    try {
      if (this.closed) throw new StoreUnavailableError("store is closed");
      return Promise.resolve(work());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private putOrder(order: OrderRecord): void {
    const before = this.orders.get(order.orderId);
    const createdAt = before?.createdAt ?? order.createdAt;
    this.orders.set(order.orderId, { ...order, createdAt });
    const id = order.orderId;
    this.orderIx.status.move(id, before?.status, order.status);
    this.orderIx.token.move(id, before?.tokenId, order.tokenId);
    this.orderIx.window.move(id, before?.windowId, order.windowId);
    this.writes.orders.note(id, order.updatedAt, this.orders);
  }

  private checkFence(fence: Fence | undefined): void {
    if (fence !== undefined && !this.leases.holds(fence)) throw new StaleEpochError(fence);
  }
}

function copyEvent(e: StoredCroEvent): StoredCroEvent {
  return { ...e, detail: jsonCopy(e.detail) };
}
