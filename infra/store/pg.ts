/**
 * The Store port on PostgreSQL (node-postgres). One statement per call where possible; a fenced
 * write locks the lease row FOR SHARE and checks holder + epoch before writing, so a deposed
 * leader's write either lands before the takeover or fails with StaleEpochError. Order writes do
 * it in one statement (sql.FENCED_*, one round trip); the others in a transaction.
 */
import type pg from "pg";
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
  StoredFeedGap,
  StrategyHaltRecord,
  TradeReviewRecord,
} from "../../agents/runtime/store.ts";
import { StaleEpochError, StoreUnavailableError } from "../../agents/runtime/store.ts";
import { createPool, inTransaction, prepared, type Db, type PoolOptions } from "./pg-db.ts";
import { toStoreError } from "./pg-errors.ts";
import * as leases from "./pg-leases.ts";
import * as rows from "./pg-rows.ts";
import * as sql from "./pg-sql.ts";
import { Where } from "./pg-where.ts";
import { migrate } from "./migrate.ts";
import { rowLimit, toInt, toJsonText, toText } from "./values.ts";
import type { FillStatus } from "../../contracts/index.ts";

export interface PgStoreOptions extends PoolOptions {
  /** Apply pending migrations before opening the pool. */
  migrate?: boolean;
  /** Receives migration progress lines. */
  log?: (line: string) => void;
}

const TRADE_REVIEW_COLUMNS =
  "position_id, strategy, window_id, created_at, reviewed_at, reviewed_by, note";

export class PgStore implements Store {
  private closed = false;
  private readonly db: Db;

  private constructor(private readonly pool: pg.Pool) {
    this.db = prepared(pool);
  }

