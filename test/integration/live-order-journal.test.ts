/**
 * Issue 5: "accepted (with the order hash computed from the signed order before sending, so late
 * events attach) … unknown (timeouts, 5xx, dropped connections)". An UNKNOWN order must stay
 * resolvable after the adapter restarts: the client order id → order hash mapping is journaled in
 * PostgreSQL (the Store's audit log) before the POST, and a restarted adapter reads it back.
 * Without the journal a restarted adapter answers "no such order" — which Execution would count
 * towards rejecting an order that in fact rests at the venue.
 *
 * DRY_RUN's record (the signed POST body that would have been sent and the book at decision time)
 * is stored the same way, kind `venue.dry_run`, and read back through a second connection.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { PgStore } from "../../infra/store/pg.ts";
import { startPolyVenue, type PolyVenue } from "../../infra/venue-poly/index.ts";
import {
  DryRunVenue,
  loadLiveVenue,
  type LiveVenue,
  type LiveVenueSettings,
  type VenueJournal,
} from "../../infra/venue-live/index.ts";
import type { PlaceOrderRequest } from "../../agents/runtime/venue.ts";
import { createTestDatabase } from "../harness/postgres.ts";
import { openToken } from "./live-support.ts";

const KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const M = 1_000_000;
const OPTS = { timeoutMs: 5_000 };

let db: { url: string; drop(): Promise<void> };
let store: PgStore;
let poly: PolyVenue;
let token: string;
const opened: LiveVenue[] = [];

function settings(): LiveVenueSettings {
  return {
    host: poly.url,
    wsUrl: poly.wsUrl,
    chainId: 137,
    privateKey: KEY,
    creds: null,
    signatureType: 0,
    userPollMs: 200,
  };
}

/** A fresh adapter, as a restarted process would build it. */
async function adapter(seed: number, journal?: VenueJournal): Promise<LiveVenue> {
  const v = await loadLiveVenue(settings(), {
    clock: new SystemClock(),
    rng: new SeededRng(seed),
    ...(journal === undefined ? {} : { journal }),
  });
  opened.push(v);
  return v;
}

const req = (clientOrderId: string, price: number): PlaceOrderRequest => ({
  clientOrderId,
  tokenId: token,
  side: "BUY",
  orderType: "GTC",
  price,
  size: 5 * M,
  expiresAt: null,
});

beforeAll(async () => {
  db = await createTestDatabase();
  store = await PgStore.open(db.url, { migrate: true, poolMax: 2 });
  poly = await startPolyVenue({
    clock: new SystemClock(),
    rng: new SeededRng(41),
    sim: { windowMs: 120_000 },
  });
  token = await openToken(poly, 20_000);
}, 60_000);

afterAll(async () => {
  for (const v of opened) v.close();
  await poly.stop();
  await store.close();
  await db.drop();
});

