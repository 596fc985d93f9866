/**
 * The live Venue adapter (official @polymarket/clob-client-v2, viem signer) against `predator
 * venue` (infra/venue-poly): key derivation, every order type, partial fills, cancels, the
 * ambiguous 5xx resolving either way, ghost fills, the dead-man heartbeat.
 */
import { restBook } from "../support/live-fleet.ts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SystemClock, VirtualClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { openToken } from "./live-support.ts";
import { startPolyVenue, type PolyVenue } from "../../infra/venue-poly/index.ts";
import {
  loadLiveVenue,
  type LiveVenue,
  type LiveVenueSettings,
} from "../../infra/venue-live/index.ts";
import type { PlaceOrderRequest, UserEvent } from "../../agents/runtime/venue.ts";

const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const M = 1_000_000;
const OPTS = { timeoutMs: 5_000 };

let poly: PolyVenue;
let live: LiveVenue;
let settings: LiveVenueSettings;
let token: string;
let n = 0;

function req(over: Partial<PlaceOrderRequest>): PlaceOrderRequest {
  n++;
  return {
    clientOrderId: `c-${n}`,
    tokenId: token,
    side: "BUY",
    orderType: "GTC",
    price: 100_000,
    size: 5 * M,
    expiresAt: null,
    ...over,
  };
}

