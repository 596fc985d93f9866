/**
 * Rate limits offline (issue 17): `predator venue` enforcing Polymarket's per-class limits answers
 * 429 with `retry_after_seconds` and Retry-After; the live adapter backs the class off for that
 * long (no retry storm), retries reads within the caller's deadline, reports a refused POST as
 * rejected (nothing created), and, throttling itself at the venue's limit, never sees a 429.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { startPolyVenue, type PolyVenue } from "../../infra/venue-poly/index.ts";
import { loadLiveVenue, type LiveVenue } from "../../infra/venue-live/index.ts";
import { openToken } from "./live-support.ts";

const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const M = 1_000_000;
const OPTS = { timeoutMs: 8_000 };
const DATA_RULE = { limit: 2, windowMs: 1_000 };

let poly: PolyVenue;
const adapters: LiveVenue[] = [];

async function adapter(
  rules: Record<string, { limit: number; windowMs: number }>,
  backoffInitialMs = 500,
) {
  const live = await loadLiveVenue(
    {
      host: poly.url,
      wsUrl: poly.wsUrl,
      chainId: 137,
      privateKey: KEY,
      creds: null,
      signatureType: 0,
    },
    { clock: new SystemClock(), rng: new SeededRng(3), throttle: { rules, backoffInitialMs } },
  );
  adapters.push(live);
  return live;
}

async function venueRateLimited(): Promise<number> {
  const r = await fetch(`${poly.url}/_predator/stats`);
  return ((await r.json()) as { rateLimited: number }).rateLimited;
}

beforeAll(async () => {
  poly = await startPolyVenue({
    clock: new SystemClock(),
    rng: new SeededRng(17),
    sim: { liquidity: { enabled: false } },
    rateLimits: { "data-orders": DATA_RULE, order: { limit: 1, windowMs: 60_000 } },
  });
});

afterAll(async () => {
  for (const a of adapters) a.close();
  await poly.stop();
});

describe("429 handling by the live adapter", () => {
  it("backs off after each 429 and retries reads: every call succeeds, no storm", async () => {
    // The adapter believes the limit is far higher, so the venue's 429s are what slow it down.
    // Its backoff (0.5–1 s) outlasts the venue's refill (0.5 s a token).
    const live = await adapter({ "data-orders": { limit: 1_000, windowMs: 1_000 } }, 1_000);
    const before = await venueRateLimited();
    const started = Date.now();
    for (let i = 0; i < 6; i++) {
      const open = await live.openOrders(OPTS);
      expect(open.complete).toBe(true);
    }
    const elapsed = Date.now() - started;
    const seen = live.throttle.stats.rateLimited;
    expect(seen).toBeGreaterThanOrEqual(1);
    // Every 429 the venue sent was seen once and waited out: none was answered by an immediate
    // retry (a storm would show many more 429s than calls).
    expect((await venueRateLimited()) - before).toBe(seen);
    expect(seen).toBeLessThanOrEqual(5);
    // 6 reads at 2 per second need at least 2 s whatever the path.
    expect(elapsed).toBeGreaterThanOrEqual(1_500);
  });

  it("throttling itself just under the venue's limit, it never gets a 429", async () => {
    // A margin for network jitter between the adapter's clock and the venue's.
    const live = await adapter({ "data-orders": { limit: 2, windowMs: 1_300 } });
    // A fresh second for the venue's bucket of this key (shared by both adapters' key).
    await new Promise((r) => setTimeout(r, 1_100));
    const before = await venueRateLimited();
    for (let i = 0; i < 5; i++) await live.openOrders(OPTS);
    expect(await venueRateLimited()).toBe(before);
    expect(live.throttle.stats.waits).toBeGreaterThanOrEqual(1);
  });

  it("a POST answered 429 is rejected (VENUE_UNAVAILABLE) and creates nothing", async () => {
    const live = await adapter({});
    const token = await openToken(poly, 20_000);
    const req = (id: string) => ({
      clientOrderId: id,
      tokenId: token,
      side: "BUY" as const,
      orderType: "GTC" as const,
      price: 100_000,
      size: 5 * M,
      expiresAt: null,
    });
    const first = await live.placeOrder(req("rl-1"), OPTS);
    expect(first.outcome).toBe("accepted");
    const second = await live.placeOrder(req("rl-2"), OPTS);
    expect(second).toMatchObject({ outcome: "rejected", code: "VENUE_UNAVAILABLE" });
    const open = await live.openOrders(OPTS);
    expect(open.items).toHaveLength(1);
    // The class is now blocked for the venue's Retry-After: a third order with a short deadline
    // is refused locally, without a request.
    const before = await venueRateLimited();
    const third = await live.placeOrder(req("rl-3"), { timeoutMs: 1_000 });
    expect(third).toMatchObject({ outcome: "rejected", code: "VENUE_UNAVAILABLE" });
    expect(await venueRateLimited()).toBe(before);
    await live.cancelAll(OPTS);
  });
});
