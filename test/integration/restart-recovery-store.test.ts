/**
 * Restart recovery reads the store past its cap (issue 4, Recovery): list calls return at most
 * LIST_ROWS_MAX rows oldest-first, so an agent rebuilding state after a long run must ask for what
 * changed since a checkpoint, or for the newest rows. Both stores, one behaviour.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FillRecord, OrderRecord, Store } from "../../agents/runtime/store.ts";
import { MemoryStore } from "../../infra/store/memory.ts";
import { migrate } from "../../infra/store/migrate.ts";
import { PgStore } from "../../infra/store/pg.ts";
import { createTestDatabase } from "../harness/postgres.ts";

const T0 = 1_767_225_600_000;

const order = (i: number, o: Partial<OrderRecord> = {}): OrderRecord => ({
  orderId: `o-${i}`,
  venueOrderId: null,
  intentId: `i-${i}`,
  decisionId: `d-${i}`,
  positionId: null,
  strategy: "momentum",
  windowId: "w-1",
  tokenId: "tok-up",
  kind: "ENTRY",
  side: "BUY",
  orderType: "GTC",
  price: 550_000,
  size: 10_000_000,
  filledSize: 0,
  status: "OPEN",
  reason: null,
  mode: "PAPER",
  createdAt: T0 + i * 1_000,
  updatedAt: T0 + i * 1_000,
  epoch: 1,
  ...o,
});

const fill = (i: number): FillRecord => ({
  tradeId: `t-${i}`,
  orderId: `o-${i}`,
  venueOrderId: `v-${i}`,
  intentId: `i-${i}`,
  positionId: `p-${i}`,
  strategy: "momentum",
  windowId: "w-1",
  tokenId: "tok-up",
  kind: "ENTRY",
  side: "BUY",
  price: 550_000,
  size: 10_000_000,
  fee: 17_320,
  liquidity: "TAKER",
  status: "MATCHED",
  intendedPrice: 550_000,
  mode: "PAPER",
  ts: T0 + i * 1_000,
  updatedAt: T0 + i * 1_000,
});

let db: { url: string; drop(): Promise<void> };
let pgStore: PgStore;
beforeAll(async () => {
  db = await createTestDatabase();
  await migrate(db.url);
  pgStore = await PgStore.open(db.url, { poolMax: 2 });
});
afterAll(async () => {
  await pgStore.close();
  await db.drop();
});

const stores: [string, () => Store][] = [
  ["memory", () => new MemoryStore()],
  ["postgres", () => pgStore],
];

describe.each(stores)("since-filters and newest-first on the %s store", (_kind, make) => {
  it("lists orders changed since a checkpoint, and the newest orders first", async () => {
    const store = make();
    for (let i = 1; i <= 5; i++) await store.upsertOrder(order(i));
    // An old order that changed recently is among what changed since the checkpoint.
    await store.upsertOrder(order(1, { status: "CANCELLED", updatedAt: T0 + 9_000 }));
    const changed = await store.listOrders({ updatedSince: T0 + 4_000 });
    expect(changed.map((o) => o.orderId)).toEqual(["o-1", "o-4", "o-5"]);
    const newest = await store.listOrders({ newestFirst: true, limit: 2 });
    expect(newest.map((o) => o.orderId)).toEqual(["o-5", "o-4"]);
    const oldest = await store.listOrders({ limit: 2 });
    expect(oldest.map((o) => o.orderId)).toEqual(["o-1", "o-2"]);
  });

  it("lists fills recorded since a time, and the newest fills first", async () => {
    const store = make();
    for (let i = 1; i <= 5; i++) await store.recordFill(fill(i));
    const since = await store.listFills({ sinceTs: T0 + 3_000 });
    expect(since.map((f) => f.tradeId)).toEqual(["t-3", "t-4", "t-5"]);
    const newest = await store.listFills({ newestFirst: true, limit: 2, sinceTs: T0 });
    expect(newest.map((f) => f.tradeId)).toEqual(["t-5", "t-4"]);
  });
});
