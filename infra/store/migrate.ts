/**
 * Schema migrations with node-pg-migrate: plain SQL files in infra/migrations/ ("-- Up Migration"
 * / "-- Down Migration" sections), applied in file-name order, recorded in `pgmigrations`.
 * Idempotent, and safe when several replicas start at once: the runner holds a PostgreSQL advisory
 * lock and waits for it, so the second process finds nothing left to do.
 */
import { fileURLToPath } from "node:url";
import { runner } from "node-pg-migrate";
import { toStoreError } from "./pg-errors.ts";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../migrations", import.meta.url));
export const MIGRATIONS_TABLE = "pgmigrations";

/** Bounds for the migration connection; DDL on an idle database takes milliseconds. */
const MIGRATE_CONNECT_TIMEOUT_MS = 5_000;
const MIGRATE_STATEMENT_TIMEOUT_MS = 60_000;

/** Applies every pending migration; returns the names applied (empty when up to date). */
export async function migrate(
  databaseUrl: string,
  log: (line: string) => void = () => undefined,
): Promise<string[]> {
  try {
    const applied = await runner({
      databaseUrl: {
        connectionString: databaseUrl,
        connectionTimeoutMillis: MIGRATE_CONNECT_TIMEOUT_MS,
        statement_timeout: MIGRATE_STATEMENT_TIMEOUT_MS,
        application_name: "predator-migrate",
      },
      dir: MIGRATIONS_DIR,
      direction: "up",
      migrationsTable: MIGRATIONS_TABLE,
      count: Number.POSITIVE_INFINITY,
      // The documented default is true but 9.0.0 reads it as falsy when omitted: say it.
      singleTransaction: true,
      checkOrder: true,
      advisoryLockMode: "wait",
      // Without a logger the runner writes to console.
      logger: { debug: log, info: log, warn: log, error: log },
    });
    return applied.map((m) => m.name);
  } catch (err) {
    throw toStoreError(err, "migrate");
  }
}
