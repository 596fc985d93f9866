/**
 * What the LIVE and DRY_RUN fleet tests share: the fleet's controls, a live adapter pointed at a
 * local `predator venue`, the venue's own book over REST, a bounded wall-clock wait, and starting
 * the seven agents (the probe strategy trading) on one venue.
 */
import type { Clock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import type { Mode } from "../../contracts/common.ts";
import { AGENT_NAMES, agentDefinition } from "../../agents/catalog.ts";
import { EmbeddedFleet } from "../../infra/app/embedded.ts";
import { silentLogger } from "../../agents/runtime/logger.ts";
import type { Venue } from "../../agents/runtime/venue.ts";
import type { MemoryStore } from "../../infra/store/memory.ts";
import type { PolyVenue } from "../../infra/venue-poly/index.ts";
import type { LiveVenueSettings } from "../../infra/venue-live/index.ts";
import { PROBE_STRATEGY, probeControls } from "./probe.ts";

/** The venue's windows are short so that a test sees several. */
export const LIVE_WINDOW_MS = 30_000;
const M = 1_000_000;

export function liveSettings(poly: PolyVenue, privateKey: string): LiveVenueSettings {
  return {
    host: poly.url,
    wsUrl: poly.wsUrl,
    chainId: 137,
    privateKey,
    creds: null,
    signatureType: 0,
    userPollMs: 200,
  };
}

/** Controls that let the probe trade the venue's windows; `trading_mode` as given. */
export async function setFleetControls(
  store: MemoryStore,
  tradingMode: "live" | "dry-run",
  now: number,
): Promise<void> {
  const controls = { ...probeControls(LIVE_WINDOW_MS), trading_mode: tradingMode };
  for (const [k, v] of Object.entries(controls)) await store.setControl(k, v, "test", now);
}

/** The seven agents in one process on `venue`, the probe strategy enabled. */
export async function startFleet(opts: {
  clock: Clock;
  store: MemoryStore;
  mode: Mode;
  seed: number;
  venue: Venue;
  /** Subscribes test observers before any agent starts. */
  observe?: (fleet: EmbeddedFleet) => void;
}): Promise<EmbeddedFleet> {
  const fleet = new EmbeddedFleet({
    clock: opts.clock,
    rng: new SeededRng(opts.seed),
    store: opts.store,
    log: silentLogger(),
    mode: opts.mode,
  });
  opts.observe?.(fleet);
  for (const name of AGENT_NAMES) {
    await fleet.start(
      agentDefinition(name, {
        venue: () => opts.venue,
        connectionEvents: fleet.connectionEvents,
        strategy: PROBE_STRATEGY,
      }),
    );
  }
  return fleet;
}

export type Level = { price: number; size: number };

/** The venue's own book over REST, best first, in micro-units (at most `levels` a side). */
export async function restBook(
  poly: PolyVenue,
  tokenId: string,
  levels = 100,
): Promise<{ bids: Level[]; asks: Level[] }> {
  const res = await fetch(`${poly.url}/book?token_id=${tokenId}`);
  const body = (await res.json()) as {
    bids: Array<{ price: string; size: string }>;
    asks: Array<{ price: string; size: string }>;
  };
  const conv = (l: { price: string; size: string }) => ({
    price: Math.round(Number(l.price) * M),
    size: Math.round(Number(l.size) * M),
  });
  // Best last on the wire: reversed for best first.
  return {
    bids: body.bids.map(conv).reverse().slice(0, levels),
    asks: body.asks.map(conv).reverse().slice(0, levels),
  };
}

/** What the LIVE and DRY_RUN fleet tests watch: fills by status, last books, state changes. */
export interface Watched {
  fills: Map<string, string>;
  books: Map<string, { bids: Level[]; asks: Level[] }>;
  states: string[];
}

export function watchFleet(fleet: EmbeddedFleet, seen: Watched): void {
  const observer = fleet.connect("test.observer");
  observer.subscribe("exec.fill", (m) => {
    seen.fills.set(m.tradeId, m.status);
  });
  observer.subscribe("md.book", (m) => {
    seen.books.set(m.tokenId, { bids: m.bids, asks: m.asks });
  });
  observer.subscribe("cro.state", (m) => {
    if (seen.states.at(-1) !== m.state) seen.states.push(m.state);
  });
}

/** Polls `cond` every 50 ms of wall time; fails after `boundMs`, saying what `context` adds. */
export async function waitUntil(
  what: string,
  cond: () => boolean | Promise<boolean>,
  boundMs: number,
  context: () => string = () => "",
): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > boundMs) throw new Error(`timed out waiting for ${what}${context()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
