/**
 * One contract for every Store adapter: PgStore on a real PostgreSQL and the embedded MemoryStore
 * must behave identically, method by method.
 */
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type {
  AlertRecord,
  AuditEntry,
  CroEventRecord,
  FillRecord,
  OrderRecord,
  PositionRecord,
  Store,
} from "../../agents/runtime/store.ts";
import { StaleEpochError, StoreError, StoreUnavailableError } from "../../agents/runtime/store.ts";
import { MemoryStore } from "../../infra/store/memory.ts";
import { migrate } from "../../infra/store/migrate.ts";
import { PgStore } from "../../infra/store/pg.ts";
import { createTestDatabase, startPostgresServer } from "../harness/postgres.ts";

const T0 = 1_767_225_600_000;

const order = (o: Partial<OrderRecord> = {}): OrderRecord => ({
  orderId: "o-1",
  venueOrderId: null,
  intentId: "i-1",
  decisionId: "d-1",
  positionId: null,
  strategy: "momentum",
  windowId: "w-1",
  tokenId: "tok-up",
  kind: "ENTRY",
  side: "BUY",
  orderType: "GTC",
  price: 550_000,
  size: 10_000_000,
  filledSize: 0,
  status: "PENDING",
  reason: null,
  mode: "PAPER",
  createdAt: T0,
  updatedAt: T0,
  epoch: 1,
  ...o,
});

const fill = (f: Partial<FillRecord> = {}): FillRecord => ({
  tradeId: "t-1",
  orderId: "o-1",
  venueOrderId: "v-1",
  intentId: "i-1",
  positionId: "p-1",
  strategy: "momentum",
  windowId: "w-1",
  tokenId: "tok-up",
  kind: "ENTRY",
  side: "BUY",
  price: 550_000,
  size: 10_000_000,
  fee: 17_320,
  liquidity: "TAKER",
  status: "MATCHED",
  intendedPrice: 550_000,
  mode: "PAPER",
  ts: T0,
  updatedAt: T0,
  ...f,
});

const position = (p: Partial<PositionRecord> = {}): PositionRecord => ({
  positionId: "p-1",
  strategy: "momentum",
  windowId: "w-1",
  tokenId: "tok-up",
  mode: "PAPER",
  state: "MONITORING",
  size: 10_000_000,
  provisionalSize: 0,
  avgEntryPrice: 550_000,
  costBasis: 5_500_000,
  fees: 17_320,
  realizedPnl: -1,
  unrealizedPnl: 0,
  markPrice: null,
  exitReason: null,
  openedAt: T0,
  closedAt: null,
  machineVersion: 1,
  snapshot: { status: "active", value: "monitoring", context: { filled: 4, ids: ["a", "b"] } },
  updatedAt: T0,
  ...p,
});

const croEvent = (e: Partial<CroEventRecord> = {}): CroEventRecord => ({
  ts: T0,
  epoch: 1,
  state: "PAUSED",
  reason: "startup: fail closed",
  actor: "cro.a1",
  operatorHold: false,
  detail: { blockers: ["execution not alive"] },
  ...e,
});

const audit = (a: Partial<AuditEntry> = {}): AuditEntry => ({
  ts: T0,
  agent: "cro",
  kind: "decision",
  correlationId: null,
  intentId: null,
  orderId: null,
  positionId: null,
  decisionId: null,
  detail: {},
  ...a,
});

const alert = (a: Partial<AlertRecord> = {}): AlertRecord => ({
  alertId: "al-1",
  incidentKey: "cro.halted",
  severity: "CRITICAL",
  title: "HALTED",
  body: "kill switch",
  format: "json",
  status: "PENDING",
  attempts: 0,
  lastError: null,
  createdAt: T0,
  updatedAt: T0,
  nextAttemptAt: T0 + 1_000,
  ...a,
});

interface Adapter {
  before(): Promise<void>;
  open(): Promise<Store>;
  after(): Promise<void>;
}

const TABLES =
  "runtime_controls, orders, fills, positions, cro_events, audit_log, agent_leases, feed_gaps, alerts, strategy_halts";