  /** Opens a pool (after migrating, if asked) and checks the server answers. */
  static async open(databaseUrl: string, options: PgStoreOptions = {}): Promise<PgStore> {
    if (options.migrate === true) await migrate(databaseUrl, options.log);
    const store = new PgStore(createPool(databaseUrl, options));
    try {
      await store.run("open", (db) => db.query("SELECT 1"));
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  getControls(): Promise<ControlRow[]> {
    return this.run("getControls", async (db) => {
      const r = await db.query<rows.Row>(
        'SELECT key, value, updated_at, updated_by FROM runtime_controls ORDER BY key COLLATE "C"',
      );
      return r.rows.map((row) => ({
        key: toText(row.key, "key"),
        value: toText(row.value, "value"),
        updatedAt: toInt(row.updated_at, "updated_at"),
        updatedBy: toText(row.updated_by, "updated_by"),
      }));
    });
  }

  async setControl(key: string, value: string, updatedBy: string, ts: number): Promise<void> {
    await this.run("setControl", (db) =>
      db.query(
        `INSERT INTO runtime_controls (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value,
           updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
        [key, value, ts, updatedBy],
      ),
    );
  }

  async upsertOrder(order: OrderRecord, fence?: Fence): Promise<void> {
    if (fence === undefined) {
      await this.run("upsertOrder", (db) => db.query(sql.UPSERT_ORDER, rows.orderParams(order)));
      return;
    }
    await this.fencedOrderWrite("upsertOrder", sql.FENCED_UPSERT_ORDER, order, fence);
  }

  async insertOrder(order: OrderRecord, fence?: Fence): Promise<boolean> {
    if (fence === undefined) {
      const r = await this.run("insertOrder", (db) =>
        db.query(sql.INSERT_ORDER, rows.orderParams(order)),
      );
      return r.rowCount === 1;
    }
    return (await this.fencedOrderWrite("insertOrder", sql.FENCED_INSERT_ORDER, order, fence)) > 0;
  }

  getOrder(orderId: string): Promise<OrderRecord | null> {
    return this.run("getOrder", async (db) => {
      const r = await db.query<rows.Row>(
        `SELECT ${rows.ORDER_COLUMNS} FROM orders WHERE order_id = $1`,
        [orderId],
      );
      return r.rows[0] === undefined ? null : rows.orderFromRow(r.rows[0]);
    });
  }

  listOrders(filter: OrderFilter = {}): Promise<OrderRecord[]> {
    const w = new Where()
      .add(
        "status = ANY($::text[])",
        filter.statuses === undefined ? undefined : [...filter.statuses],
      )
      .add("window_id = $", filter.windowId)
      .add("token_id = $", filter.tokenId)
      .add("mode = $", filter.mode)
      .add("updated_at >= $", filter.updatedSince);
    const order = filter.newestFirst === true ? " DESC" : "";
    const text = `SELECT ${rows.ORDER_COLUMNS} FROM orders ${w.sql()}
      ORDER BY created_at${order}, order_id COLLATE "C"${order}`;
    return this.select("listOrders", text, w.params, rows.orderFromRow, filter.limit);
  }

  recordFill(fill: FillRecord, fence?: Fence): Promise<RecordFillResult> {
    return this.write("recordFill", fence, async (db) => {
      const r = await db.query<rows.Row>(sql.RECORD_FILL, rows.fillParams(fill));
      const row = r.rows[0];
      if (row !== undefined) {
        return row.inserted === true
          ? { inserted: true, previous: null, changed: true }
          : { inserted: false, previous: "MATCHED", changed: true };
      }
      const current = await db.query<rows.Row>("SELECT status FROM fills WHERE trade_id = $1", [
        fill.tradeId,
      ]);
      const previous = toText(current.rows[0]?.status, "status") as FillStatus;
      return { inserted: false, previous, changed: false };
    });
  }

  listFills(filter: FillFilter = {}): Promise<FillRecord[]> {
    const w = new Where()
      .add(
        "status = ANY($::text[])",
        filter.statuses === undefined ? undefined : [...filter.statuses],
      )
      .add("order_id = $", filter.orderId)
      .add("position_id = $", filter.positionId)
      .add("window_id = $", filter.windowId)
      .add("mode = $", filter.mode)
      .add("ts >= $", filter.sinceTs)
      .add("updated_at >= $", filter.updatedSince);
    const order = filter.newestFirst === true ? " DESC" : "";
    const text = `SELECT ${rows.FILL_COLUMNS} FROM fills ${w.sql()}
      ORDER BY ts${order}, trade_id COLLATE "C"${order}`;
    return this.select("listFills", text, w.params, rows.fillFromRow, filter.limit);
  }

  async savePosition(rec: PositionRecord, fence?: Fence): Promise<void> {
    await this.write("savePosition", fence, (db) =>
      db.query(sql.SAVE_POSITION, rows.positionParams(rec)),
    );
  }

  getPosition(positionId: string): Promise<PositionRecord | null> {
    return this.run("getPosition", async (db) => {
      const r = await db.query<rows.Row>(
        `SELECT ${rows.POSITION_COLUMNS} FROM positions WHERE position_id = $1`,
        [positionId],
      );
      return r.rows[0] === undefined ? null : rows.positionFromRow(r.rows[0]);
    });
  }

  listPositions(filter: PositionFilter = {}): Promise<PositionRecord[]> {
    const open =
      filter.open === undefined ? "" : filter.open ? "state <> 'CLOSED'" : "state = 'CLOSED'";
    const w = new Where()
      .raw(open)
      .add("mode = $", filter.mode)
      .add("updated_at >= $", filter.updatedSince);
    const text = `SELECT ${rows.POSITION_COLUMNS} FROM positions ${w.sql()}
      ORDER BY opened_at, position_id COLLATE "C"`;
    return this.select("listPositions", text, w.params, rows.positionFromRow, filter.limit);
  }

  appendCroEvent(ev: CroEventRecord, fence?: Fence): Promise<number> {
    return this.write("appendCroEvent", fence, async (db) => {
      const r = await db.query<rows.Row>(
        `INSERT INTO cro_events (ts, epoch, state, reason, actor, operator_hold, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) RETURNING id`,
        [ev.ts, ev.epoch, ev.state, ev.reason, ev.actor, ev.operatorHold, toJsonText(ev.detail)],
      );
      return toInt(r.rows[0]?.id, "id");
    });
  }

  async lastCroEvent(): Promise<StoredCroEvent | null> {
    const text = `SELECT ${sql.CRO_EVENT_COLUMNS} FROM cro_events ORDER BY id DESC`;
    const found = await this.select("lastCroEvent", text, [], rows.croEventFromRow, 1);
    return found[0] ?? null;
  }

  listCroEvents(query: { sinceTs?: number; limit: number }): Promise<StoredCroEvent[]> {
    const w = new Where().add("ts >= $", query.sinceTs);
    const text = `SELECT ${sql.CRO_EVENT_COLUMNS} FROM cro_events ${w.sql()}
      ORDER BY ts, id`;
    return this.select("listCroEvents", text, w.params, rows.croEventFromRow, query.limit);
  }

  async saveStrategyHalt(rec: StrategyHaltRecord, fence?: Fence): Promise<void> {
    await this.write("saveStrategyHalt", fence, (db) =>
      db.query(
        `INSERT INTO strategy_halts (strategy, halted, since, actor, reason, manifest_version,
           detail, epoch) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
         ON CONFLICT (strategy) DO UPDATE SET halted = EXCLUDED.halted, since = EXCLUDED.since,
           actor = EXCLUDED.actor, reason = EXCLUDED.reason,
           manifest_version = EXCLUDED.manifest_version, detail = EXCLUDED.detail,
           epoch = EXCLUDED.epoch`,
        [
          rec.strategy,
          rec.halted,
          rec.since,
          rec.actor,
          rec.reason,
          rec.manifestVersion,
          toJsonText(rec.detail),
          rec.epoch,
        ],
      ),
    );
  }

  listStrategyHalts(): Promise<StrategyHaltRecord[]> {
    const text = `SELECT strategy, halted, since, actor, reason, manifest_version, detail, epoch
      FROM strategy_halts ORDER BY strategy COLLATE "C"`;
    return this.select("listStrategyHalts", text, [], rows.strategyHaltFromRow, undefined);
  }

  addTradeReview(rec: TradeReviewRecord): Promise<boolean> {
    return this.run("addTradeReview", async (db) => {
      const r = await db.query(
        `INSERT INTO trade_reviews (position_id, strategy, window_id, created_at, reviewed_at,
           reviewed_by, note) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (position_id) DO NOTHING`,
        [
          rec.positionId,
          rec.strategy,
          rec.windowId,
          rec.createdAt,
          rec.reviewedAt,
          rec.reviewedBy,
          rec.note,
        ],
      );
      return (r.rowCount ?? 0) > 0;
    });
  }

  listTradeReviews(
    query: { strategy?: string; pending?: boolean } = {},
  ): Promise<TradeReviewRecord[]> {
    const w = new Where()
      .add("strategy = $", query.strategy)
      .raw(query.pending === true ? "reviewed_at IS NULL" : "");
    const text = `SELECT ${TRADE_REVIEW_COLUMNS} FROM trade_reviews ${w.sql()}
      ORDER BY created_at, position_id COLLATE "C"`;
    return this.select("listTradeReviews", text, w.params, rows.tradeReviewFromRow, undefined);
  }

  markTradeReviewed(
    positionId: string,
    by: string,
    note: string,
    at: number,
  ): Promise<TradeReviewRecord | null> {
    return this.run("markTradeReviewed", async (db) => {
      await db.query(
        `UPDATE trade_reviews SET reviewed_at = $2, reviewed_by = $3, note = $4
         WHERE position_id = $1 AND reviewed_at IS NULL`,
        [positionId, at, by, note],
      );
      const r = await db.query(
        `SELECT ${TRADE_REVIEW_COLUMNS} FROM trade_reviews WHERE position_id = $1`,
        [positionId],
      );
      const row = r.rows[0] as Record<string, unknown> | undefined;
      return row === undefined ? null : rows.tradeReviewFromRow(row);
    });
  }

  appendAudit(e: AuditEntry): Promise<number> {
    return this.run("appendAudit", async (db) => {
      const r = await db.query<rows.Row>(
        `INSERT INTO audit_log (ts, agent, kind, correlation_id, intent_id, order_id, position_id,
           decision_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb) RETURNING id`,
        auditParams(e),
      );
      return toInt(r.rows[0]?.id, "id");
    });
  }

  appendFirstAudit(e: AuditEntry & { intentId: string }): Promise<number | null> {
    return this.run("appendFirstAudit", async (db) => {
      const r = await db.query<rows.Row>(sql.APPEND_FIRST_AUDIT, auditParams(e));
      return r.rows[0] === undefined ? null : toInt(r.rows[0].id, "id");
    });
  }

  auditFor(id: string, limit?: number): Promise<StoredAuditEntry[]> {
    const text = `SELECT ${sql.AUDIT_COLUMNS} FROM audit_log
      WHERE intent_id = $1 OR order_id = $1 OR position_id = $1 OR decision_id = $1
         OR correlation_id = $1
      ORDER BY ts, id`;
    return this.select("auditFor", text, [id], rows.auditFromRow, limit);
  }

  recordFeedGap(gap: FeedGapRecord): Promise<number> {
    return this.run("recordFeedGap", async (db) => {
      const r = await db.query<rows.Row>(
        `INSERT INTO feed_gaps (feed, token_id, from_seq, to_seq, ts) VALUES ($1, $2, $3, $4, $5)
         RETURNING id`,
        [gap.feed, gap.tokenId, gap.fromSeq, gap.toSeq, gap.ts],
      );
      return toInt(r.rows[0]?.id, "id");
    });
  }

  listFeedGaps(limit: number): Promise<StoredFeedGap[]> {
    const text = `SELECT id, feed, token_id, from_seq, to_seq, ts FROM feed_gaps
      ORDER BY id DESC`;
    return this.select("listFeedGaps", text, [], rows.feedGapFromRow, limit);
  }

  async saveAlert(rec: AlertRecord): Promise<void> {
    await this.run("saveAlert", (db) => db.query(sql.SAVE_ALERT, rows.alertParams(rec)));
  }

  listAlerts(filter: { status?: AlertStatus; limit?: number } = {}): Promise<AlertRecord[]> {
    const w = new Where().add("status = $", filter.status);
    const text = `SELECT ${rows.ALERT_COLUMNS} FROM alerts ${w.sql()}
      ORDER BY created_at, alert_id COLLATE "C"`;
    return this.select("listAlerts", text, w.params, rows.alertFromRow, filter.limit);
  }

  tryAcquireLease(name: string, holder: string, nowMs: number, ttlMs: number) {
    return this.run<AcquireResult>("tryAcquireLease", (db) =>
      leases.acquireLease(db, name, holder, nowMs, ttlMs),
    );
  }

  renewLease(name: string, holder: string, epoch: number, nowMs: number, ttlMs: number) {
    return this.run("renewLease", (db) => leases.renewLease(db, name, holder, epoch, nowMs, ttlMs));
  }

  releaseLease(name: string, holder: string, epoch: number): Promise<boolean> {
    return this.run("releaseLease", (db) => leases.releaseLease(db, name, holder, epoch));
  }

  getLease(name: string): Promise<LeaseRecord | null> {
    return this.run("getLease", (db) => leases.getLease(db, name));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /** Runs one autocommit call; every failure comes out as a StoreError. */
  private async run<T>(operation: string, work: (db: Db) => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError(`${operation}: store is closed`);
    try {
      return await work(this.db);
    } catch (err) {
      throw toStoreError(err, operation);
    }
  }

  /** A write, fenced when `fence` is given: lock + check the lease, then write, one transaction. */
  private write<T>(operation: string, fence: Fence | undefined, work: (db: Db) => Promise<T>) {
    if (fence === undefined) return this.run(operation, work);
    return this.run(operation, () =>
      inTransaction(this.pool, async (db) => {
        if (!(await leases.lockFence(db, fence))) throw new StaleEpochError(fence);
        return work(db);
      }),
    );
  }

  /** One fenced order statement (sql.FENCED_*): the rows written; StaleEpochError if deposed. */
  private fencedOrderWrite(operation: string, text: string, order: OrderRecord, fence: Fence) {
    return this.run(operation, async (db) => {
      const params = [...rows.orderParams(order), fence.lease, fence.holder, fence.epoch];
      const r = await db.query<rows.Row>(text, params);
      if (r.rows[0]?.fenced !== true) throw new StaleEpochError(fence);
      return toInt(r.rows[0].written, "written");
    });
  }

  private select<T>(
    operation: string,
    text: string,
    params: unknown[],
    map: (row: rows.Row) => T,
    limit: number | undefined,
  ): Promise<T[]> {
    return this.run(operation, async (db) => {
      const r = await db.query<rows.Row>(`${text} LIMIT ${rowLimit(limit)}`, params);
      return r.rows.map(map);
    });
  }
}

function auditParams(e: AuditEntry): unknown[] {
  return [
    e.ts,
    e.agent,
    e.kind,
    e.correlationId,
    e.intentId,
    e.orderId,
    e.positionId,
    e.decisionId,
    toJsonText(e.detail),
  ];
}

/** The evidence store (verification runs) shares the pool helpers; exported here for index.ts. */
export { PgEvidenceStore } from "./pg-evidence.ts";
