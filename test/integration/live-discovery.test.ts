/**
 * Issue 17: the live adapter finds the current and next window of each configured instrument by
 * their deterministic slugs (Gamma `GET /events?slug=`), with a bounded number of requests however
 * many markets the venue lists, and pages the CLOB list only when a lookup fails. Requests are
 * counted by a proxy in front of `predator venue` (41 windows, 2 markets per page).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import type { Logger } from "../../agents/runtime/logger.ts";
import { startPolyVenue, type PolyVenue } from "../../infra/venue-poly/index.ts";
import {
  loadLiveVenue,
  type LiveVenue,
  type LiveVenueSettings,
} from "../../infra/venue-live/index.ts";
import { windowSlugs } from "../../infra/venue-live/rest-wire.ts";
import { startRestProxy, type RestProxy } from "../support/rest-proxy.ts";

const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const OPTS = { timeoutMs: 5_000 };
const WINDOWS = 41;
const PAGE_SIZE = 2;
const PAGES = Math.ceil(WINDOWS / PAGE_SIZE);

let poly: PolyVenue;
let proxy: RestProxy;
let bySlug: LiveVenue;
let paged: LiveVenue;
const warnings: Array<Record<string, unknown>> = [];
const log = {
  warn: (o: Record<string, unknown>) => warnings.push(o),
  info: () => undefined,
  debug: () => undefined,
} as unknown as Logger;

function settings(over: Partial<LiveVenueSettings>): LiveVenueSettings {
  return {
    host: proxy.url,
    wsUrl: poly.wsUrl,
    chainId: 137,
    privateKey: KEY,
    creds: null,
    signatureType: 0,
    userChannel: false,
    ...over,
  };
}

beforeAll(async () => {
  poly = await startPolyVenue({
    clock: new SystemClock(),
    rng: new SeededRng(17),
    sim: { listAheadWindows: WINDOWS - 1 },
    pageSize: PAGE_SIZE,
  });
  proxy = await startRestProxy(poly.url);
  const deps = { clock: new SystemClock(), rng: new SeededRng(3), log };
  bySlug = await loadLiveVenue(settings({ instruments: ["btc-updown-15m"] }), deps);
  paged = await loadLiveVenue(settings({}), deps);
});

afterAll(async () => {
  bySlug.close();
  paged.close();
  await proxy.stop();
  await poly.stop();
});

describe("market discovery by slug", () => {
  it("finds the current and next window with two requests, never paging the market list", async () => {
    expect(poly.windows()).toHaveLength(WINDOWS);
    proxy.reset();
    const r = await bySlug.markets(OPTS);
    const expected = windowSlugs("btc-updown-15m", r.asOf)?.map((w) => w.slug);
    expect(r.items.map((m) => m.slug)).toEqual(expected);
    expect(proxy.count("GET", "/markets")).toBe(0);
    expect(proxy.count("GET", "/events")).toBe(2);
    expect(proxy.total()).toBe(2);
    const venue = new Map(poly.windows().map((w) => [w.slug, w]));
    for (const m of r.items) {
      const w = venue.get(m.slug);
      expect(m).toMatchObject({
        upTokenId: w?.upTokenId,
        downTokenId: w?.downTokenId,
        startTs: w?.startTs,
        endTs: w?.endTs,
        status: w?.status,
        tickSize: 10_000,
        minSize: 5_000_000,
      });
    }
    expect(bySlug.discoveryStats()).toMatchObject({ slugLookups: 2, fallbacks: 0, pages: 0 });
  });

  it("before (no instruments configured): the whole list is paged, one request per page", async () => {
    proxy.reset();
    const r = await paged.markets(OPTS);
    expect(r.items).toHaveLength(WINDOWS);
    expect(proxy.count("GET", "/markets")).toBe(PAGES);
    expect(proxy.count("GET", "/events")).toBe(0);
  });

  it("a failed lookup falls back to the paged list, counted and logged", async () => {
    proxy.override("GET", "/events", { status: 500, body: { error: "boom" } });
    try {
      proxy.reset();
      const before = bySlug.discoveryStats();
      const r = await bySlug.markets(OPTS);
      expect(r.items).toHaveLength(WINDOWS);
      expect(proxy.count("GET", "/markets")).toBe(PAGES);
      const after = bySlug.discoveryStats();
      expect(after.fallbacks - before.fallbacks).toBe(1);
      expect(after.slugFailures - before.slugFailures).toBeGreaterThanOrEqual(1);
      expect(warnings.some((w) => /HTTP 500 boom/.test(String(w.reason)))).toBe(true);
    } finally {
      proxy.override("GET", "/events", null);
    }
  });

  it("a malformed Gamma answer names the field, is counted with a cut sample, and falls back", async () => {
    const slug = windowSlugs("btc-updown-15m", Date.now())?.[0]?.slug ?? "";
    proxy.override("GET", "/events", {
      body: [
        {
          slug,
          markets: [
            { slug, outcomes: '["Up","Down"]', clobTokenIds: "not json", x: "x".repeat(500) },
          ],
        },
      ],
    });
    try {
      const rejected = bySlug.restRejected.count;
      const fallbacks = bySlug.discoveryStats().fallbacks;
      const r = await bySlug.markets(OPTS);
      expect(r.items).toHaveLength(WINDOWS);
      expect(bySlug.restRejected.count).toBeGreaterThan(rejected);
      expect(bySlug.discoveryStats().fallbacks).toBe(fallbacks + 1);
      const logged = warnings.find((w) => w.what === "gamma /events");
      expect(String(logged?.reason)).toMatch(
        /^GET \/events: 0\.markets\.0\.clobTokenIds expected a JSON-encoded array/,
      );
      expect(String(logged?.sample).length).toBeLessThanOrEqual(200);
    } finally {
      proxy.override("GET", "/events", null);
    }
  });

  it("the compatible venue answers Gamma's shapes: /events?slug= and /events/slug/{slug}", async () => {
    const w = poly.windows()[0];
    if (w === undefined) throw new Error("no window");
    const list = (await (await fetch(`${poly.url}/events?slug=${w.slug}`)).json()) as unknown[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      slug: w.slug,
      ticker: w.slug,
      markets: [
        {
          slug: w.slug,
          conditionId: w.conditionId,
          outcomes: '["Up","Down"]',
          clobTokenIds: JSON.stringify([w.upTokenId, w.downTokenId]),
          eventStartTime: new Date(w.startTs).toISOString(),
          endDate: new Date(w.endTs).toISOString(),
          closed: false,
        },
      ],
    });
    expect(await (await fetch(`${poly.url}/events?slug=btc-updown-15m-1`)).json()).toEqual([]);
    const one = await fetch(`${poly.url}/events/slug/${w.slug}`);
    expect(((await one.json()) as { slug: string }).slug).toBe(w.slug);
    expect((await fetch(`${poly.url}/events/slug/nope`)).status).toBe(404);
  });
});
