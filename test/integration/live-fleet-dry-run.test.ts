/**
 * The whole fleet in DRY_RUN mode against a local `predator venue`: like LIVE (market data from
 * the WebSocket, orders signed by the official client) but nothing is POSTed — fills are
 * simulated at the book. The fleet's fills and positions must equal the simulation's record, each
 * order's signed body and book must be journaled, and the venue must have seen no order of ours.
 * The setup shared with the LIVE test is in test/support/live-fleet.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { MemoryStore } from "../../infra/store/memory.ts";
import { startPolyVenue, type PolyVenue } from "../../infra/venue-poly/index.ts";
import { DryRunVenue, loadLiveVenue, type LiveVenue } from "../../infra/venue-live/index.ts";
import type { EmbeddedFleet } from "../../infra/app/embedded.ts";
import {
  LIVE_WINDOW_MS,
  liveSettings,
  restBook,
  setFleetControls,
  startFleet,
  waitUntil,
  watchFleet,
  type Level,
} from "../support/live-fleet.ts";

const KEY = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
const M = 1_000_000;
const OPTS = { timeoutMs: 5_000 };

let poly: PolyVenue;
let live: LiveVenue;
let dry: DryRunVenue;
let fleet: EmbeddedFleet;
const store = new MemoryStore();
const fills = new Map<string, string>();
const states: string[] = [];
/** The last md.book MarketData published, per token (best first, at most 100 levels). */
const books = new Map<string, { bids: Level[]; asks: Level[] }>();

const waitFor = (what: string, cond: () => boolean | Promise<boolean>, boundMs: number) =>
  waitUntil(what, cond, boundMs, () => `; states ${states.join(" > ")}`);

beforeAll(async () => {
  const clock = new SystemClock();
  poly = await startPolyVenue({
    clock,
    rng: new SeededRng(41),
    sim: { windowMs: LIVE_WINDOW_MS },
  });
  live = await loadLiveVenue(liveSettings(poly, KEY), { clock, rng: new SeededRng(42) });
  dry = new DryRunVenue(live, clock, 100 * M);
  await setFleetControls(store, "dry-run", clock.now());
  fleet = await startFleet({
    clock,
    store,
    mode: "DRY_RUN",
    seed: 23,
    venue: dry,
    observe: (f) => {
      watchFleet(f, { fills, books, states });
    },
  });
}, 60_000);

afterAll(async () => {
  await fleet.stop();
  live.close();
  await poly.stop();
}, 30_000);

describe("the fleet in DRY_RUN mode against the Polymarket-compatible venue", () => {
  it("goes ACTIVE and trades (simulated) on orders signed by the official client", async () => {
    await waitFor("ACTIVE", () => states.includes("ACTIVE"), 30_000);
    // Several 30 s windows: the probe enters once per window and its FAK may find nothing.
    await waitFor("a fill", () => fills.size > 0, 120_000);
  }, 160_000);

  it("every venue trade of ours is exactly one fill, and positions match the venue's", async () => {
    await waitFor(
      "fills to catch up with the venue",
      async () => {
        const venue = await dry.trades({});
        return venue.items.every((t) => fills.has(t.tradeId));
      },
      10_000,
    );
    const venueTrades = (await dry.trades({})).items;
    expect(venueTrades.length).toBeGreaterThan(0);
    const stored = await store.listFills({});
    for (const t of venueTrades) {
      const mine = stored.filter((f) => f.tradeId === t.tradeId);
      expect(mine).toHaveLength(1);
      // Same economics: price, size, side and fee as the venue's record of the trade.
      expect(mine[0]).toMatchObject({
        price: t.price,
        size: t.size,
        side: t.side,
        fee: t.fee,
        mode: "DRY_RUN",
      });
    }
    // Positions: the venue's net shares per token (MATCHED and CONFIRMED trades) against the
    // fleet's confirmed + provisional size. The probe may still be trading: compare until equal.
    let last = "";
    await waitFor(
      "positions to match the venue's",
      async () => {
        const venuePositions = (await dry.positions()).items;
        const ours = await store.listPositions({});
        const held = (tokenId: string) =>
          ours
            .filter((x) => x.tokenId === tokenId)
            .reduce((s, x) => s + x.size + x.provisionalSize, 0);
        last = JSON.stringify(
          venuePositions.map((p) => [p.tokenId.slice(0, 8), p.shares, held(p.tokenId)]),
        );
        return (
          venuePositions.length > 0 && venuePositions.every((p) => held(p.tokenId) === p.shares)
        );
      },
      15_000,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; last [token, venue, ours]: ${last}`);
    });
    const venuePositions = (await dry.positions()).items;
    // Books: what MarketData published from the WebSocket equals the venue's REST book.
    const token = venuePositions[0]?.tokenId ?? "";
    let diff = "";
    await waitFor(
      "md.book to equal the venue's book",
      async () => {
        const theirs = JSON.stringify(await restBook(poly, token));
        const ours = JSON.stringify(books.get(token) ?? null);
        diff = `${ours.slice(0, 200)} vs ${theirs.slice(0, 200)}`;
        return ours === theirs;
      },
      10_000,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}: ${diff}`);
    });
    expect(venuePositions.every((p) => p.shares % (M / 100) === 0)).toBe(true);
    // Every simulated trade came from a journaled order: signed body and the book it was filled at.
    for (const t of venueTrades) {
      const rec = dry.journal.find((r) => r.hash === t.venueOrderId);
      expect(rec?.book?.asks.length).toBeGreaterThan(0);
      expect(rec?.body).toMatchObject({ order: { tokenId: t.tokenId } });
    }
    // Nothing was sent to the venue.
    expect((await live.trades({}, OPTS)).items).toEqual([]);
    expect((await live.openOrders(OPTS)).items).toEqual([]);
  });
});
