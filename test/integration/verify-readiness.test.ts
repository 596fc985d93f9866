/**
 * `predator readiness` and the live gate (issue 20, phase 3): on a fresh database every item is
 * missing and a live start is refused naming them; with the evidence stored it passes; expired
 * evidence is missing again; an override starts anyway and is audited.
 */
import { spawnSync } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveGate } from "../../infra/cli/commands/readiness.ts";
import { PgEvidenceStore, PgStore } from "../../infra/store/index.ts";
import { OverrideWatch } from "../../agents/alert/overrides.ts";
import { evaluateReadiness, READINESS_ITEMS } from "../../infra/verify/readiness.ts";
import type { VerificationRun } from "../../infra/verify/types.ts";
import { createTestDatabase } from "../harness/postgres.ts";

const HOUR = 3_600_000;

function evidence(kind: VerificationRun["kind"], recordedAt: number): VerificationRun {
  const base = {
    id: `${kind}-${recordedAt}`,
    kind,
    mode: "sim",
    inputs: {},
    recordedAt,
    startedAt: 0,
    finishedAt: 1,
    passed: true,
    verdict: `PASS: ${kind}`,
    summary: {},
    items: [] as VerificationRun["items"],
  };
  const pass = (subject: string, point: string) => ({
    subject,
    point,
    outcome: "PASS" as const,
    detail: "",
    data: {},
  });
  switch (kind) {
    case "canary":
      return { ...base, summary: { counted: 20, assertionFailures: 0, up: 9, down: 11 } };
    case "exits":
      return {
        ...base,
        summary: Object.fromEntries(["A", "B", "C", "D", "E"].map((n) => [n, { outcome: "PASS" }])),
      };
    case "drill":
      return {
        ...base,
        items: ["PAUSE", "FLATTEN", "EMERGENCY"].map((l) => pass(l, "resume")),
      };
    case "preflight":
      return { ...base, items: [pass("preflight", "balance"), pass("preflight", "allowance")] };
  }
}

describe("readiness from stored evidence", () => {
  let db: { url: string; drop(): Promise<void> };
  let store: PgEvidenceStore;
  const now = Date.UTC(2026, 11, 7, 12);
  beforeAll(async () => {
    db = await createTestDatabase();
    store = await PgEvidenceStore.open(db.url, { migrate: true });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it("on a fresh database lists every item missing; the CLI exits non-zero", async () => {
    const r = await evaluateReadiness(store, now);
    expect(r.ready).toBe(false);
    expect(r.missing).toEqual([...READINESS_ITEMS]);
    expect(r.items.every((i) => i.evidenceId === null && i.detail.startsWith("missing"))).toBe(
      true,
    );
    const cli = spawnSync(process.execPath, ["infra/cli/predator.js", "readiness"], {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, DATABASE_URL: db.url },
    });
    expect(cli.status).toBe(1);
    expect(cli.stdout).toContain(`NOT READY: missing ${READINESS_ITEMS.join(", ")}`);
  });

  it("refuses a live start naming the missing items; an override starts and is audited", async () => {
    await expect(liveGate(db.url, undefined)).rejects.toThrow(
      /refused: readiness fails, missing canary, exits, kill-switch-drill, preflight, balance-allowance/,
    );
    await liveGate(db.url, "drill on the staging wallet");
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = await client.query<{ detail: { reason: string; missing: string[] } }>(
        "SELECT detail FROM audit_log WHERE kind = 'readiness.override'",
      );
      expect(rows.rows).toHaveLength(1);
      expect(rows.rows[0]?.detail.reason).toBe("drill on the staging wallet");
      expect(rows.rows[0]?.detail.missing).toContain("canary");
    } finally {
      await client.end();
    }
    // The Alert agent's check finds the row in PostgreSQL and makes it a CRITICAL incident, once.
    const store = await PgStore.open(db.url);
    try {
      const watch = new OverrideWatch();
      const found = await watch.check(store, Date.now());
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        severity: "CRITICAL",
        title: "Readiness overridden: LIVE start without the go-live evidence",
      });
      expect(found[0]?.body).toContain("Reason: drill on the staging wallet");
      expect(await watch.check(store, Date.now())).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("passes once every kind of evidence is stored, and expires it by age", async () => {
    const recorded = Date.now() - 2 * HOUR;
    for (const kind of ["canary", "exits", "drill", "preflight"] as const) {
      await store.saveRun(evidence(kind, recorded));
    }
    const r = await evaluateReadiness(store, recorded + 2 * HOUR, 24 * HOUR);
    expect(r.missing).toEqual([]);
    expect(r.items.find((i) => i.name === "canary")).toMatchObject({
      passed: true,
      evidenceId: `canary-${recorded}`,
      ageMs: 2 * HOUR,
      expiresInMs: 22 * HOUR,
    });
    await expect(liveGate(db.url, undefined)).resolves.toBeUndefined();
    const later = await evaluateReadiness(store, recorded + 25 * HOUR, 24 * HOUR);
    expect(later.missing).toEqual([...READINESS_ITEMS]);
  });

  it("does not count a canary run short of 20 windows or one outcome", async () => {
    const t = now + HOUR;
    const short = { ...evidence("canary", t), id: "canary-short" };
    short.summary = { counted: 5, assertionFailures: 0, up: 3, down: 2 };
    const fresh = await createTestDatabase();
    const other = await PgEvidenceStore.open(fresh.url, { migrate: true });
    try {
      await other.saveRun(short);
      const r = await evaluateReadiness(other, t);
      const canary = r.items.find((i) => i.name === "canary");
      expect(canary?.passed).toBe(false);
      expect(canary?.evidenceId).toBe("canary-short");
      expect(canary?.detail).toContain("only 5 window(s) counted");
    } finally {
      await other.close();
      await fresh.drop();
    }
  });
});
