import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../agents/runtime/store.ts";
import { migrate, MIGRATIONS_TABLE } from "../../infra/store/migrate.ts";
import { createTestDatabase } from "../harness/postgres.ts";

const MIGRATIONS = [
  "0001_initial",
  "0002_changed_since_indexes",
  "0003_verification_evidence",
  "0004_strategy_halts",
  "0005_trade_reviews",
];

const TABLES = [
  "agent_leases",
  "alerts",
  "audit_log",
  "cro_events",
  "feed_gaps",
  "fills",
  "orders",
  "positions",
  "runtime_controls",
  "strategy_halts",
  "trade_reviews",
  "verification_items",
  "verification_runs",
];

async function query(url: string, sql: string): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<pg.QueryResultRow>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("migrations", () => {
  let db: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it("applies every migration once, in order; running again applies nothing", async () => {
    expect(await migrate(db.url)).toEqual(MIGRATIONS);
    expect(await migrate(db.url)).toEqual([]);
    const runs = await query(db.url, `SELECT name FROM ${MIGRATIONS_TABLE}`);
    expect(runs.map((r) => r.name as unknown)).toEqual(MIGRATIONS);
  });

  it("creates every table of the schema", async () => {
    const rows = await query(
      db.url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'
       AND table_name <> '${MIGRATIONS_TABLE}' ORDER BY table_name`,
    );
    expect(rows.map((r) => r.table_name as unknown)).toEqual(TABLES);
  });

  it("stores money as bigint micro-units and the position snapshot as jsonb", async () => {
    const rows = await query(
      db.url,
      `SELECT table_name || '.' || column_name AS col, data_type FROM information_schema.columns
       WHERE (table_name, column_name) IN (('orders', 'price'), ('fills', 'fee'),
         ('positions', 'realized_pnl'), ('positions', 'snapshot'), ('orders', 'client_order_id'))
       ORDER BY 1`,
    );
    expect(rows).toEqual([
      { col: "fills.fee", data_type: "bigint" },
      { col: "orders.client_order_id", data_type: "text" },
      { col: "orders.price", data_type: "bigint" },
      { col: "positions.realized_pnl", data_type: "bigint" },
      { col: "positions.snapshot", data_type: "jsonb" },
    ]);
  });

  it("rejects a mode outside PAPER, DRY_RUN, LIVE, SIM", async () => {
    await expect(
      query(
        db.url,
        `INSERT INTO fills (trade_id, order_id, status, fee, price, size, side, token_id, window_id,
           intent_id, strategy, kind, liquidity, intended_price, mode, ts, updated_at)
         VALUES ('t', 'o', 'MATCHED', 0, 1, 1, 'BUY', 'tok', 'w', 'i', 's', 'ENTRY', 'TAKER', 1,
           'BOGUS', 0, 0)`,
      ),
    ).rejects.toThrow(/check constraint/);
  });

  it("lets two replicas migrate a fresh database at once: one applies, the other waits", async () => {
    const fresh = await createTestDatabase();
    try {
      const results = await Promise.all([migrate(fresh.url), migrate(fresh.url)]);
      expect(results.flat()).toEqual(MIGRATIONS);
    } finally {
      await fresh.drop();
    }
  });

  it("reports an unreachable server as STORE_UNAVAILABLE", async () => {
    await expect(migrate("postgres://postgres@127.0.0.1:1/postgres")).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
  });
});
