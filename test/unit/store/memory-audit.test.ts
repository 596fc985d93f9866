/**
 * The embedded store's audit log (infra/store/memory-audit.ts): rows found by every id they name,
 * detail copied through JSON, and with a maximum age, old rows dropped from every list they are in
 * while newer ones stay (the simulator's bound on a long run's memory).
 */
import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../../../agents/runtime/store.ts";
import { AuditLog } from "../../../infra/store/memory-audit.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";
import { HISTORY_OVERLAP_MS, RESTART_LOOKBACK_MS } from "../../../agents/reconciler/history.ts";
import { SIM_AUDIT_MAX_AGE_MS, SIM_STREAM_MAX_AGE_MS } from "../../../infra/chaos/sim/world.ts";

const DAY = 86_400_000;

function entry(ts: number, ids: Partial<AuditEntry> = {}, detail: unknown = { n: ts }): AuditEntry {
  return {
    ts,
    agent: "cro",
    kind: "cro.decision",
    correlationId: null,
    intentId: null,
    orderId: null,
    positionId: null,
    decisionId: null,
    detail,
    ...ids,
  };
}

describe("AuditLog", () => {
  it("files a row under every id it names and copies its detail through JSON", () => {
    const log = new AuditLog();
    const detail = { nested: { a: 1 }, gone: undefined, list: [1, 2] };
    const id = log.append(
      entry(5, { intentId: "i1", decisionId: "d1", correlationId: "i1" }, detail),
    );
    detail.nested.a = 99;
    for (const key of ["i1", "d1"]) {
      const rows = log.for(key);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ id, ts: 5, intentId: "i1", decisionId: "d1" });
      expect(rows[0]?.detail).toEqual({ nested: { a: 1 }, list: [1, 2] });
    }
    const copy = log.for("i1")[0]?.detail as { nested: { a: number } };
    copy.nested.a = 7;
    expect(log.for("i1")[0]?.detail).toEqual({ nested: { a: 1 }, list: [1, 2] });
    expect(log.for("nobody")).toEqual([]);
  });

  it("returns rows by ts then id, up to the limit", () => {
    const log = new AuditLog();
    log.append(entry(30, { orderId: "o" }));
    log.append(entry(10, { orderId: "o" }));
    log.append(entry(10, { orderId: "o" }, "second at 10"));
    const rows = log.for("o");
    expect(rows.map((r) => r.ts)).toEqual([10, 10, 30]);
    expect(rows[1]?.detail).toBe("second at 10");
    expect(log.for("o", 1)).toHaveLength(1);
  });

  it("keeps every row without a maximum age", () => {
    const log = new AuditLog();
    for (let d = 0; d < 100; d++) log.append(entry(d * DAY, { orderId: `o${d}` }));
    expect(log.size()).toBe(100);
    expect(log.for("o0")).toHaveLength(1);
  });

  it("drops rows older than the maximum age from every list, keeping newer ones", () => {
    const log = new AuditLog(7 * DAY);
    log.append(entry(0, { intentId: "old", decisionId: "shared" }));
    log.append(entry(3 * DAY, { intentId: "mid", decisionId: "shared" }));
    log.append(entry(7 * DAY, { intentId: "edge" }));
    expect(log.size()).toBe(3);

    // Newest at 7 d + 1: the row at 0 is older than a week, the one at 7 d is exactly a week old.
    log.append(entry(7 * DAY + 1, { intentId: "new" }));
    expect(log.for("old")).toEqual([]);
    expect(log.for("shared").map((r) => r.intentId)).toEqual(["mid"]);
    expect(log.for("mid")).toHaveLength(1);
    expect(log.for("edge")).toHaveLength(1);
    expect(log.size()).toBe(3);

    log.append(entry(20 * DAY, { intentId: "later" }));
    expect(log.for("shared")).toEqual([]);
    expect(log.size()).toBe(1);
  });

  it("stays bounded over a long run and still answers for recent rows", () => {
    const log = new AuditLog(DAY);
    const step = 60_000;
    for (let i = 0; i < 20_000; i++) {
      log.append(entry(i * step, { orderId: `o${i}`, correlationId: `c${i % 7}` }));
    }
    const perDay = DAY / step;
    expect(log.size()).toBeLessThanOrEqual(perDay + 1);
    expect(log.for("o19999")).toHaveLength(1);
    expect(log.for("o0")).toEqual([]);
    expect(log.for("c3").length).toBeLessThanOrEqual(Math.ceil(perDay / 7) + 1);
  });
});

describe("MemoryStore audit options", () => {
  it("keeps everything by default and applies auditMaxAgeMs when given", async () => {
    const forever = new MemoryStore();
    const week = new MemoryStore({ auditMaxAgeMs: 7 * DAY });
    for (const store of [forever, week]) {
      await store.appendAudit(entry(0, { orderId: "first" }));
      await store.appendAudit(entry(30 * DAY, { orderId: "last" }));
    }
    expect(await forever.auditFor("first")).toHaveLength(1);
    expect(await week.auditFor("first")).toEqual([]);
    expect(await week.auditFor("last")).toHaveLength(1);
  });
});

describe("the simulator's audit retention", () => {
  it("outlasts the longest look-back of any agent: a restarted Reconciler's week", () => {
    // mapping grace (at most 60 s by config) and the re-read overlap come on top of the week
    const longest = RESTART_LOOKBACK_MS + 60_000 + HISTORY_OVERLAP_MS;
    expect(SIM_AUDIT_MAX_AGE_MS).toBeGreaterThan(longest);
    expect(SIM_STREAM_MAX_AGE_MS).toBeLessThan(SIM_AUDIT_MAX_AGE_MS);
  });
});
