/** Builders for MarketData tests: windows, book events, a fleet on a virtual clock, fixtures. */
import { readFileSync } from "node:fs";
import type { Bus } from "../../../bus/port.ts";
import type { MessageOf, MessageType } from "../../../contracts/registry.ts";
import type { Level } from "../../../contracts/common.ts";
import type { MarketEvent, VenueMarket } from "../../../agents/runtime/venue.ts";
import { EmbeddedFleet } from "../../../infra/app/embedded.ts";
import { silentLogger } from "../../../agents/runtime/logger.ts";
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";

export const T0 = 1_767_225_600_000;

export function market(overrides: Partial<VenueMarket> = {}): VenueMarket {
  const startTs = overrides.startTs ?? T0;
  const slug = `btc-updown-15m-${Math.floor(startTs / 1000)}`;
  return {
    windowId: slug,
    slug,
    startTs,
    endTs: startTs + 900_000,
    upTokenId: `${slug}-up`,
    downTokenId: `${slug}-down`,
    tickSize: 10_000,
    minSize: 5_000_000,
    feeRateBps: 700,
    status: "OPEN",
    outcome: null,
    ...overrides,
  };
}

export function windowEvent(
  m: VenueMarket,
  event: "listed" | "opened" | "resolved",
  ts = m.startTs,
): MarketEvent {
  return { type: "window", event, window: m, ts };
}

export type BookEvent = Extract<MarketEvent, { type: "book" }>;

export const lv = (price: number, size: number): Level => ({ price, size });

/** A two-sided book around `mid` (micro-units), best first. */
export function bookEvent(
  m: VenueMarket,
  side: "up" | "down",
  seq: number,
  ts: number,
  levels: { bids?: readonly Level[]; asks?: readonly Level[] } = {},
): BookEvent {
  return {
    type: "book",
    tokenId: side === "up" ? m.upTokenId : m.downTokenId,
    windowId: m.windowId,
    seq,
    ts,
    bids: [...(levels.bids ?? [lv(480_000, 100_000_000), lv(470_000, 50_000_000)])],
    asks: [...(levels.asks ?? [lv(520_000, 100_000_000), lv(530_000, 50_000_000)])],
    tickSize: m.tickSize,
    minSize: m.minSize,
  };
}

export function newFleet(seed = 7) {
  const clock = new VirtualClock(T0);
  const store = new MemoryStore();
  const fleet = new EmbeddedFleet({
    clock,
    rng: new SeededRng(seed),
    store,
    log: silentLogger(),
    mode: "SIM",
  });
  return { clock, store, fleet };
}

/** Recorded Polymarket WebSocket payloads (see fixtures/polymarket-ws/SOURCES.md). */
const FIXTURES = new URL("./fixtures/polymarket-ws/", import.meta.url);
export const wire = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8")) as unknown;
/** The asset of book.json and price_change.json, and the one of last_trade_price.json. */
export const BOOK_ASSET =
  "48331043336612883890938759509493159234755048973500640148014422747788308965732";
export const TRADE_ASSET =
  "21742633143463906290569050155826241533067272736897614950488156847949938836455";
export const RECORDED_MARKET = "0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917";

/** Every message of `type` the bus delivers, in delivery order. */
export function collect<T extends MessageType>(bus: Bus, type: T): MessageOf<T>[] {
  const got: MessageOf<T>[] = [];
  bus.subscribe(type, (m) => {
    got.push(m);
  });
  return got;
}
