/** The node-postgres pool behind PgStore: explicit bounds on every wait, and transactions. */
import { createHash } from "node:crypto";
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
    const result = await work(prepared(client));
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

/** Distinct statement texts whose names are remembered (they come from code: a few dozen). */
const STATEMENT_NAMES_MAX = 1_000;
const statementNames = new Map<string, string>();

/**
 * `target` as a Db whose parameterised statements are prepared once per connection (named after
 * a hash of their text), so PostgreSQL skips parsing and planning them on every later call: that
 * halves a small query's round trip here, and orders go through several on their way to the venue
 * (bench/tick-to-order.ts). Statements without parameters (BEGIN, COMMIT) stay simple queries.
 */
export function prepared(target: pg.Pool | pg.ClientBase): Db {
  return {
    query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]) {
      if (values === undefined || values.length === 0) return target.query<R>(text, values);
      return target.query<R>({ name: statementName(text), text, values });
    },
  };
}

function statementName(text: string): string {
  const known = statementNames.get(text);
  if (known !== undefined) return known;
  const name = `p_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
  if (statementNames.size < STATEMENT_NAMES_MAX) statementNames.set(text, name);
  return name;
}
