/**
 * The market-channel client against `predator venue` (infra/venue-poly): its books must equal the
 * venue's own REST books after the initial dump, after deltas, after a tick-size change (fresh
 * snapshot) and after every WebSocket connection is dropped (reconnect + fresh snapshot).
 *
 * The venue's windows follow its clock: a window ending mid-test would resolve the books under the
 * comparison. So the venue's clock runs ahead to one second after a window boundary — its OPEN
 * window has almost the whole window length left, whenever the test runs. The client keeps the
 * real clock (it only times its own keep-alive and backoff; book timestamps are the venue's).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { startPolyVenue, type PolyVenue } from "../../infra/venue-poly/index.ts";
import { MarketWsClient } from "../../infra/venue-live/market-ws.ts";
import { parseMessage } from "../../infra/venue-live/wire.ts";
import { PolyBooks } from "../../infra/venue-live/book.ts";

const WINDOW_MS = 15 * 60_000;

/** Wall time shifted to 1 s after the next window boundary (fixed offset, real timers). */
class WindowStartClock extends SystemClock {
  private readonly offsetMs: number;
  constructor(windowMs: number) {
    super();
    this.offsetMs = windowMs - (Date.now() % windowMs) + 1_000;
  }
  override now(): number {
    return super.now() + this.offsetMs;
  }
}

let venue: PolyVenue;
let client: MarketWsClient;
let tokens: string[];

async function restBook(tokenId: string): Promise<unknown> {
  const res = await fetch(`${venue.url}/book?token_id=${tokenId}`);
  if (!res.ok) throw new Error(`GET /book ${res.status}`);
  return await res.json();
}

/** The venue's book, through the same parser and book code. */
async function venueView(tokenId: string) {
  const books = new PolyBooks();
  books.apply(parseMessage(await restBook(tokenId)));
  const v = books.view(tokenId);
  return v === null ? null : { bids: v.bids, asks: v.asks, tickSize: v.tickSize };
}

function ourView(tokenId: string) {
  const v = client.books.view(tokenId);
  return v === null || v.status !== "LIVE"
    ? null
    : { bids: v.bids, asks: v.asks, tickSize: v.tickSize };
}

async function waitForMatch(tokenId: string, boundMs = 5000): Promise<void> {
  const start = Date.now();
  for (;;) {
    const theirs = await venueView(tokenId);
    const last = { ours: ourView(tokenId), theirs };
    if (JSON.stringify(ourView(tokenId)) === JSON.stringify(theirs)) return;
    if (Date.now() - start > boundMs) {
      throw new Error(`books differ for ${tokenId}: ${JSON.stringify(last).slice(0, 600)}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  const venueClock = new WindowStartClock(WINDOW_MS);
  venue = await startPolyVenue({
    clock: venueClock,
    rng: new SeededRng(11),
    sim: { windowMs: WINDOW_MS },
  });
  // At least 14 minutes left on the window whose books are compared.
  const open = venue
    .windows()
    .filter((w) => w.status === "OPEN" && w.endTs - venueClock.now() >= WINDOW_MS - 60_000);
  tokens = open.slice(0, 2).flatMap((w) => [w.upTokenId, w.downTokenId]);
  client = new MarketWsClient({
    url: `${venue.wsUrl}/market`,
    clock: new SystemClock(),
    rng: new SeededRng(3),
    backoffInitialMs: 20,
    backoffMaxMs: 200,
    assetsPerConnectionMax: 2,
  });
  client.watch(tokens);
});

afterAll(async () => {
  client.close();
  await venue.stop();
});

describe("market-channel client against the Polymarket-compatible venue", () => {
  it("has the venue's books after the initial dump (one connection per two assets)", async () => {
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    for (const t of tokens) await waitForMatch(t);
    expect(client.health().connections.length).toBe(Math.ceil(tokens.length / 2));
  });

  it("follows deltas: new liquidity shows up level by level", async () => {
    const t = tokens[0] as string;
    venue.addLiquidity(t, "BUY", 50_000, 7_000_000); // 7 shares at 0.05
    venue.addLiquidity(t, "SELL", 950_000, 9_000_000); // 9 shares at 0.95
    await waitForMatch(t);
    expect(client.books.view(t)?.bids.some((l) => l.price === 50_000)).toBe(true);
  });

  it("a tick-size change drops the book and a fresh snapshot replaces it", async () => {
    const t = tokens[0] as string;
    const before = client.books.stats.resyncs;
    venue.setTickSize(t, 1_000);
    await waitForMatch(t);
    expect(client.books.stats.resyncs).toBeGreaterThan(before);
    expect(client.books.view(t)?.tickSize).toBe(1_000);
  });

  it("after every connection is dropped it reconnects, resubscribes and matches again", async () => {
    const reconnects = client.health().reconnectsTotal;
    expect(venue.dropWebSockets()).toBeGreaterThan(0);
    const start = Date.now();
    while (client.health().reconnectsTotal < reconnects + 1 || client.health().status !== "UP") {
      if (Date.now() - start > 5000) throw new Error("no reconnect");
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const t of tokens) await waitForMatch(t);
    expect(client.books.stats.gaps).toBeGreaterThan(0);
  });
});
