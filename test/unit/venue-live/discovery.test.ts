/**
 * Discovery by slug on a fake Gamma (a fetch stub): the current and next window of each
 * instrument, an ended window followed until it resolves and then dropped, and the request count
 * per refresh bounded by the instruments, not by the venue's market list.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SystemClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { loadLiveVenue, type LiveVenue } from "../../../infra/venue-live/index.ts";

const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const OPTS = { timeoutMs: 2_000 };
const LEN = 300_000;
/** 2026-03-12T09:20:00Z, the start of the recorded btc-updown-5m-1773307200. */
const T0 = 1773307200_000;

class ShiftedClock extends SystemClock {
  at = T0 + 10_000;
  override now(): number {
    return this.at;
  }
}

/** A Gamma event as Polymarket answers it (recorded gamma_market.json, reduced). */
function event(asset: string, startTs: number, closed: boolean): Record<string, unknown> {
  const slug = `${asset}-updown-5m-${startTs / 1000}`;
  return {
    slug,
    markets: [
      {
        slug,
        outcomes: '["Up", "Down"]',
        clobTokenIds: JSON.stringify([`${startTs}1`, `${startTs}2`]),
        eventStartTime: new Date(startTs).toISOString(),
        endDate: new Date(startTs + LEN).toISOString(),
        closed,
        outcomePrices: closed ? '["1", "0"]' : '["0.5", "0.5"]',
        orderPriceMinTickSize: 0.01,
        orderMinSize: 5,
        takerBaseFee: 1000,
      },
    ],
  };
}

let live: LiveVenue | null = null;
afterEach(() => live?.close());

describe("discovery by slug (fake Gamma)", () => {
  it("asks for the current and next window of each instrument, then follows an ended one until it resolves", async () => {
    const clock = new ShiftedClock();
    const resolved = new Set<string>();
    const asked: string[] = [];
    const fakeFetch: typeof fetch = (input) => {
      const url = new URL(input instanceof Request ? input.url : input);
      const slug = url.searchParams.get("slug") ?? "";
      asked.push(`${url.pathname} ${slug}`);
      const m = /^(\w+)-updown-5m-(\d+)$/.exec(slug);
      const body = m === null ? [] : [event(m[1] ?? "", Number(m[2]) * 1000, resolved.has(slug))];
      return Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
    };
    live = await loadLiveVenue(
      {
        host: "http://127.0.0.1:9",
        wsUrl: "ws://127.0.0.1:9/ws",
        chainId: 137,
        privateKey: KEY,
        creds: { key: "k", secret: "c2VjcmV0", passphrase: "p" },
        signatureType: 0,
        userChannel: false,
        instruments: ["btc-updown-5m", "eth-updown-5m"],
        gammaUrl: "http://gamma.test/",
      },
      { clock, rng: new SeededRng(1), fetch: fakeFetch },
    );
    const first = await live.markets(OPTS);
    expect(asked.sort()).toEqual([
      "/events btc-updown-5m-1773307200",
      "/events btc-updown-5m-1773307500",
      "/events eth-updown-5m-1773307200",
      "/events eth-updown-5m-1773307500",
    ]);
    expect(first.items.map((m) => [m.slug, m.status])).toEqual([
      ["btc-updown-5m-1773307200", "OPEN"],
      ["btc-updown-5m-1773307500", "LISTED"],
      ["eth-updown-5m-1773307200", "OPEN"],
      ["eth-updown-5m-1773307500", "LISTED"],
    ]);
    expect(first.items[0]).toMatchObject({ upTokenId: `${T0}1`, downTokenId: `${T0}2` });

    // The first windows ended but have not resolved yet: still asked for, with the new pair.
    clock.at += LEN;
    asked.length = 0;
    const second = await live.markets(OPTS);
    expect(asked).toHaveLength(6);
    expect(second.items.map((m) => m.slug)).toContain("btc-updown-5m-1773307200");

    // Resolved Up: reported once as RESOLVED, then no longer asked for.
    resolved.add("btc-updown-5m-1773307200");
    resolved.add("eth-updown-5m-1773307200");
    asked.length = 0;
    const third = await live.markets(OPTS);
    expect(asked).toHaveLength(6);
    expect(third.items.find((m) => m.slug === "btc-updown-5m-1773307200")).toMatchObject({
      status: "RESOLVED",
      outcome: "UP",
    });
    asked.length = 0;
    await live.markets(OPTS);
    expect(asked).toHaveLength(4);
    expect(live.discoveryStats()).toMatchObject({ slugLookups: 20, fallbacks: 0, pages: 0 });
  });
});
