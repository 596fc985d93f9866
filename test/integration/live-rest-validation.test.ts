/**
 * Issue 17: every REST answer the live adapter consumes is validated with zod. A proxy in front of
 * `predator venue` answers one endpoint at a time with a malformed body (after the venue has acted
 * on the request, where it changes anything): the adapter gives a VenueError (LIVE_MALFORMED)
 * naming the endpoint and the field, counts it, logs it once with a cut sample, and keeps its
 * state — the next, well-formed answer works as before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import type { Logger } from "../../agents/runtime/logger.ts";
import { VenueError, type PlaceOrderRequest } from "../../agents/runtime/venue.ts";
import { startPolyVenue, type PolyVenue } from "../../infra/venue-poly/index.ts";
import { loadLiveVenue, type LiveVenue } from "../../infra/venue-live/index.ts";
import { startRestProxy, type RestProxy } from "../support/rest-proxy.ts";
import { openToken } from "./live-support.ts";

const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const OPTS = { timeoutMs: 5_000 };
const M = 1_000_000;

let poly: PolyVenue;
let proxy: RestProxy;
let live: LiveVenue;
let token: string;
let n = 0;
const warnings: Array<Record<string, unknown>> = [];
const log = {
  warn: (o: Record<string, unknown>) => warnings.push(o),
  info: () => undefined,
  debug: () => undefined,
} as unknown as Logger;

function req(over: Partial<PlaceOrderRequest> = {}): PlaceOrderRequest {
  n++;
  return {
    clientOrderId: `v-${n}`,
    tokenId: token,
    side: "BUY",
    orderType: "GTC",
    price: 20_000,
    size: 5 * M,
    expiresAt: null,
    ...over,
  };
}

/** The VenueError a call fails with (or a test failure when it does not fail). */
async function venueError(p: Promise<unknown>): Promise<VenueError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof VenueError) return e;
    throw e;
  }
  throw new Error("expected a VenueError");
}

/** Answers `method path` with `body` (after forwarding) for the duration of `fn`. */
async function garbled<T>(
  method: string,
  path: string,
  body: unknown,
  fn: () => Promise<T>,
): Promise<T> {
  proxy.override(method, path, { body, forward: true });
  try {
    return await fn();
  } finally {
    proxy.override(method, path, null);
  }
}

beforeAll(async () => {
  poly = await startPolyVenue({ clock: new SystemClock(), rng: new SeededRng(23) });
  proxy = await startRestProxy(poly.url);
  live = await loadLiveVenue(
    {
      host: proxy.url,
      wsUrl: poly.wsUrl,
      chainId: 137,
      privateKey: KEY,
      creds: null,
      signatureType: 0,
      userChannel: false,
    },
    { clock: new SystemClock(), rng: new SeededRng(4), log },
  );
  token = await openToken(poly, 30_000);
});

afterAll(async () => {
  live.close();
  await proxy.stop();
  await poly.stop();
});

describe("malformed REST answers are venue errors, counted and logged, never state", () => {
  it("POST /order: the order is not rejected; it stays findable by its hash", async () => {
    const r = req();
    const rejected = live.restRejected.count;
    const e = await garbled("POST", "/order", { success: "yes", orderID: 12 }, () =>
      venueError(live.placeOrder(r, OPTS)),
    );
    expect(e.code).toBe("LIVE_MALFORMED");
    expect(e.message).toMatch(/^live POST \/order: success /);
    expect(live.restRejected.count).toBe(rejected + 1);
    const logged = warnings.find((w) => w.what === "POST /order");
    expect(logged?.sample).toBe('{"success":"yes","orderID":12}');
    // The venue accepted it: the adapter still knows the order by its client id.
    const o = await live.getOrder({ clientOrderId: r.clientOrderId }, OPTS);
    expect(o?.status).toBe("OPEN");
    await live.cancelAll(OPTS);
  });

  it("DELETE /order and DELETE /cancel-all", async () => {
    const placed = await live.placeOrder(req(), OPTS);
    if (placed.outcome !== "accepted") throw new Error(JSON.stringify(placed));
    const e = await garbled("DELETE", "/order", { canceled: "all of them" }, () =>
      venueError(live.cancelOrder(placed.venueOrderId, OPTS)),
    );
    expect(e.message).toMatch(/^live DELETE \/order: canceled /);
    const e2 = await garbled("DELETE", "/cancel-all", { cancelled: [] }, () =>
      venueError(live.cancelAll(OPTS)),
    );
    expect(e2.message).toMatch(/^live DELETE \/cancel-all: canceled /);
    expect((await live.cancelAll(OPTS)).cancelled).toEqual([]);
  });

  it("GET /balance-allowance", async () => {
    const e = await garbled("GET", "/balance-allowance", { balance: "lots" }, () =>
      venueError(live.balance(OPTS)),
    );
    expect(e.message).toMatch(/^live GET \/balance-allowance: balance expected an integer/);
    expect((await live.balance(OPTS)).value.collateral).toBeGreaterThan(0);
  });

  it("POST /v1/heartbeats", async () => {
    const e = await garbled("POST", "/v1/heartbeats", { beat: true }, () =>
      venueError(live.heartbeat(OPTS)),
    );
    expect(e.message).toMatch(/^live POST \/v1\/heartbeats: heartbeat_id expected/);
    expect((await live.heartbeat(OPTS)).deadlineTs).toBeGreaterThan(Date.now());
  });

  it("GET /data/orders and /data/trades: a malformed row, an unknown body", async () => {
    const page = (data: unknown) => ({ data, next_cursor: "LTE=", limit: 100, count: 1 });
    const e = await garbled("GET", "/data/orders", page([{ id: 5 }]), () =>
      venueError(live.openOrders(OPTS)),
    );
    expect(e.code).toBe("LIVE_MALFORMED");
    expect(e.message).toMatch(/^live open-orders: order: id /);
    const t = await garbled("GET", "/data/trades", page([{ id: "t-1" }]), () =>
      live.trades({}, OPTS),
    );
    expect(t.complete).toBe(false);
    const unknown = await garbled("GET", "/data/orders", { oops: 1 }, () =>
      venueError(live.openOrders({ timeoutMs: 1_500 })),
    );
    expect(unknown.code).toBe("LIVE_PAGE_UNREADABLE");
    expect(unknown.message).toMatch(
      /^live open-orders: a page was refused \(429\?\) or not understood/,
    );
    expect((await live.openOrders(OPTS)).complete).toBe(true);
  });

  it("GET /markets: a malformed page fails the call, a malformed row is left out", async () => {
    const e = await garbled("GET", "/markets", { data: "none", next_cursor: "LTE=" }, () =>
      venueError(live.markets(OPTS)),
    );
    expect(e.code).toBe("LIVE_MALFORMED");
    expect(e.message).toMatch(/^live GET \/markets: data /);
    const rejected = live.restRejected.count;
    const r = await garbled(
      "GET",
      "/markets",
      { data: [{ market_slug: 7, tokens: [] }], next_cursor: "LTE=" },
      () => live.markets(OPTS),
    );
    expect(r).toMatchObject({ complete: false, items: [] });
    expect(live.restRejected.count).toBe(rejected + 1);
    expect((await live.markets(OPTS)).items.length).toBeGreaterThan(0);
  });
});
