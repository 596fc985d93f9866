/** The evidence store on PostgreSQL (migration 0003): verification runs and their items. */
import type pg from "pg";
import { DuplicateRunError, type EvidenceStore } from "../verify/evidence.ts";
import { RUN_KINDS, type RunKind, type VerificationRun } from "../verify/types.ts";
import { createPool, inTransaction, type PoolOptions } from "./pg-db.ts";
import { toStoreError } from "./pg-errors.ts";
import { migrate } from "./migrate.ts";

const RUN_COLUMNS =
  "id, kind, mode, inputs, recorded_at, started_at, finished_at, passed, verdict, summary";

export class PgEvidenceStore implements EvidenceStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(
    databaseUrl: string,
    options: PoolOptions & { migrate?: boolean } = {},
  ): Promise<PgEvidenceStore> {
    if (options.migrate === true) await migrate(databaseUrl);
    return new PgEvidenceStore(
      createPool(databaseUrl, { poolMax: 2, applicationName: "predator-evidence", ...options }),
    );
  }

  async saveRun(run: VerificationRun): Promise<void> {
    try {
      await inTransaction(this.pool, async (db) => {
        await db.query(
          `INSERT INTO verification_runs (${RUN_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
          [
            run.id,
            run.kind,
            run.mode,
            JSON.stringify(run.inputs),
            run.recordedAt,
            run.startedAt,
            run.finishedAt,
            run.passed,
            run.verdict,
            JSON.stringify(run.summary),
          ],
        );
        // One statement for every item: a run of a few hundred windows has a few thousand.
        if (run.items.length === 0) return;
        await db.query(
          `INSERT INTO verification_items (run_id, seq, subject, point, outcome, detail, data)
           SELECT $1, s.seq, s.subject, s.point, s.outcome, s.detail, s.data
           FROM jsonb_to_recordset($2::jsonb)
             AS s(seq integer, subject text, point text, outcome text, detail text, data jsonb)`,
          [run.id, JSON.stringify(run.items.map((it, seq) => ({ seq, ...it })))],
        );
      });
    } catch (err) {
      if ((err as { code?: string }).code === "23505") throw new DuplicateRunError(run.id);
      throw toStoreError(err, "saveRun");
    }
  }

  async listRuns(kind: RunKind, limit: number): Promise<VerificationRun[]> {
    const ids = await this.query<{ id: string }>(
      "listRuns",
      "SELECT id FROM verification_runs WHERE kind = $1 ORDER BY recorded_at DESC, id DESC LIMIT $2",
      [kind, limit],
    );
    const runs: VerificationRun[] = [];
    for (const { id } of ids) {
      const run = await this.getRun(id);
      if (run !== null) runs.push(run);
    }
    return runs;
  }

  async getRun(id: string): Promise<VerificationRun | null> {
    const [row] = await this.query<RunRow>(
      "getRun",
      `SELECT ${RUN_COLUMNS} FROM verification_runs WHERE id = $1`,
      [id],
    );
    if (row === undefined) return null;
    const items = await this.query<ItemRow>(
      "getRun",
      "SELECT subject, point, outcome, detail, data FROM verification_items WHERE run_id = $1 ORDER BY seq",
      [id],
    );
    return {
      id: row.id,
      kind: runKind(row.kind),
      mode: row.mode,
      inputs: row.inputs,
      recordedAt: Number(row.recorded_at),
      startedAt: Number(row.started_at),
      finishedAt: Number(row.finished_at),
      passed: row.passed,
      verdict: row.verdict,
      summary: row.summary,
      items: items.map((i) => ({ ...i, outcome: i.outcome })),
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async query<R extends pg.QueryResultRow>(
    op: string,
    text: string,
    values: unknown[],
  ): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (err) {
      throw toStoreError(err, op);
    }
  }
}

interface RunRow {
  id: string;
  kind: string;
  mode: string;
  inputs: Record<string, unknown>;
  recorded_at: string;
  started_at: string;
  finished_at: string;
  passed: boolean;
  verdict: string;
  summary: Record<string, unknown>;
}

interface ItemRow {
  subject: string;
  point: string;
  outcome: "PASS" | "FAIL" | "EXCLUDED" | "NOT_EXERCISED";
  detail: string;
  data: Record<string, string | number | boolean | null>;
}

function runKind(kind: string): RunKind {
  const found = RUN_KINDS.find((k) => k === kind);
  if (found === undefined) throw new Error(`Invariant: stored run kind "${kind}" is unknown`);
  return found;
}