describe("the order-id mapping survives a restart of the live adapter", () => {
  it("an UNKNOWN order (5xx, yet accepted) is found by client id after a restart", async () => {
    const before = await adapter(1, store);
    poly.setFaults({ submit5xxFraction: 1, submit5xxAcceptedProbability: 1 });
    let r;
    try {
      r = await before.placeOrder(req("jr-1", 20_000), OPTS);
    } finally {
      poly.setFaults({ submit5xxFraction: 0 });
    }
    expect(r.outcome).toBe("unknown");
    // The hash is in PostgreSQL, written before the POST.
    const rows = (await store.auditFor("jr-1")).filter((a) => a.kind === "venue.order_hash");
    expect(rows).toHaveLength(1);
    const hash = (rows[0]?.detail as { hash: string }).hash;
    before.close();

    // "Restart": a new adapter, nothing in memory, the same database.
    const after = await adapter(2, store);
    const o = await after.getOrder({ clientOrderId: "jr-1" }, OPTS);
    expect(o).toMatchObject({
      venueOrderId: hash,
      clientOrderId: "jr-1",
      status: "OPEN",
      tokenId: token,
      price: 20_000,
      size: 5 * M,
    });
    // A retried place with the same client id is idempotent: no second order is signed.
    const again = await after.placeOrder(req("jr-1", 20_000), OPTS);
    expect(again).toMatchObject({ outcome: "accepted", venueOrderId: hash });
    const mine = (await after.openOrders(OPTS)).items.filter((x) => x.clientOrderId === "jr-1");
    expect(mine.map((x) => x.venueOrderId)).toEqual([hash]);
    // Events attach to the recovered order again: the open-orders list names its client id.
    await after.cancelOrder(hash, OPTS);
  });

  it("an UNKNOWN order that never reached the book resolves as absent after a restart", async () => {
    const before = await adapter(3, store);
    poly.setFaults({ submit5xxFraction: 1, submit5xxAcceptedProbability: 0 });
    try {
      expect((await before.placeOrder(req("jr-2", 21_000), OPTS)).outcome).toBe("unknown");
    } finally {
      poly.setFaults({ submit5xxFraction: 0 });
    }
    before.close();
    const after = await adapter(4, store);
    expect(await after.getOrder({ clientOrderId: "jr-2" }, OPTS)).toBeNull();
    // A client id we never signed is absent too.
    expect(await after.getOrder({ clientOrderId: "jr-never" }, OPTS)).toBeNull();
  });

  it("without the journal a restarted adapter cannot find the pre-restart order (the gap)", async () => {
    const before = await adapter(5, store);
    const r = await before.placeOrder(req("jr-3", 22_000), OPTS);
    expect(r.outcome).toBe("accepted");
    before.close();
    const memoryOnly = await adapter(6);
    expect(await memoryOnly.getOrder({ clientOrderId: "jr-3" }, OPTS)).toBeNull();
    const journaled = await adapter(7, store);
    const o = await journaled.getOrder({ clientOrderId: "jr-3" }, OPTS);
    expect(o?.clientOrderId).toBe("jr-3");
    if (o !== null) await journaled.cancelOrder(o.venueOrderId, OPTS);
  });

  it("a journal that cannot be read proves nothing: getOrder fails instead of answering absent", async () => {
    const broken: VenueJournal = {
      appendAudit: () => Promise.reject(new Error("database down")),
      auditFor: () => Promise.reject(new Error("database down")),
    };
    const v = await adapter(8, broken);
    await expect(v.getOrder({ clientOrderId: "jr-1" }, OPTS)).rejects.toThrow(/journal/);
    // And no order is sent when its hash cannot be journaled first.
    const r = await v.placeOrder(req("jr-4", 23_000), OPTS);
    expect(r.outcome).toBe("unknown");
    expect((await v.openOrders(OPTS)).items.some((x) => x.price === 23_000)).toBe(false);
  });
});

describe("DRY_RUN records are stored in PostgreSQL", () => {
  it("stores the signed body and the book at decision time, readable after a reconnect", async () => {
    const live = await adapter(9);
    const dry = new DryRunVenue(live, new SystemClock(), 100 * M, undefined, store);
    const off = dry.subscribeMarket(() => undefined);
    try {
      const start = Date.now();
      while (live.bookView(token)?.status !== "LIVE") {
        if (Date.now() - start > 10_000) throw new Error("no live book");
        await new Promise((r) => setTimeout(r, 20));
      }
      const ask = live.bookView(token)?.asks[0];
      if (ask === undefined) throw new Error("no ask");
      const size = Math.min(5 * M, ask.size);
      const r = await dry.placeOrder({ ...req("dr-1", ask.price), orderType: "FAK", size }, OPTS);
      expect(r.outcome).toBe("accepted");
      if (r.outcome !== "accepted") return;
      // A second connection: what a restarted process (or `predator audit dr-1`) would read.
      const reader = await PgStore.open(db.url, { poolMax: 1 });
      try {
        const rows = (await reader.auditFor("dr-1")).filter((a) => a.kind === "venue.dry_run");
        expect(rows).toHaveLength(1);
        const detail = rows[0]?.detail as {
          hash: string;
          body: { orderType: string; order: { tokenId: string; signature: string } };
          book: { asks: Array<{ price: number; size: number }> };
          trades: Array<{ size: number }>;
        };
        expect(detail.hash).toBe(r.venueOrderId);
        expect(detail.body.orderType).toBe("FAK");
        expect(detail.body.order.tokenId).toBe(token);
        expect(detail.body.order.signature).toMatch(/^0x[0-9a-f]{130}$/);
        expect(detail.book.asks[0]).toEqual(ask);
        expect(detail.trades.reduce((n, t) => n + t.size, 0)).toBe(size);
        expect(rows[0]).toMatchObject({ agent: "venue-live", orderId: "dr-1" });
      } finally {
        await reader.close();
      }
      // Nothing reached the venue.
      expect((await live.trades({}, OPTS)).items).toEqual([]);
    } finally {
      off();
    }
  });
});
