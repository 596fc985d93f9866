/** The node-postgres pool behind PgStore: explicit bounds on every wait, and transactions. */
import pg from "pg";

/** What a query needs: a pool (one statement, autocommit) or a client inside a transaction. */
export interface Db {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

export interface PoolOptions {
  /** Connections per process; each agent needs few. */
  poolMax?: number;
  /** How long to wait for a connection (new or from the pool) before failing. */
  connectTimeoutMs?: number;
  /** Server-side cap on one statement; a timed-out statement fails as STORE_UNAVAILABLE. */
  statementTimeoutMs?: number;
  /** Client-side cap on one query, a little above the statement timeout (server unreachable). */
  queryTimeoutMs?: number;
  /** Idle connections are closed after this. */
  idleTimeoutMs?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /** Errors of idle connections (the server went away); without a listener they crash Node. */
  onPoolError?: (err: Error) => void;
}

export const POOL_DEFAULTS = {
  poolMax: 10,
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 10_000,
  queryTimeoutMs: 12_000,
  idleTimeoutMs: 30_000,
  applicationName: "predator",
} as const;

export function createPool(databaseUrl: string, options: PoolOptions): pg.Pool {
  const o = { ...POOL_DEFAULTS, ...options };
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: o.poolMax,
    connectionTimeoutMillis: o.connectTimeoutMs,
    statement_timeout: o.statementTimeoutMs,
    query_timeout: o.queryTimeoutMs,
    lock_timeout: o.statementTimeoutMs,
    idle_in_transaction_session_timeout: o.statementTimeoutMs,
    idleTimeoutMillis: o.idleTimeoutMs,
    application_name: o.applicationName,
    keepAlive: true,
  });
  pool.on("error", (err) => options.onPoolError?.(err));
  return pool;
}

/** Runs `work` in one transaction on one pooled connection; rolls back on any throw. */
export async function inTransaction<T>(pool: pg.Pool, work: (db: Db) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    // A failed rollback means the connection itself is bad: destroy it rather than reuse it.
    await client.query("ROLLBACK").catch((rollbackErr: unknown) => {
      broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
