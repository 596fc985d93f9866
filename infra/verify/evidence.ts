/**
 * Where verification runs are kept: PostgreSQL in a deployment (infra/store/pg-evidence.ts), in
 * memory for tests and embedded runs. One port, so `readiness` reads the same either way.
 */
import type { RunKind, VerificationRun } from "./types.ts";

export interface EvidenceStore {
  /** Stores a run and its items; a run id is written once. */
  saveRun(run: VerificationRun): Promise<void>;
  /** Runs of `kind`, newest recorded first, at most `limit`. */
  listRuns(kind: RunKind, limit: number): Promise<VerificationRun[]>;
  getRun(id: string): Promise<VerificationRun | null>;
  close(): Promise<void>;
}

export class DuplicateRunError extends Error {
  readonly code = "DUPLICATE_RUN";
  constructor(readonly runId: string) {
    super(`verification run ${runId} is already stored`);
    this.name = "DuplicateRunError";
  }
}

export class MemoryEvidenceStore implements EvidenceStore {
  private readonly runs = new Map<string, VerificationRun>();

  saveRun(run: VerificationRun): Promise<void> {
    if (this.runs.has(run.id)) return Promise.reject(new DuplicateRunError(run.id));
    this.runs.set(run.id, structuredClone(run));
    return Promise.resolve();
  }

  listRuns(kind: RunKind, limit: number): Promise<VerificationRun[]> {
    const list = [...this.runs.values()]
      .filter((r) => r.kind === kind)
      .sort((a, b) => b.recordedAt - a.recordedAt || b.id.localeCompare(a.id))
      .slice(0, limit)
      .map((r) => structuredClone(r));
    return Promise.resolve(list);
  }

  getRun(id: string): Promise<VerificationRun | null> {
    const run = this.runs.get(id);
    return Promise.resolve(run === undefined ? null : structuredClone(run));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
