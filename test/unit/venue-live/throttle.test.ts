/**
 * The live adapter's rate limiting (issue 17): a token bucket per endpoint class, bounded
 * concurrency, and after a 429 the class waits — Retry-After when given, else a jittered
 * exponential backoff — with nothing sent past the caller's deadline. On a virtual clock.
 */
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import {
  POLYMARKET_RATE_LIMITS,
  TokenBucket,
  rateClassOf,
  rateRules,
} from "../../../infra/venue-live/rate-limit.ts";
import { RateLimitedError, Throttle } from "../../../infra/venue-live/throttle.ts";

/** Runs the clock until `p` settles (bounded), then returns its value. */
async function drive<T>(clock: VirtualClock, p: Promise<T>): Promise<T> {
  const state = { settled: false };
  const mark = () => {
    state.settled = true;
  };
  p.then(mark, mark);
  for (let i = 0; i < 10_000 && !state.settled; i++) {
    // Let pending continuations run before moving time (a settled promise stops the loop).
    await Promise.resolve();
    if (!(await clock.step())) await Promise.resolve();
  }
  return p;
}

describe("endpoint classes and buckets", () => {
  it("classifies the CLOB paths the client calls", () => {
    expect(rateClassOf("POST", "/order")).toBe("order");
    expect(rateClassOf("DELETE", "/order")).toBe("cancel");
    expect(rateClassOf("POST", "/orders")).toBe("orders");
    expect(rateClassOf("DELETE", "/cancel-all")).toBe("cancel-all");
    expect(rateClassOf("GET", "/book")).toBe("book");
    expect(rateClassOf("POST", "/books")).toBe("batch-read");
    expect(rateClassOf("GET", "/price")).toBe("price");
    expect(rateClassOf("GET", "/sampling-simplified-markets")).toBe("markets");
    expect(rateClassOf("GET", "/data/order/0xabc")).toBe("data-orders");
    expect(rateClassOf("GET", "/data/trades")).toBe("data-trades");
    expect(rateClassOf("GET", "/balance-allowance/update")).toBe("balance");
    expect(rateClassOf("POST", "/v1/heartbeats")).toBe("heartbeat");
    expect(rateClassOf("GET", "/time")).toBe("general");
  });

  it("a bucket grants `limit` at once, then one per window/limit", () => {
    const b = new TokenBucket({ limit: 3, windowMs: 900 }, 0);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([0, 0, 0]);
    expect(b.take(0)).toBe(300);
    expect(b.take(299)).toBe(1);
    expect(b.take(300)).toBe(0);
  });

  it("refuses unknown classes and bad numbers by name", () => {
    expect(() => rateRules({ orderz: { limit: 1, windowMs: 1 } })).toThrow(
      /unknown rate class orderz/,
    );
    expect(() => rateRules({ order: { limit: 0, windowMs: 1 } })).toThrow(/rate class order/);
    expect(rateRules({}).order).toEqual(POLYMARKET_RATE_LIMITS.order);
  });
});

describe("Throttle", () => {
  it("waits for the bucket instead of sending over the limit", async () => {
    const clock = new VirtualClock(0);
    const t = new Throttle(clock, new SeededRng(1), {
      rules: { book: { limit: 2, windowMs: 1_000 } },
    });
    const sentAt: number[] = [];
    for (let i = 0; i < 4; i++) {
      const release = await drive(clock, t.acquire("book", 10_000));
      sentAt.push(clock.now());
      release();
    }
    expect(sentAt).toEqual([0, 0, 500, 1_000]);
  });

  it("after a 429 the class waits Retry-After; other classes do not", async () => {
    const clock = new VirtualClock(0);
    const t = new Throttle(clock, new SeededRng(1));
    expect(t.rateLimited("data-orders", 2_000)).toBe(2_000);
    (await drive(clock, t.acquire("book", 10_000)))();
    expect(clock.now()).toBe(0);
    (await drive(clock, t.acquire("data-orders", 10_000)))();
    expect(clock.now()).toBe(2_000);
  });

  it("without Retry-After, backs off exponentially with jitter, and starts over after a success", () => {
    const clock = new VirtualClock(0);
    const t = new Throttle(clock, new SeededRng(7), { backoffInitialMs: 100, backoffMaxMs: 1_000 });
    const waits = [0, 1, 2, 3, 4, 5].map(() => t.rateLimited("order", null));
    // Equal jitter: each wait in [ceiling/2, ceiling], ceilings 100, 200, 400, 800, 1000, 1000.
    const ceilings = [100, 200, 400, 800, 1_000, 1_000];
    waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual((ceilings[i] ?? 0) / 2);
      expect(w).toBeLessThanOrEqual(ceilings[i] ?? 0);
    });
    t.succeeded("order");
    expect(t.rateLimited("order", null)).toBeLessThanOrEqual(100);
  });

  it("refuses at once a wait that would end past the deadline", async () => {
    const clock = new VirtualClock(0);
    const t = new Throttle(clock, new SeededRng(1));
    t.rateLimited("order", 5_000);
    await expect(t.acquire("order", 1_000)).rejects.toBeInstanceOf(RateLimitedError);
    expect(clock.now()).toBe(0);
    expect(t.stats.refused).toBe(1);
  });

  it("bounds requests in flight per class (no storm after a reconnect)", async () => {
    const clock = new VirtualClock(0);
    const t = new Throttle(clock, new SeededRng(1), { concurrencyMax: 2 });
    const r1 = await t.acquire("book", 1_000);
    await t.acquire("book", 1_000);
    let third = false;
    const p = t.acquire("book", 1_000).then((r) => {
      third = true;
      return r;
    });
    await Promise.resolve();
    expect(third).toBe(false);
    r1();
    await p; // held: two in flight again
    expect(third).toBe(true);
    // A waiter whose deadline passes first is refused.
    const late = t.acquire("book", 500);
    const seen = drive(clock, late).catch((e: unknown) => e);
    expect(await seen).toBeInstanceOf(RateLimitedError);
  });
});
