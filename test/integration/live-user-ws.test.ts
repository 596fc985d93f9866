/**
 * The live adapter's user channel against `predator venue` (issue 17): our fills arrive over the
 * authenticated `/ws/user` socket within milliseconds — REST polling is set to once a minute here,
 * so nothing else could deliver them in time — and a fill that lands while every socket is dropped
 * is delivered exactly once by the REST catch-up after the reconnect, never twice.
 */
import { restBook } from "../support/live-fleet.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { openToken } from "./live-support.ts";
import { startPolyVenue, type PolyVenue } from "../../infra/venue-poly/index.ts";
import { loadLiveVenue, type LiveVenue } from "../../infra/venue-live/index.ts";
import type { PlaceOrderRequest, UserEvent } from "../../agents/runtime/venue.ts";

const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const M = 1_000_000;
const OPTS = { timeoutMs: 5_000 };
/** Far beyond every bound below: only the socket or the reconnect's catch-up can deliver. */
const SLOW_POLL_MS = 60_000;
/** Socket delivery bound (well under HOLD_CATCH_UP_MS, 1 s, after which REST might step in). */
const SOCKET_BOUND_MS = 500;

let poly: PolyVenue;
let live: LiveVenue;
let token: string;
let n = 0;
const events: UserEvent[] = [];
const at = new Map<UserEvent, number>();

function req(over: Partial<PlaceOrderRequest>): PlaceOrderRequest {
  n++;
  return {
    clientOrderId: `u-${n}`,
    tokenId: token,
    side: "BUY",
    orderType: "GTC",
    price: 100_000,
    size: 5 * M,
    expiresAt: null,
    ...over,
  };
}

async function waitFor(what: string, cond: () => boolean, boundMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > boundMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const socketOpen = () => live.userChannelStats()?.state === "OPEN";
const ofOrder = (id: string) =>
  events.filter(
    (e) =>
      (e.type === "trade" && e.trade.venueOrderId === id) ||
      (e.type === "order" && e.order.venueOrderId === id),
  );
const label = (e: UserEvent) => (e.type === "trade" ? `trade ${e.trade.status}` : e.event);

/** A BUY resting one tick above the best bid, reported placed. */
async function restingBuy(): Promise<{ id: string; price: number }> {
  const bids = (await restBook(poly, token, Number.POSITIVE_INFINITY)).bids;
  const price = (bids[0]?.price ?? 10_000) + 10_000;
  const r = await live.placeOrder(req({ price }), OPTS);
  if (r.outcome !== "accepted") throw new Error(JSON.stringify(r));
  const id = r.venueOrderId;
  await waitFor("placed", () =>
    ofOrder(id).some((e) => e.type === "order" && e.event === "placed"),
  );
  return { id, price };
}

beforeAll(async () => {
  poly = await startPolyVenue({
    clock: new SystemClock(),
    rng: new SeededRng(71),
    // The providers never requote: only this test's orders move the book, so the SELL it adds
    // fills its resting BUY and nothing else does.
    sim: { liquidity: { requoteMs: 3_600_000 } },
  });
  live = await loadLiveVenue(
    {
      host: poly.url,
      wsUrl: poly.wsUrl,
      chainId: 137,
      privateKey: KEY,
      creds: null,
      signatureType: 0,
      userPollMs: SLOW_POLL_MS,
      userReconcileMs: SLOW_POLL_MS,
    },
    { clock: new SystemClock(), rng: new SeededRng(72) },
  );
  live.subscribeUser((e) => {
    events.push(e);
    at.set(e, performance.now());
  });
  token = await openToken(poly, 30_000);
  await waitFor("user socket open", socketOpen);
});

afterAll(async () => {
  live.close();
  await poly.stop();
});

describe("the user channel of the live adapter", () => {
  it("a maker fill arrives over the socket within milliseconds, trade before FILLED", async () => {
    const { id, price } = await restingBuy();
    const t0 = performance.now();
    poly.addLiquidity(token, "SELL", price, 5 * M);
    await waitFor(
      "filled over the socket",
      () => ofOrder(id).some((e) => e.type === "order" && e.event === "filled"),
      SOCKET_BOUND_MS,
    );
    const mine = ofOrder(id);
    const trade = mine.find((e): e is Extract<UserEvent, { type: "trade" }> => e.type === "trade");
    const filled = mine.find((e) => e.type === "order" && e.event === "filled");
    if (trade === undefined || filled === undefined) throw new Error("missing events");
    expect(trade.trade).toMatchObject({
      liquidity: "MAKER",
      side: "BUY",
      price,
      size: 5 * M,
      clientOrderId: `u-${n}`,
    });
    expect(mine.indexOf(filled)).toBeGreaterThan(mine.indexOf(trade));
    const latency = { trade: (at.get(trade) ?? 0) - t0, filled: (at.get(filled) ?? 0) - t0 };
    expect(latency.trade).toBeLessThan(SOCKET_BOUND_MS);
    process.stdout.write(
      `user-ws latency: trade ${latency.trade.toFixed(1)} ms, filled ${latency.filled.toFixed(1)} ms\n`,
    );
    expect(live.userChannelStats()).toMatchObject({ malformed: 0, unknown: 0, held: 0 });
  });

  it("a fill while every socket is down is delivered once by the catch-up after the reconnect", async () => {
    const { id, price } = await restingBuy();
    const before = live.userChannelStats()?.connects ?? 0;
    // Dropped and filled in one go: the venue has no user socket to tell when the fill happens.
    expect(poly.dropWebSockets()).toBeGreaterThan(0);
    poly.addLiquidity(token, "SELL", price, 5 * M);
    await waitFor(
      "filled after the reconnect",
      () => ofOrder(id).some((e) => e.type === "order" && e.event === "filled"),
      5_000,
    );
    expect(live.userChannelStats()?.connects).toBeGreaterThan(before);
    // Another reconnect, another catch-up over the same trades: nothing is reported twice.
    const connects = live.userChannelStats()?.connects ?? 0;
    poly.dropWebSockets();
    await waitFor("second reconnect", () => (live.userChannelStats()?.connects ?? 0) > connects);
    await waitFor("socket open", socketOpen);
    // Both catch-ups of the reconnect (at once, and a second later) have read the trades again.
    await new Promise((r) => setTimeout(r, 1_500));
    const mine = ofOrder(id).map(label);
    // Each trade status and each order state once; the fill after its trade.
    expect(new Set(mine).size).toBe(mine.length);
    expect(mine.filter((x) => x === "filled")).toHaveLength(1);
    expect(mine.findIndex((x) => x.startsWith("trade"))).toBeGreaterThan(0);
    expect(mine.indexOf("filled")).toBeGreaterThan(mine.findIndex((x) => x.startsWith("trade")));
    expect(mine[0]).toBe("placed");
  });
});
