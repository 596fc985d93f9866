/**
 * `predator report paper` on PostgreSQL (issue 20): a short simulation of the production fleet
 * (canary, PAPER mode, virtual clock) trades a few windows; its store's rows are copied into a
 * test database and the CLI's report of them matches the report computed from the simulation's
 * own store, in JSON and HTML. Bad arguments exit 2 with one line naming the option.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPaperReport } from "../../infra/cli/commands/report.ts";
import { LIST_ROWS_MAX } from "../../agents/runtime/store.ts";
import { SimWorld } from "../../infra/chaos/sim/world.ts";
import { PgStore } from "../../infra/store/index.ts";
import { CANARY_ENTRY_REMAINING_MS, canaryControls } from "../../infra/verify/canary-sim.ts";
import type { PaperReport } from "../../infra/verify/paper-report.ts";
import { createTestDatabase } from "../harness/postgres.ts";

const WINDOW_MS = 120_000;

function cli(args: string[], databaseUrl: string) {
  return spawnSync(process.execPath, ["infra/cli/predator.js", "report", "paper", ...args], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
}

describe("predator report paper", () => {
  let db: { url: string; drop(): Promise<void> };
  let expected: PaperReport;
  let from: string;
  let to: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const world = new SimWorld({
      seed: 1,
      cadence: "production",
      startingCollateralUsd: "100",
      venue: { windowMs: WINDOW_MS },
      strategy: {
        enabled: ["canary"],
        params: { canary: { entryRemainingMs: CANARY_ENTRY_REMAINING_MS } },
      },
    });
    const startedAt = world.clock.now();
    const controls = canaryControls({ windowMs: WINDOW_MS, collateralUsd: "100" });
    for (const [key, value] of Object.entries(controls))
      await world.store.setControl(key, value, "test", startedAt);
    await world.start();
    const endAt = startedAt + 8 * WINDOW_MS;
    await world.clock.runUntil(endAt);
    await world.stop().catch(() => undefined);

    // The period, whole minutes around the run.
    from = new Date(startedAt - (startedAt % 60_000)).toISOString();
    to = new Date(endAt - (endAt % 60_000) + 60_000).toISOString();
    expected = await readPaperReport(world.store, {
      from: Date.parse(from),
      to: Date.parse(to),
      format: "json",
    });

    const pgStore = await PgStore.open(db.url, { migrate: true });
    try {
      for (const o of await world.store.listOrders()) await pgStore.upsertOrder(o);
      for (const f of await world.store.listFills()) await pgStore.recordFill(f);
      for (const p of await world.store.listPositions()) await pgStore.savePosition(p);
      for (const { id: _id, ...e } of await world.store.listCroEvents({ limit: LIST_ROWS_MAX }))
        await pgStore.appendCroEvent(e);
      for (const { id: _id, ...g } of await world.store.listFeedGaps(LIST_ROWS_MAX))
        await pgStore.recordFeedGap(g);
    } finally {
      await pgStore.close();
    }
  }, 240_000);

  afterAll(async () => {
    await db.drop();
  });

  it("reports the simulation's trades from PostgreSQL as JSON, equal to the in-memory report", () => {
    const r = cli(["--from", from, "--to", to, "--format", "json"], db.url);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const got = JSON.parse(r.stdout) as PaperReport;
    expect(got).toEqual(expected);
    const canary = got.strategies.find((s) => s.strategy === "canary");
    expect(canary?.trades).toBeGreaterThan(0);
    expect(canary?.fills).toBeGreaterThan(0);
    expect(canary?.fees).toBeGreaterThan(0);
    expect(canary?.grossPnl).toBe((canary?.netPnl ?? 0) + (canary?.fees ?? 0));
    expect(canary?.verdict).toBe("TOO_FEW_TRADES");
    expect(got.uptime).not.toBeNull();
    expect(got.assertions).toBeNull();
  });

  it("writes a self-contained HTML page with the chart; the table names the strategy", () => {
    const file = join(mkdtempSync(join(tmpdir(), "paper-")), "paper.html");
    const r = cli(["--from", from, "--to", to, "--format", "html", "--out", file], db.url);
    expect(r.status).toBe(0);
    const html = readFileSync(file, "utf8");
    expect(html).toContain("<svg");
    expect(html).toContain("<polyline");
    expect(html).not.toContain("<script");
    const table = cli(["--from", from, "--to", to, "--strategy", "canary"], db.url);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^canary\s+\d+\s+\d+\/\d+/m);
    expect(table.stdout).toContain("Assertion pass rate: not recorded");
  });

  it("rejects bad arguments with exit 2 and one line naming the option", () => {
    const cases: [string[], RegExp][] = [
      [["--from", "yesterday"], /^predator: --from: expected an ISO date/],
      [["--from", "2026-12-08", "--to", "2026-12-01"], /^predator: --from: must be before --to/],
      [["--format", "pdf"], /^predator: --format: expected one of table, json, markdown, html/],
      [["--strategy", "Bad Name"], /^predator: --strategy: expected a strategy name/],
    ];
    for (const [args, message] of cases) {
      const r = cli(args, db.url);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
    }
  });
});
