/**
 * The embedded store's indexes (infra/store/memory-index.ts): they only choose which rows a list
 * call looks at, so every answer must equal a scan of every row, whatever order writes came in.
 */
import { describe, expect, it } from "vitest";
import { KeyIndex, WriteLog } from "../../../infra/store/memory-index.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";
import { fill } from "../reconciler/fixtures.ts";

describe("KeyIndex", () => {
  it("moves an id between keys and forgets empty ones", () => {
    const ix = new KeyIndex<string>();
    ix.move("a", undefined, "OPEN");
    ix.move("b", undefined, "OPEN");
    ix.move("a", "OPEN", "FILLED");
    expect([...ix.get("OPEN")]).toEqual(["b"]);
    expect(ix.any(["OPEN", "FILLED", "OPEN"]).sort()).toEqual(["a", "b"]);
    ix.move("b", "OPEN", "CANCELLED");
    expect(ix.get("OPEN").size).toBe(0);
  });
});

describe("WriteLog", () => {
  const rows = (entries: Array<[string, number]>) =>
    new Map(entries.map(([id, updatedAt]) => [id, { updatedAt }]));

  it("finds the ids written at or after a time while writes come in order", () => {
    const log = new WriteLog();
    const table = rows([
      ["a", 1],
      ["b", 5],
      ["c", 9],
    ]);
    log.note("a", 1, table);
    log.note("b", 5, table);
    log.note("c", 9, table);
    expect([...(log.since(5) ?? [])]).toEqual(["b", "c"]);
    expect([...(log.since(10) ?? [])]).toEqual([]);
    expect([...(log.since(0) ?? [])]).toEqual(["a", "b", "c"]);
  });

  it("cannot tell after a write stamped earlier than the last, until compaction sorts it", () => {
    const log = new WriteLog();
    const table = new Map<string, { updatedAt: number }>();
    const write = (id: string, at: number) => {
      table.set(id, { updatedAt: at });
      log.note(id, at, table);
    };
    write("a", 10);
    write("b", 5);
    expect(log.since(6)).toBeUndefined();
    // enough rewrites of one row to trigger compaction (past twice the rows plus 1,024)
    for (let i = 0; i < 1_100; i++) write("c", 20 + i);
    expect([...(log.since(6) ?? [])].sort()).toEqual(["a", "c"]);
  });
});

describe("MemoryStore reads through the indexes", () => {
  it("answers updatedSince like a scan, however the writes were ordered", async () => {
    const store = new MemoryStore();
    const times = [50, 10, 70, 30, 90, 20, 60];
    for (const [i, t] of times.entries()) {
      await store.recordFill(fill({ tradeId: `t-${i}`, ts: t, updatedAt: t, status: "MATCHED" }));
    }
    // a confirmation written late moves an old trade past the checkpoint
    await store.recordFill(fill({ tradeId: "t-1", ts: 10, updatedAt: 95, status: "CONFIRMED" }));
    const ids = async (since: number) =>
      (await store.listFills({ updatedSince: since })).map((f) => f.tradeId).sort();
    expect(await ids(55)).toEqual(["t-1", "t-2", "t-4", "t-6"]);
    expect(await ids(0)).toHaveLength(7);
    expect(await ids(96)).toEqual([]);
    expect((await store.listFills({ statuses: ["MATCHED"] })).map((f) => f.tradeId)).toHaveLength(
      6,
    );
  });
});
