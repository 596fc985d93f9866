/**
 * Verification evidence in PostgreSQL (migration 0003): a run and its items round-trip exactly,
 * newest first by kind, and a run id is written once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgEvidenceStore } from "../../infra/store/index.ts";
import { DuplicateRunError } from "../../infra/verify/evidence.ts";
import type { VerificationRun } from "../../infra/verify/types.ts";
import { createTestDatabase } from "../harness/postgres.ts";

function run(id: string, recordedAt: number, passed = true): VerificationRun {
  return {
    id,
    kind: "canary",
    mode: "sim",
    inputs: { seed: 1, windows: 2 },
    recordedAt,
    startedAt: 1_767_614_580_000,
    finishedAt: 1_767_614_900_000,
    passed,
    verdict: passed ? "PASS: 2 window(s)" : "FAIL",
    summary: { counted: 2, up: 1, down: 1 },
    items: [
      { subject: "w1", point: "signal", outcome: "PASS", detail: "1 entry signal(s)", data: {} },
      {
        subject: "w1",
        point: "fill",
        outcome: passed ? "PASS" : "FAIL",
        detail: "5000000 shares",
        data: { filledSize: 5_000_000, slippage: 0, ok: true, none: null },
      },
      { subject: "w2", point: "window", outcome: "EXCLUDED", detail: "excluded, gap", data: {} },
    ],
  };
}

describe("PgEvidenceStore", () => {
  let db: { url: string; drop(): Promise<void> };
  let store: PgEvidenceStore;
  beforeAll(async () => {
    db = await createTestDatabase();
    store = await PgEvidenceStore.open(db.url, { migrate: true });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it("stores a run with its items and reads it back unchanged, newest first", async () => {
    const older = run("canary-a", 1_000, false);
    const newer = run("canary-b", 2_000);
    await store.saveRun(older);
    await store.saveRun(newer);
    expect(await store.getRun("canary-a")).toEqual(older);
    expect((await store.listRuns("canary", 10)).map((r) => r.id)).toEqual(["canary-b", "canary-a"]);
    expect(await store.listRuns("exits", 10)).toEqual([]);
    expect(await store.getRun("nope")).toBeNull();
  });

  it("refuses to write a run id twice", async () => {
    await store.saveRun(run("canary-c", 3_000));
    await expect(store.saveRun(run("canary-c", 4_000))).rejects.toBeInstanceOf(DuplicateRunError);
    expect((await store.getRun("canary-c"))?.recordedAt).toBe(3_000);
  });
});