async function waitFor(what: string, cond: () => Promise<boolean>, boundMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > boundMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const askLevels = async () => (await restBook(poly, token, Number.POSITIVE_INFINITY)).asks;
const bidLevels = async () => (await restBook(poly, token, Number.POSITIVE_INFINITY)).bids;

beforeAll(async () => {
  poly = await startPolyVenue({
    clock: new SystemClock(),
    rng: new SeededRng(5),
    sim: { heartbeatTimeoutMs: 400 },
  });
  settings = {
    host: poly.url,
    wsUrl: poly.wsUrl,
    chainId: 137 as const,
    privateKey: KEY,
    creds: null,
    signatureType: 0 as const,
    userPollMs: 100,
  };
  live = await loadLiveVenue(settings, { clock: new SystemClock(), rng: new SeededRng(9) });
  token = await openToken(poly, 30_000);
});

afterAll(async () => {
  live.close();
  await poly.stop();
});

describe("live adapter against the Polymarket-compatible venue", () => {
  it("derives the API key from the wallet (twice: the same key)", async () => {
    const again = await loadLiveVenue(
      {
        host: poly.url,
        wsUrl: poly.wsUrl,
        chainId: 137,
        privateKey: KEY,
        creds: null,
        signatureType: 0,
      },
      { clock: new SystemClock(), rng: new SeededRng(1) },
    );
    expect(again.address).toBe(live.address);
    again.close();
  });

  it("GTC: accepted with the order hash as id, listed, cancelled", async () => {
    const r = await live.placeOrder(req({ price: 20_000 }), OPTS);
    expect(r.outcome).toBe("accepted");
    if (r.outcome !== "accepted") return;
    expect(r.venueOrderId).toMatch(/^0x[0-9a-f]{64}$/);
    expect(r.status).toBe("OPEN");
    const open = await live.openOrders(OPTS);
    expect(open.items.map((o) => o.venueOrderId)).toContain(r.venueOrderId);
    const byClient = await live.getOrder({ clientOrderId: `c-${n}` }, OPTS);
    expect(byClient?.venueOrderId).toBe(r.venueOrderId);
    const c = await live.cancelOrder(r.venueOrderId, OPTS);
    expect(c.cancelled).toEqual([r.venueOrderId]);
    expect((await live.getOrder({ venueOrderId: r.venueOrderId }, OPTS))?.status).toBe("CANCELLED");
  });

  it("FOK crossing resting liquidity fills completely as taker", async () => {
    poly.addLiquidity(token, "SELL", 970_000, 10 * M);
    const r = await live.placeOrder(req({ orderType: "FOK", price: 970_000, size: 5 * M }), OPTS);
    expect(r).toMatchObject({ outcome: "accepted", status: "FILLED", filledSize: 5 * M });
    const trades = await live.trades({}, OPTS);
    const ours = trades.items.filter(
      (t) => r.outcome === "accepted" && t.venueOrderId === r.venueOrderId,
    );
    expect(ours.reduce((s, t) => s + t.size, 0)).toBe(5 * M);
    expect(ours.every((t) => t.liquidity === "TAKER")).toBe(true);
  });

  it("FAK takes what is there and the remainder is cancelled", async () => {
    poly.addLiquidity(token, "SELL", 980_000, 5 * M);
    // Whatever rests at or below 0.98 (ours plus the market maker's) fills; ask for 5 more.
    const depth = (await askLevels())
      .filter((l) => l.price <= 980_000)
      .reduce((s, l) => s + l.size, 0);
    const r = await live.placeOrder(
      req({ orderType: "FAK", price: 980_000, size: depth + 5 * M }),
      OPTS,
    );
    expect(r.outcome).toBe("accepted");
    if (r.outcome !== "accepted") return;
    expect(r.filledSize).toBe(depth);
    expect(r.status).toBe("CANCELLED");
  });

  it("GTC partially filled by a later counterparty", async () => {
    // Rest one tick above the best bid, so the counterparty's sell meets us first.
    const bids = await bidLevels();
    const price = (bids[0]?.price ?? 10_000) + 10_000;
    const r = await live.placeOrder(req({ price, size: 10 * M }), OPTS);
    if (r.outcome !== "accepted") throw new Error(JSON.stringify(r));
    expect(r.status).toBe("OPEN");
    poly.addLiquidity(token, "SELL", price, 4 * M);
    await waitFor(
      "partial fill",
      async () =>
        (await live.getOrder({ venueOrderId: r.venueOrderId }, OPTS))?.filledSize === 4 * M,
    );
    const o = await live.getOrder({ venueOrderId: r.venueOrderId }, OPTS);
    expect(o).toMatchObject({ status: "PARTIALLY_FILLED", filledSize: 4 * M, remaining: 6 * M });
    await live.cancelOrder(r.venueOrderId, OPTS);
  });

  it("a refusal the venue proves is rejected (below the minimum size)", async () => {
    const r = await live.placeOrder(req({ size: 1 * M, price: 20_000 }), OPTS);
    expect(r).toMatchObject({ outcome: "rejected", code: "MIN_SIZE" });
  });

  it("a 5xx is unknown, and resolves by the precomputed hash either way", async () => {
    const seen = { exists: 0, absent: 0 };
    poly.setFaults({ submit5xxFraction: 1, submit5xxAcceptedProbability: 0.5 });
    try {
      for (let i = 0; i < 8 && (seen.exists === 0 || seen.absent === 0); i++) {
        const request = req({ price: 10_000 + i * 1_000 });
        const r = await live.placeOrder(request, OPTS);
        expect(r.outcome).toBe("unknown");
        const o = await live.getOrder({ clientOrderId: request.clientOrderId }, OPTS);
        if (o === null) seen.absent++;
        else {
          seen.exists++;
          await live.cancelOrder(o.venueOrderId, OPTS);
        }
      }
    } finally {
      poly.setFaults({ submit5xxFraction: 0 });
    }
    expect(seen.exists).toBeGreaterThan(0);
    expect(seen.absent).toBeGreaterThan(0);
  });

  it("a ghost fill shows as MATCHED then FAILED", async () => {
    poly.setFaults({ ghostFillProbability: 1 });
    try {
      poly.addLiquidity(token, "SELL", 990_000, 5 * M);
      const r = await live.placeOrder(req({ orderType: "FOK", price: 990_000, size: 5 * M }), OPTS);
      if (r.outcome !== "accepted") throw new Error(JSON.stringify(r));
      await waitFor("FAILED", async () =>
        (await live.trades({}, OPTS)).items.some(
          (t) => t.venueOrderId === r.venueOrderId && t.status === "FAILED",
        ),
      );
    } finally {
      poly.setFaults({ ghostFillProbability: 0 });
    }
  });

  it("a resting order filled later is reported on the user stream: order and maker trade", async () => {
    const events: UserEvent[] = [];
    const off = live.subscribeUser((e) => events.push(e));
    try {
      const price = ((await bidLevels())[0]?.price ?? 10_000) + 10_000;
      const r = await live.placeOrder(req({ price, size: 5 * M }), OPTS);
      if (r.outcome !== "accepted") throw new Error(JSON.stringify(r));
      poly.addLiquidity(token, "SELL", price, 5 * M);
      const filled = () =>
        events.some(
          (e) =>
            e.type === "order" && e.order.venueOrderId === r.venueOrderId && e.event === "filled",
        );
      await waitFor("filled event", () => Promise.resolve(filled()));
      // The order's FILLED never overtakes its trade: the trade is already there.
      const trade = events.find(
        (e) => e.type === "trade" && e.trade.venueOrderId === r.venueOrderId,
      );
      expect(trade?.type === "trade" && trade.trade).toMatchObject({
        liquidity: "MAKER",
        side: "BUY",
        size: 5 * M,
        price,
        fee: 0,
      });
    } finally {
      off();
    }
  });

  it("an order's FILLED never overtakes its trade, even when the fill lands mid-poll", async () => {
    // Polls run only when this test moves the clock, and the fill lands right after the poll's
    // first read: between reading the order and reading the trades (or the other way round).
    // The REST path alone (no user socket): the ordering of its two reads is what is tested.
    const clock = new VirtualClock(Date.now());
    const polled = await loadLiveVenue(
      { ...settings, userChannel: false },
      { clock, rng: new SeededRng(11) },
    );
    const events: UserEvent[] = [];
    const off = polled.subscribeUser((e) => events.push(e));
    try {
      const price = ((await bidLevels())[0]?.price ?? 10_000) + 10_000;
      const r = await polled.placeOrder(req({ price, size: 5 * M }), OPTS);
      if (r.outcome !== "accepted") throw new Error(JSON.stringify(r));
      let armed = true;
      const fillNow = () => {
        if (!armed) return;
        armed = false;
        poly.addLiquidity(token, "SELL", price, 5 * M);
      };
      const getOrder = polled.getOrder.bind(polled);
      const trades = polled.trades.bind(polled);
      vi.spyOn(polled, "getOrder").mockImplementation(async (q, o) => {
        const got = await getOrder(q, o);
        fillNow();
        return got;
      });
      vi.spyOn(polled, "trades").mockImplementation(async (q, o) => {
        const got = await trades(q, o);
        fillNow();
        return got;
      });
      const ofOrder = (e: UserEvent) =>
        (e.type === "order" && e.order.venueOrderId === r.venueOrderId) ||
        (e.type === "trade" && e.trade.venueOrderId === r.venueOrderId);
      const isFilled = (e: UserEvent) => e.type === "order" && e.event === "filled";
      for (let poll = 1; poll <= 3 && !events.some((e) => ofOrder(e) && isFilled(e)); poll++) {
        const seen = events.length;
        await clock.advance(100);
        // Every poll emits something for this order until it is FILLED (placed, trade, filled).
        await waitFor(`poll ${poll}`, () => Promise.resolve(events.length > seen));
      }
      const mine = events.filter(ofOrder).map((e) => (isFilled(e) ? "filled" : e.type));
      expect(mine.indexOf("filled")).toBeGreaterThan(mine.indexOf("trade"));
      expect(mine.indexOf("trade")).toBeGreaterThanOrEqual(0);
    } finally {
      off();
      polled.close();
    }
  });

  it("balance and allowance come from the balance-allowance endpoint", async () => {
    const b = await live.balance(OPTS);
    expect(b.value.collateral).toBeGreaterThan(0);
    expect(b.value.allowance).toBeGreaterThan(0);
  });

  it("heartbeats keep orders alive; silence past the deadline cancels them all", async () => {
    const hb = await live.heartbeat(OPTS);
    expect(hb.deadlineTs).toBeGreaterThan(Date.now());
    const r = await live.placeOrder(req({ price: 20_000 }), OPTS);
    if (r.outcome !== "accepted") throw new Error(JSON.stringify(r));
    await waitFor(
      "dead-man cancel",
      async () =>
        (await live.getOrder({ venueOrderId: r.venueOrderId }, OPTS))?.status === "CANCELLED",
      5_000,
    );
  });
});
