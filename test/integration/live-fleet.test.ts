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
import { windowInstrument } from "../../infra/venue-sim/index.ts";
import { loadLiveVenue, type LiveVenue } from "../../infra/venue-live/index.ts";
import { AGENT_NAMES, agentDefinition } from "../../agents/catalog.ts";
import { EmbeddedFleet } from "../../agents/runtime/embedded.ts";
import { silentLogger } from "../../agents/runtime/logger.ts";

const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const WINDOW_MS = 30_000;
const M = 1_000_000;
const OPTS = { timeoutMs: 5_000 };

let poly: PolyVenue;
let live: LiveVenue;
let fleet: EmbeddedFleet;
const store = new MemoryStore();
const fills = new Map<string, string>();
const states: string[] = [];
type Lvl = { price: number; size: number };
/** The last md.book MarketData published, per token (best first, at most 100 levels). */
const books = new Map<string, { bids: Lvl[]; asks: Lvl[] }>();

/** The venue's own book over REST, best first, in micro-units. */
async function restBook(tokenId: string): Promise<{ bids: Lvl[]; asks: Lvl[] }> {
  const res = await fetch(`${poly.url}/book?token_id=${tokenId}`);
  const body = (await res.json()) as {
    bids: Array<{ price: string; size: string }>;
    asks: Array<{ price: string; size: string }>;
  };
  const conv = (l: { price: string; size: string }) => ({
    price: Math.round(Number(l.price) * M),
    size: Math.round(Number(l.size) * M),
  });
  return {
    bids: body.bids.map(conv).reverse().slice(0, 100),
    asks: body.asks.map(conv).reverse().slice(0, 100),
  };
}

async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  boundMs: number,
): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > boundMs)
      throw new Error(`timed out waiting for ${what}; states ${states.join(" > ")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  const clock = new SystemClock();
  poly = await startPolyVenue({ clock, rng: new SeededRng(21), sim: { windowMs: WINDOW_MS } });
  live = await loadLiveVenue(
    {
      host: poly.url,
      wsUrl: poly.wsUrl,
      chainId: 137,
      privateKey: KEY,
      creds: null,
      signatureType: 0,
      userPollMs: 200,
    },
    { clock, rng: new SeededRng(22) },
  );
  const now = clock.now();
  const controls: Record<string, string> = {
    trading_mode: "live",
    allowed_instruments: windowInstrument("btc", WINDOW_MS),
    allowed_strategies: "probe",
    orders_per_window_max: "100",
    order_rate_per_min: "120",
    position_cap_usd: "20",
  };
  for (const [k, v] of Object.entries(controls)) await store.setControl(k, v, "test", now);
  fleet = new EmbeddedFleet({
    clock,
    rng: new SeededRng(23),
    store,
    log: silentLogger(),
    mode: "LIVE",
  });
  const observer = fleet.connect("test.observer");
  observer.subscribe("exec.fill", (m) => {
    fills.set(m.tradeId, m.status);
  });
  observer.subscribe("md.book", (m) => {
    books.set(m.tokenId, { bids: m.bids, asks: m.asks });
  });
  observer.subscribe("cro.state", (m) => {
    if (states.at(-1) !== m.state) states.push(m.state);
  });
  for (const name of AGENT_NAMES) {
    await fleet.start(
      agentDefinition(name, {
        venue: () => live,
        connectionEvents: fleet.connectionEvents,
        strategy: { enabled: ["probe"], params: { probe: { askMax: 600_000 } } },
      }),
    );
  }
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
        const theirs = JSON.stringify(await restBook(token));
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
