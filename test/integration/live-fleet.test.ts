/**
 * The whole fleet in LIVE mode pointed at a local `predator venue`: seven agents in one process,
 * MarketData on the market-channel WebSocket client, Execution on the live adapter (the official
 * client, real signing, real HTTP). The probe strategy trades; the fleet's fills, positions and
 * books must match the venue's own records.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { MemoryStore } from "../../infra/store/memory.ts";
import { startPolyVenue, type PolyVenue } from "../../infra/venue-poly/index.ts";
import { loadLiveVenue, type LiveVenue } from "../../infra/venue-live/index.ts";
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

const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const M = 1_000_000;
const OPTS = { timeoutMs: 5_000 };

let poly: PolyVenue;
let live: LiveVenue;
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
    rng: new SeededRng(21),
    sim: { windowMs: LIVE_WINDOW_MS },
  });
  live = await loadLiveVenue(liveSettings(poly, KEY), { clock, rng: new SeededRng(22) });
  await setFleetControls(store, "live", clock.now());
  fleet = await startFleet({
    clock,
    store,
    mode: "LIVE",
    seed: 23,
    venue: live,
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

describe("the fleet in LIVE mode against the Polymarket-compatible venue", () => {
  it("goes ACTIVE and trades through the official client", async () => {
    await waitFor("ACTIVE", () => states.includes("ACTIVE"), 30_000);
    // Several 30 s windows: the probe enters once per window and its FAK may find nothing.
    await waitFor("a fill", () => fills.size > 0, 120_000);
  }, 160_000);

  it("every venue trade of ours is exactly one fill, and positions match the venue's", async () => {
    await waitFor(
      "fills to catch up with the venue",
      async () => {
        const venue = await live.trades({}, OPTS);
        return venue.items.every((t) => fills.has(t.tradeId));
      },
      10_000,
    );
    const venueTrades = (await live.trades({}, OPTS)).items;
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
        mode: "LIVE",
      });
    }
    // Positions: the venue's net shares per token (MATCHED and CONFIRMED trades) against the
    // fleet's confirmed + provisional size. The probe may still be trading: compare until equal.
    let last = "";
    await waitFor(
      "positions to match the venue's",
      async () => {
        const venuePositions = (await live.positions(OPTS)).items;
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
    const venuePositions = (await live.positions(OPTS)).items;
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
  });
});