function postgres(): Adapter {
  let db: { url: string; drop(): Promise<void> } | undefined;
  return {
    async before() {
      db = await createTestDatabase();
      await migrate(db.url);
    },
    async open() {
      if (db === undefined) throw new Error("no database");
      const client = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 5_000 });
      await client.connect();
      await client.query(`TRUNCATE ${TABLES} RESTART IDENTITY`);
      await client.end();
      return PgStore.open(db.url, { poolMax: 4 });
    },
    async after() {
      await db?.drop();
    },
  };
}

function memory(): Adapter {
  return {
    before: () => Promise.resolve(),
    open: () => Promise.resolve(new MemoryStore()),
    after: () => Promise.resolve(),
  };
}

describe.each([
  ["PgStore", postgres()],
  ["MemoryStore", memory()],
])("Store contract: %s", (_name, adapter) => {
  let store: Store;
  beforeAll(() => adapter.before());
  afterAll(() => adapter.after());
  beforeEach(async () => {
    store = await adapter.open();
  });
  afterEach(() => store.close());

  describe("runtime controls", () => {
    it("sets, overwrites and lists controls by key", async () => {
      await store.setControl("max_position_usd", "50", "ops", T0);
      await store.setControl("allowed_strategies", "momentum", "ops", T0);
      await store.setControl("max_position_usd", "75", "cro-operator", T0 + 5);
      expect(await store.getControls()).toEqual([
        { key: "allowed_strategies", value: "momentum", updatedAt: T0, updatedBy: "ops" },
        { key: "max_position_usd", value: "75", updatedAt: T0 + 5, updatedBy: "cro-operator" },
      ]);
    });
  });

  describe("orders", () => {
    it("round-trips an order with large micro-unit values exactly", async () => {
      const o = order({ size: 9_000_000_000_000_000, filledSize: 1, venueOrderId: "0xabc" });
      await store.upsertOrder(o);
      expect(await store.getOrder("o-1")).toEqual(o);
      expect(await store.getOrder("missing")).toBeNull();
    });

    it("replaces an order on upsert but keeps its first createdAt", async () => {
      await store.upsertOrder(order());
      const later = order({
        status: "FILLED",
        filledSize: 10_000_000,
        createdAt: T0 + 9,
        updatedAt: T0 + 9,
      });
      await store.upsertOrder(later);
      expect(await store.getOrder("o-1")).toEqual({ ...later, createdAt: T0 });
    });

    it("inserts an order only when its id is new, fenced or not", async () => {
      expect(await store.insertOrder(order())).toBe(true);
      expect(await store.insertOrder(order({ status: "OPEN", updatedAt: T0 + 5 }))).toBe(false);
      expect(await store.getOrder("o-1")).toEqual(order());
      await store.tryAcquireLease("execution", "a", T0, 1_000);
      const fence = { lease: "execution", holder: "a", epoch: 1 };
      expect(await store.insertOrder(order({ status: "OPEN" }), fence)).toBe(false);
      expect(await store.insertOrder(order({ orderId: "o-2", intentId: "i-2" }), fence)).toBe(true);
      expect((await store.getOrder("o-2"))?.orderId).toBe("o-2");
      expect(await store.getOrder("o-1")).toEqual(order());
    });

    it("lists orders by filter, ordered by createdAt then orderId, up to the limit", async () => {
      await store.upsertOrder(order({ orderId: "o-c", status: "OPEN", createdAt: T0 + 1 }));
      await store.upsertOrder(order({ orderId: "o-b", status: "UNKNOWN", createdAt: T0 + 1 }));
      await store.upsertOrder(order({ orderId: "o-a", status: "FILLED", createdAt: T0 + 2 }));
      await store.upsertOrder(
        order({
          orderId: "o-d",
          status: "OPEN",
          windowId: "w-2",
          tokenId: "tok-down",
          mode: "LIVE",
        }),
      );
      const ids = (os: OrderRecord[]) => os.map((o) => o.orderId);
      expect(ids(await store.listOrders())).toEqual(["o-d", "o-b", "o-c", "o-a"]);
      expect(ids(await store.listOrders({ statuses: ["OPEN", "UNKNOWN"] }))).toEqual([
        "o-d",
        "o-b",
        "o-c",
      ]);
      expect(ids(await store.listOrders({ statuses: [] }))).toEqual([]);
      expect(ids(await store.listOrders({ windowId: "w-1" }))).toEqual(["o-b", "o-c", "o-a"]);
      expect(ids(await store.listOrders({ tokenId: "tok-down" }))).toEqual(["o-d"]);
      expect(ids(await store.listOrders({ mode: "LIVE", statuses: ["OPEN"] }))).toEqual(["o-d"]);
      expect(ids(await store.listOrders({ limit: 2 }))).toEqual(["o-d", "o-b"]);
      await expect(store.listOrders({ limit: -1 })).rejects.toBeInstanceOf(RangeError);
    });
  });

  describe("fills", () => {
    it("records a trade once: a repeat changes nothing", async () => {
      expect(await store.recordFill(fill())).toEqual({
        inserted: true,
        previous: null,
        changed: true,
      });
      expect(await store.recordFill(fill({ updatedAt: T0 + 1 }))).toEqual({
        inserted: false,
        previous: "MATCHED",
        changed: false,
      });
      expect(await store.listFills()).toEqual([fill()]);
    });

    it("moves MATCHED to CONFIRMED, changing only status and updatedAt, then never back", async () => {
      await store.recordFill(fill());
      const confirm = fill({ status: "CONFIRMED", price: 560_000, updatedAt: T0 + 7 });
      expect(await store.recordFill(confirm)).toEqual({
        inserted: false,
        previous: "MATCHED",
        changed: true,
      });
      const confirmed = fill({ status: "CONFIRMED", updatedAt: T0 + 7 });
      expect(await store.listFills()).toEqual([confirmed]);
      for (const status of ["MATCHED", "FAILED", "CONFIRMED"] as const) {
        expect(await store.recordFill(fill({ status, updatedAt: T0 + 9 }))).toEqual({
          inserted: false,
          previous: "CONFIRMED",
          changed: false,
        });
      }
      expect(await store.listFills()).toEqual([confirmed]);
    });

    it("moves MATCHED to FAILED, and a FAILED trade stays failed", async () => {
      await store.recordFill(fill());
      expect((await store.recordFill(fill({ status: "FAILED", updatedAt: T0 + 3 }))).changed).toBe(
        true,
      );
      expect(await store.recordFill(fill({ status: "CONFIRMED" }))).toEqual({
        inserted: false,
        previous: "FAILED",
        changed: false,
      });
      expect((await store.listFills())[0]?.status).toBe("FAILED");
    });

    it("inserts a trade first seen as CONFIRMED", async () => {
      expect(await store.recordFill(fill({ status: "CONFIRMED" }))).toEqual({
        inserted: true,
        previous: null,
        changed: true,
      });
    });

    it("lists fills by filter, ordered by ts then tradeId", async () => {
      await store.recordFill(fill({ tradeId: "t-b", ts: T0 + 1 }));
      await store.recordFill(
        fill({ tradeId: "t-a", ts: T0 + 1, orderId: "o-2", positionId: null }),
      );
      await store.recordFill(fill({ tradeId: "t-c", ts: T0, windowId: "w-2", mode: "SIM" }));
      const ids = (fs: FillRecord[]) => fs.map((f) => f.tradeId);
      expect(ids(await store.listFills())).toEqual(["t-c", "t-a", "t-b"]);
      expect(ids(await store.listFills({ orderId: "o-1" }))).toEqual(["t-c", "t-b"]);
      expect(ids(await store.listFills({ positionId: "p-1", windowId: "w-1" }))).toEqual(["t-b"]);
      expect(ids(await store.listFills({ mode: "SIM" }))).toEqual(["t-c"]);
      expect(ids(await store.listFills({ limit: 1 }))).toEqual(["t-c"]);
    });

    it("lists fills by status and by when they were last written", async () => {
      await store.recordFill(fill({ tradeId: "t-old", ts: T0, updatedAt: T0 }));
      await store.recordFill(fill({ tradeId: "t-new", ts: T0 + 5, updatedAt: T0 + 5 }));
      // an old trade confirmed late is written again: it counts as changed
      await store.recordFill(
        fill({ tradeId: "t-old", ts: T0, status: "CONFIRMED", updatedAt: T0 + 9 }),
      );
      const ids = (fs: FillRecord[]) => fs.map((f) => f.tradeId);
      expect(ids(await store.listFills({ statuses: ["MATCHED"] }))).toEqual(["t-new"]);
      expect(ids(await store.listFills({ statuses: ["CONFIRMED", "FAILED"] }))).toEqual(["t-old"]);
      expect(ids(await store.listFills({ statuses: [] }))).toEqual([]);
      expect(ids(await store.listFills({ updatedSince: T0 + 6 }))).toEqual(["t-old"]);
      expect(ids(await store.listFills({ updatedSince: T0 + 5 }))).toEqual(["t-old", "t-new"]);
      expect(ids(await store.listFills({ updatedSince: T0 + 10 }))).toEqual([]);
    });
  });

  describe("positions", () => {
    it("round-trips a position with its state-machine snapshot, as a copy", async () => {
      const p = position();
      await store.savePosition(p);
      (p.snapshot as { value: string }).value = "mutated after save";
      expect(await store.getPosition("p-1")).toEqual(position());
      expect(await store.getPosition("missing")).toBeNull();
    });

    it("replaces a position on save and lists open or closed ones", async () => {
      await store.savePosition(position({ positionId: "p-2", openedAt: T0 + 1 }));
      await store.savePosition(position({ positionId: "p-1", openedAt: T0 + 1 }));
      await store.savePosition(position({ positionId: "p-0", openedAt: T0 + 2, mode: "LIVE" }));
      const closed = position({
        positionId: "p-2",
        openedAt: T0 + 1,
        state: "CLOSED",
        closedAt: T0 + 5,
        exitReason: "TAKE_PROFIT",
        machineVersion: 2,
      });
      await store.savePosition(closed);
      const ids = (ps: PositionRecord[]) => ps.map((p) => p.positionId);
      expect(ids(await store.listPositions())).toEqual(["p-1", "p-2", "p-0"]);
      expect(ids(await store.listPositions({ open: true }))).toEqual(["p-1", "p-0"]);
      expect(await store.listPositions({ open: false })).toEqual([closed]);
      expect(ids(await store.listPositions({ open: true, mode: "LIVE" }))).toEqual(["p-0"]);
    });

    it("lists positions by when they were last written", async () => {
      await store.savePosition(position({ positionId: "p-1", updatedAt: T0 + 1 }));
      await store.savePosition(position({ positionId: "p-2", updatedAt: T0 + 3 }));
      const ids = (ps: PositionRecord[]) => ps.map((p) => p.positionId);
      expect(ids(await store.listPositions({ updatedSince: T0 + 2 }))).toEqual(["p-2"]);
      expect(ids(await store.listPositions({ updatedSince: T0 + 1 }))).toEqual(["p-1", "p-2"]);
      const closed = position({
        positionId: "p-1",
        state: "CLOSED",
        closedAt: T0 + 7,
        updatedAt: T0 + 7,
      });
      await store.savePosition(closed);
      expect(ids(await store.listPositions({ open: false, updatedSince: T0 + 4 }))).toEqual([
        "p-1",
      ]);
      expect(await store.listPositions({ open: true, updatedSince: T0 + 4 })).toEqual([]);
    });
  });

  describe("CRO events", () => {
    it("appends events and reads the last one and those since a time", async () => {
      expect(await store.lastCroEvent()).toBeNull();
      const id1 = await store.appendCroEvent(croEvent({ ts: T0 + 5 }));
      const id2 = await store.appendCroEvent(
        croEvent({ ts: T0 + 1, state: "ACTIVE", reason: "clean recon" }),
      );
      const id3 = await store.appendCroEvent(
        croEvent({ ts: T0 + 5, state: "HALTED", operatorHold: true }),
      );
      expect(id1 < id2 && id2 < id3).toBe(true);
      expect(await store.lastCroEvent()).toEqual({
        ...croEvent({ ts: T0 + 5, state: "HALTED", operatorHold: true }),
        id: id3,
      });
      const list = await store.listCroEvents({ limit: 10 });
      expect(list.map((e) => e.id)).toEqual([id2, id1, id3]);
      expect((await store.listCroEvents({ sinceTs: T0 + 5, limit: 1 })).map((e) => e.id)).toEqual([
        id1,
      ]);
      expect(list[0]?.detail).toEqual({ blockers: ["execution not alive"] });
    });
  });

  describe("strategy halts", () => {
    it("keeps one row per strategy, replaced on save, listed by name, detail as a copy", async () => {
      expect(await store.listStrategyHalts()).toEqual([]);
      const halt = {
        strategy: "momentum",
        halted: true,
        since: T0 + 10,
        actor: "cro",
        reason: "kill criterion: win rate 2/20 outside [40, 70]%",
        manifestVersion: "1.0.0",
        detail: { trades: 20, wins: 2, pnl: -9_000_000_123 },
        epoch: 3,
      };
      await store.saveStrategyHalt(halt);
      await store.saveStrategyHalt({ ...halt, strategy: "cheap-side", manifestVersion: null });
      const listed = await store.listStrategyHalts();
      expect(listed.map((h) => h.strategy)).toEqual(["cheap-side", "momentum"]);
      expect(listed[1]).toEqual(halt);
      const resumed = {
        ...halt,
        halted: false,
        since: T0 + 20,
        actor: "alice",
        reason: "reviewed",
      };
      await store.saveStrategyHalt(resumed);
      expect((await store.listStrategyHalts())[1]).toEqual(resumed);
    });
  });

  describe("audit log", () => {
    it("finds every entry naming an id in any id column, once, by ts then id", async () => {
      const a = await store.appendAudit(audit({ ts: T0 + 2, intentId: "x", correlationId: "x" }));
      await store.appendAudit(audit({ ts: T0 + 1, intentId: "other" }));
      const c = await store.appendAudit(audit({ ts: T0 + 1, orderId: "x", detail: { n: 1 } }));
      const d = await store.appendAudit(audit({ ts: T0 + 2, positionId: "x" }));
      const e = await store.appendAudit(audit({ ts: T0 + 3, decisionId: "x" }));
      const found = await store.auditFor("x");
      expect(found.map((x) => x.id)).toEqual([c, a, d, e]);
      expect(found[0]).toEqual({ ...audit({ ts: T0 + 1, orderId: "x", detail: { n: 1 } }), id: c });
      expect((await store.auditFor("x", 2)).map((x) => x.id)).toEqual([c, a]);
      expect(await store.auditFor("nobody")).toEqual([]);
    });

    it("appends a first entry per kind and intent, and refuses a second one", async () => {
      const first = { ...audit({ kind: "cro.decision", detail: { n: 1 } }), intentId: "i-9" };
      const id = await store.appendFirstAudit(first);
      expect(id).toBeGreaterThan(0);
      expect(await store.appendFirstAudit({ ...first, detail: { n: 2 } })).toBeNull();
      const other = await store.appendFirstAudit({ ...first, kind: "other.kind" });
      expect(other).toBeGreaterThan(0);
      const found = await store.auditFor("i-9");
      expect(found.map((x) => x.id)).toEqual([id, other]);
      expect(found[0]?.detail).toEqual({ n: 1 });
    });
  });

  describe("feed gaps and alerts", () => {
    it("lists the most recent feed gaps first", async () => {
      for (let i = 0; i < 3; i++) {
        await store.recordFeedGap({
          feed: "clob-ws",
          tokenId: "tok-up",
          fromSeq: i * 10,
          toSeq: i * 10 + 5,
          ts: T0 + i,
        });
      }
      const gaps = await store.listFeedGaps(2);
      expect(gaps.map((g) => g.fromSeq)).toEqual([20, 10]);
      expect(gaps[0]).toMatchObject({ feed: "clob-ws", tokenId: "tok-up", toSeq: 25, ts: T0 + 2 });
    });

    it("saves alerts by id and lists them by status; DEAD rows are the dead letters", async () => {
      await store.saveAlert(alert({ alertId: "al-2", createdAt: T0 + 1 }));
      await store.saveAlert(alert());
      const dead = alert({
        alertId: "al-2",
        createdAt: T0 + 1,
        status: "DEAD",
        attempts: 5,
        lastError: "HTTP 500",
        nextAttemptAt: null,
      });
      await store.saveAlert(dead);
      expect((await store.listAlerts()).map((a) => a.alertId)).toEqual(["al-1", "al-2"]);
      expect(await store.listAlerts({ status: "DEAD" })).toEqual([dead]);
      expect(await store.listAlerts({ status: "DELIVERED" })).toEqual([]);
    });
  });

  describe("leases", () => {
    const TTL = 1_000;

    it("grants a free lease at epoch 1 and refuses a second holder while it is live", async () => {
      expect(await store.tryAcquireLease("cro", "a", T0, TTL)).toEqual({
        acquired: true,
        epoch: 1,
      });
      expect(await store.tryAcquireLease("cro", "b", T0 + TTL - 1, TTL)).toEqual({
        acquired: false,
        holder: "a",
        epoch: 1,
        expiresAtMs: T0 + TTL,
      });
      expect(await store.getLease("cro")).toEqual({
        name: "cro",
        holder: "a",
        epoch: 1,
        expiresAtMs: T0 + TTL,
        updatedAt: T0,
      });
      expect(await store.getLease("nothing")).toBeNull();
    });

    it("lets the holder re-acquire its live lease at the same epoch and renew it", async () => {
      await store.tryAcquireLease("cro", "a", T0, TTL);
      expect(await store.tryAcquireLease("cro", "a", T0 + 10, TTL)).toEqual({
        acquired: true,
        epoch: 1,
      });
      expect(await store.renewLease("cro", "a", 1, T0 + 500, TTL)).toBe(true);
      expect((await store.getLease("cro"))?.expiresAtMs).toBe(T0 + 500 + TTL);
      expect(await store.renewLease("cro", "a", 2, T0 + 600, TTL)).toBe(false);
      expect(await store.renewLease("cro", "b", 1, T0 + 600, TTL)).toBe(false);
    });

    it("expires: no renewal after expiry, takeover at a higher epoch", async () => {
      await store.tryAcquireLease("cro", "a", T0, TTL);
      expect(await store.renewLease("cro", "a", 1, T0 + TTL, TTL)).toBe(false);
      expect(await store.tryAcquireLease("cro", "b", T0 + TTL, TTL)).toEqual({
        acquired: true,
        epoch: 2,
      });
      expect(await store.tryAcquireLease("cro", "a", T0 + TTL + 1, TTL)).toMatchObject({
        acquired: false,
        holder: "b",
        epoch: 2,
      });
      // The same holder coming back after its own lease expired starts a new term.
      expect(await store.tryAcquireLease("cro", "b", T0 + 5 * TTL, TTL)).toEqual({
        acquired: true,
        epoch: 3,
      });
    });

    it("releases only for the current holder and epoch; the next holder gets a new epoch", async () => {
      await store.tryAcquireLease("cro", "a", T0, TTL);
      expect(await store.releaseLease("cro", "a", 7)).toBe(false);
      expect(await store.releaseLease("cro", "b", 1)).toBe(false);
      expect(await store.releaseLease("cro", "a", 1)).toBe(true);
      expect((await store.getLease("cro"))?.holder).toBeNull();
      expect(await store.tryAcquireLease("cro", "b", T0 + 1, TTL)).toEqual({
        acquired: true,
        epoch: 2,
      });
    });

    it("keeps leases independent by name", async () => {
      await store.tryAcquireLease("cro", "a", T0, TTL);
      expect(await store.tryAcquireLease("execution", "b", T0, TTL)).toEqual({
        acquired: true,
        epoch: 1,
      });
      await expect(store.tryAcquireLease("cro", "a", T0, 0)).rejects.toBeInstanceOf(RangeError);
    });
  });

  describe("fencing", () => {
    const TTL = 1_000;
    const oldFence = { lease: "execution", holder: "a", epoch: 1 };

    beforeEach(async () => {
      await store.tryAcquireLease("execution", "a", T0, TTL);
      await store.upsertOrder(order(), oldFence);
      await store.tryAcquireLease("execution", "b", T0 + TTL, TTL); // takeover, epoch 2
    });

    it("refuses every fenced write from a deposed holder and changes nothing", async () => {
      const stale = async (p: Promise<unknown>) => {
        const err: unknown = await p.then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(StaleEpochError);
        expect((err as StoreError).code).toBe("STALE_EPOCH");
      };
      await stale(store.upsertOrder(order({ status: "OPEN" }), oldFence));
      await stale(store.recordFill(fill(), oldFence));
      await stale(store.savePosition(position(), oldFence));
      await stale(store.appendCroEvent(croEvent(), oldFence));
      const halt = {
        strategy: "canary",
        halted: true,
        since: T0,
        actor: "cro",
        reason: "r",
        manifestVersion: "1.0.0",
        detail: {},
        epoch: 1,
      };
      await stale(store.saveStrategyHalt(halt, oldFence));
      expect(await store.listStrategyHalts()).toEqual([]);
      await stale(store.upsertOrder(order(), { lease: "no-such-lease", holder: "a", epoch: 1 }));
      await stale(store.insertOrder(order({ orderId: "o-2", intentId: "i-2" }), oldFence));
      expect(await store.getOrder("o-2")).toBeNull();
      expect(await store.getOrder("o-1")).toEqual(order());
      expect(await store.listFills()).toEqual([]);
      expect(await store.getPosition("p-1")).toBeNull();
      expect(await store.lastCroEvent()).toBeNull();
    });

    it("accepts fenced writes from the current holder", async () => {
      const fence = { lease: "execution", holder: "b", epoch: 2 };
      await store.upsertOrder(order({ status: "OPEN", epoch: 2 }), fence);
      expect((await store.recordFill(fill(), fence)).inserted).toBe(true);
      await store.savePosition(position(), fence);
      expect(await store.appendCroEvent(croEvent(), fence)).toBeGreaterThan(0);
      expect((await store.getOrder("o-1"))?.status).toBe("OPEN");
    });
  });

  it("fails every call with STORE_UNAVAILABLE once closed", async () => {
    await store.close();
    const err: unknown = await store.getOrder("o-1").then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as StoreError).code).toBe("STORE_UNAVAILABLE");
  });
});

describe("PgStore when PostgreSQL is away", () => {
  it("fails to open an unreachable server with STORE_UNAVAILABLE", async () => {
    await expect(
      PgStore.open("postgres://postgres@127.0.0.1:1/postgres", { connectTimeoutMs: 1_000 }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it("reports a dead server as STORE_UNAVAILABLE and recovers when it is back", async () => {
    const server = await startPostgresServer();
    const errors: Error[] = [];
    try {
      await migrate(server.url);
      const store = await PgStore.open(server.url, {
        poolMax: 2,
        connectTimeoutMs: 1_000,
        onPoolError: (e) => errors.push(e),
      });
      try {
        await store.upsertOrder(order());
        await server.stop("immediate");
        await expect(store.getOrder("o-1")).rejects.toBeInstanceOf(StoreUnavailableError);
        await server.start();
        expect(await store.getOrder("o-1")).toEqual(order());
      } finally {
        await store.close();
      }
    } finally {
      await server.destroy();
    }
  });
});
