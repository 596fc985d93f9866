/**
 * Singleton leases on a real PostgreSQL: two replicas of one agent, each with its own PgStore pool,
 * as two processes would have. The leader dies; the standby takes over within the TTL at a higher
 * epoch; the dead leader's fence no longer writes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SystemClock, VirtualClock, type Clock } from "../../bus/clock.ts";
import { LeaseKeeper, type LeaseChange } from "../../agents/runtime/lease.ts";
import type { Fence, OrderRecord, Store } from "../../agents/runtime/store.ts";
import { StaleEpochError } from "../../agents/runtime/store.ts";
import { MemoryStore } from "../../infra/store/memory.ts";
import { migrate } from "../../infra/store/migrate.ts";
import { PgStore } from "../../infra/store/pg.ts";
import { createTestDatabase } from "../harness/postgres.ts";

const T0 = 1_767_225_600_000;
const TTL_MS = 300;
const RETRY_MS = 50;

const order = (o: Partial<OrderRecord> = {}): OrderRecord => ({
  orderId: "o-1",
  venueOrderId: null,
  intentId: "i-1",
  decisionId: "d-1",
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
  status: "SUBMITTED",
  reason: null,
  mode: "PAPER",
  createdAt: T0,
  updatedAt: T0,
  epoch: 1,
  ...o,
});

let db: { url: string; drop(): Promise<void> };
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await migrate(db.url);
});
afterAll(() => db.drop());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function replica(name: string, holder: string, clock: Clock) {
  const store = await PgStore.open(db.url, { poolMax: 2 });
  const keeper = new LeaseKeeper({ store, clock, name, holder, ttlMs: TTL_MS, retryMs: RETRY_MS });
  const changes: LeaseChange[] = [];
  keeper.onChange((c) => changes.push(c));
  cleanups.push(
    () => store.close(),
    () => keeper.abandon(),
  );
  return { store, keeper, changes };
}

async function expectStale(write: Promise<unknown>): Promise<void> {
  const err: unknown = await write.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StaleEpochError);
}

describe("LeaseKeeper on PostgreSQL", () => {
  it("fails over to the standby within the TTL when the leader is killed (virtual clock)", async () => {
    const clockA = new VirtualClock(T0);
    const clockB = new VirtualClock(T0);
    const a = await replica("execution-v", "execution.a", clockA);
    const b = await replica("execution-v", "execution.b", clockB);
    await a.keeper.start();
    await b.keeper.start();
    expect([a.keeper.isLeader(), a.keeper.epoch(), b.keeper.isLeader()]).toEqual([true, 1, false]);

    // Both alive for several TTLs: the leader renews, the standby keeps waiting.
    for (let t = 0; t < 4 * TTL_MS; t += RETRY_MS) {
      await clockA.advance(RETRY_MS);
      await a.keeper.idle();
      await clockB.advance(RETRY_MS);
      await b.keeper.idle();
    }
    expect([a.keeper.isLeader(), b.keeper.isLeader()]).toEqual([true, false]);
    const oldFence = a.keeper.fence() as Fence;
    await a.store.upsertOrder(order(), oldFence);

    // kill -9: A's timers never fire again (its clock is frozen) and its connections are gone.
    await a.store.close();
    const killedAt = clockB.now();
    while (!b.keeper.isLeader() && clockB.now() <= killedAt + TTL_MS) {
      if (!(await clockB.step())) break;
      await b.keeper.idle();
    }
    expect(b.keeper.isLeader()).toBe(true);
    expect(clockB.now() - killedAt).toBeLessThanOrEqual(TTL_MS);
    expect(b.keeper.epoch()).toBe(2);
    expect(b.changes).toEqual([{ leader: true, epoch: 2 }]);

    // The frozen A still believes it leads: only the fence stops it. Its restarted connection
    // writing with the old epoch is refused, and the row is unchanged.
    expect(a.keeper.isLeader()).toBe(true);
    const zombie = await PgStore.open(db.url, { poolMax: 1 });
    cleanups.push(() => zombie.close());
    await expectStale(zombie.upsertOrder(order({ status: "CANCELLED" }), oldFence));
    expect(await zombie.getOrder("o-1")).toEqual(order());
    await b.store.upsertOrder(order({ status: "OPEN", epoch: 2 }), b.keeper.fence() as Fence);
    expect((await zombie.getOrder("o-1"))?.status).toBe("OPEN");
  });

  it("fails over within the TTL on the wall clock", async () => {
    const clock = new SystemClock();
    const a = await replica("execution-s", "execution.a", clock);
    const b = await replica("execution-s", "execution.b", clock);
    await a.keeper.start();
    await b.keeper.start();
    expect([a.keeper.isLeader(), b.keeper.isLeader()]).toEqual([true, false]);
    const oldFence = a.keeper.fence() as Fence;

    const tookOver = new Promise<number>((resolve) => {
      b.keeper.onChange((c) => {
        if (c.leader) resolve(clock.now());
      });
    });
    const killedAt = clock.now();
    await a.keeper.abandon(); // no release: the lease must expire
    await a.store.close();
    const boundMs = TTL_MS + RETRY_MS + 1_000; // the last 1 s is slack for a loaded machine
    const timeout = new Promise<null>((resolve) => {
      setTimeout(() => {
        resolve(null);
      }, boundMs);
    });
    const at = await Promise.race([tookOver, timeout]);
    expect(at, `no takeover within ${boundMs} ms`).not.toBeNull();
    // Expiry is at most one TTL after the kill; the standby tries right at expiry. 250 ms covers
    // timer and query latency on a loaded 2-core machine (measured: 296-297 ms in total).
    expect((at ?? 0) - killedAt).toBeLessThanOrEqual(TTL_MS + 250);
    expect(b.keeper.epoch()).toBe(2);
    await expectStale(b.store.upsertOrder(order(), oldFence));
  });

  it("hands over at once when the leader stops gracefully (releases)", async () => {
    const clock = new VirtualClock(T0);
    const a = await replica("cro-g", "cro.a", clock);
    const b = await replica("cro-g", "cro.b", clock);
    await a.keeper.start();
    await b.keeper.start();
    await a.keeper.stop();
    expect(a.changes).toEqual([
      { leader: true, epoch: 1 },
      { leader: false, epoch: null },
    ]);
    expect((await b.store.getLease("cro-g"))?.holder).toBeNull();
    await clock.advance(RETRY_MS);
    await b.keeper.idle();
    expect(b.keeper.epoch()).toBe(2);
  });

  it("reports the loss at the first failed renewal when the store goes away", async () => {
    const clock = new VirtualClock(T0);
    const a = await replica("portfolio-r", "portfolio.a", clock);
    await a.keeper.start();
    await a.store.close();
    await clock.advance(Math.floor(TTL_MS / 3));
    await a.keeper.idle();
    expect(a.changes).toEqual([
      { leader: true, epoch: 1 },
      { leader: false, epoch: null },
    ]);
    expect(a.keeper.fence()).toBeNull();
  });

  it("gives an expired lease to exactly one of many racing standbys", async () => {
    const stores: Store[] = [];
    for (let i = 0; i < 4; i++) stores.push(await PgStore.open(db.url, { poolMax: 4 }));
    cleanups.push(() => Promise.all(stores.map((s) => s.close())));
    await stores[0]?.tryAcquireLease("recon-race", "dead", T0, TTL_MS);
    const attempts = stores.flatMap((s, i) =>
      [0, 1, 2].map((j) => s.tryAcquireLease("recon-race", `r${i}.${j}`, T0 + TTL_MS, TTL_MS)),
    );
    const results = await Promise.all(attempts);
    const winners = results.filter((r) => r.acquired);
    expect(winners).toEqual([{ acquired: true, epoch: 2 }]);
  });
});

describe("LeaseKeeper local deadline", () => {
  it("stops calling itself leader once a TTL passes without an answer to its renewal", async () => {
    const clock = new VirtualClock(T0);
    const store = new MemoryStore();
    let hang = false;
    const renew = store.renewLease.bind(store);
    store.renewLease = (...args) => (hang ? new Promise<boolean>(() => undefined) : renew(...args));
    const keeper = new LeaseKeeper({
      store,
      clock,
      name: "cro",
      holder: "cro.a",
      ttlMs: TTL_MS,
      retryMs: RETRY_MS,
    });
    const changes: LeaseChange[] = [];
    keeper.onChange((c) => changes.push(c));
    await keeper.start();
    await clock.advance(TTL_MS); // renewals answered
    expect(keeper.isLeader()).toBe(true);
    hang = true;
    await clock.advance(TTL_MS);
    expect(keeper.isLeader()).toBe(false);
    expect(changes).toEqual([
      { leader: true, epoch: 1 },
      { leader: false, epoch: null },
    ]);
  });
});
