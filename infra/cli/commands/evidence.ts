/**
 * Evidence in PostgreSQL for the commands that produce or read it (verify, drill, preflight,
 * readiness, up --mode live): one place that opens the store, migrated, and closes it.
 */
import { PgEvidenceStore } from "../../store/index.ts";
import type { EvidenceStore } from "../../verify/evidence.ts";
import type { VerificationRun } from "../../verify/types.ts";

export async function withEvidence<T>(
  databaseUrl: string,
  work: (store: EvidenceStore) => Promise<T>,
): Promise<T> {
  const store = await PgEvidenceStore.open(databaseUrl, { migrate: true });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export async function storeRun(run: VerificationRun, databaseUrl: string): Promise<void> {
  await withEvidence(databaseUrl, (store) => store.saveRun(run));
}
