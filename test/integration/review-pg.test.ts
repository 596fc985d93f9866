/**
 * Review mode on PostgreSQL (issue 20, Phase 3): the trade_reviews migration and PgStore's review
 * methods (add once, list pending/all by strategy, mark once), and `predator review list` reading
 * them through DATABASE_URL; a bad --strategy exits 2 with one line naming it.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgStore } from "../../infra/store/index.ts";
import type { TradeReviewRecord } from "../../agents/runtime/store.ts";
import { createTestDatabase } from "../harness/postgres.ts";

function review(args: string[], databaseUrl: string) {
  return spawnSync(process.execPath, ["infra/cli/predator.js", "review", ...args], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
}

const base: TradeReviewRecord = {
  positionId: "pos-1",
  strategy: "canary",
  windowId: "w-1",
  createdAt: Date.parse("2026-12-01T10:00:00Z"),
  reviewedAt: null,
  reviewedBy: null,
  note: null,
};

describe("review mode on PostgreSQL", () => {
  let db: { url: string; drop(): Promise<void> };

  beforeAll(async () => {
    db = await createTestDatabase();
    const store = await PgStore.open(db.url, { migrate: true });
    try {
      expect(await store.addTradeReview(base)).toBe(true);
      expect(await store.addTradeReview(base)).toBe(false);
      await store.addTradeReview({
        ...base,
        positionId: "pos-2",
        windowId: "w-2",
        createdAt: base.createdAt + 60_000,
      });
      await store.addTradeReview({ ...base, positionId: "pos-3", strategy: "momentum" });
      const marked = await store.markTradeReviewed(
        "pos-1",
        "cli:ops",
        "looked fine",
        base.createdAt + 1,
      );
      expect(marked).toMatchObject({ reviewedBy: "cli:ops", note: "looked fine" });
      expect(await store.markTradeReviewed("nope", "cli:ops", "x", 1)).toBeNull();
      const again = await store.markTradeReviewed(
        "pos-1",
        "cli:other",
        "later",
        base.createdAt + 2,
      );
      expect(again).toMatchObject({ reviewedBy: "cli:ops", note: "looked fine" });
      const pending = await store.listTradeReviews({ strategy: "canary", pending: true });
      expect(pending.map((r) => r.positionId)).toEqual(["pos-2"]);
    } finally {
      await store.close();
    }
  }, 120_000);

  afterAll(async () => {
    await db.drop();
  });

  it("`predator review list` prints the pending trades, --all the reviewed ones too", () => {
    const pending = review(["list", "--strategy", "canary"], db.url);
    expect(pending.status, pending.stderr).toBe(0);
    expect(pending.stdout).toContain("pos-2  canary  w-2");
    expect(pending.stdout).not.toContain("pos-1");
    const all = review(["list", "--all", "--json"], db.url);
    expect(all.status, all.stderr).toBe(0);
    const rows = JSON.parse(all.stdout) as TradeReviewRecord[];
    expect(rows.map((r) => r.positionId).sort()).toEqual(["pos-1", "pos-2", "pos-3"]);
    expect(rows.find((r) => r.positionId === "pos-1")).toMatchObject({ note: "looked fine" });
  });

  it("a bad --strategy exits 2 with one line naming it", () => {
    const bad = review(["list", "--strategy", "BAD!"], db.url);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toContain("--strategy");
  });
});
