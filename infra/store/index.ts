/**
 * Store adapters. `openStore` picks PostgreSQL when a URL is configured and the embedded
 * in-memory store otherwise, so a first run needs nothing but Node.
 */
import type { Store } from "../../agents/runtime/store.ts";
import { MemoryStore } from "./memory.ts";
import { PgStore, type PgStoreOptions } from "./pg.ts";

export { MemoryStore } from "./memory.ts";
export { PgStore, type PgStoreOptions } from "./pg.ts";
export { migrate, MIGRATIONS_DIR, MIGRATIONS_TABLE } from "./migrate.ts";

export async function openStore(
  databaseUrl: string | undefined,
  options: PgStoreOptions = { migrate: true },
): Promise<Store> {
  if (databaseUrl === undefined || databaseUrl === "") return new MemoryStore();
  return PgStore.open(databaseUrl, options);
}
export { PgEvidenceStore } from "./pg.ts";
