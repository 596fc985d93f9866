/** Builders for Strategy tests: window states for pure strategy tests, and a fleet harness. */
import type { Level } from "../../../contracts/common.ts";
import type { Payload } from "../../../bus/messages.ts";
import { MessageFactory } from "../../../bus/messages.ts";
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import type { MessageOf, MessageType } from "../../../contracts/registry.ts";
import { EmbeddedFleet } from "../../../infra/app/embedded.ts";
import { silentLogger } from "../../../agents/runtime/logger.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";
import type { BookView, MidSample, WindowState } from "../../../agents/strategy/strategy.ts";
import type { TradingState } from "../../../contracts/common.ts";

export const T0 = 1_767_225_600_000;
export const WINDOW_MS = 900_000;
export const MIN_SIZE = 5_000_000;

export const lv = (price: number, size = 100_000_000): Level => ({ price, size });

/** A book with best bid `bid` and best ask `ask` (micro-units). */
export function book(bid: number | null, ask: number | null, seq = 1): BookView {
  return {
    seq,
    bids: bid === null ? [] : [lv(bid), lv(bid - 10_000)],
    asks: ask === null ? [] : [lv(ask), lv(ask + 10_000)],
    sourceTs: T0,
    receiveTs: T0,
  };
}

export function windowState(
  o: {
    remainingMs?: number;
    up?: BookView | null;
    down?: BookView | null;
    upMids?: MidSample[];
    downMids?: MidSample[];
    positionsOpen?: number;
  } = {},
): WindowState {
  const remaining = o.remainingMs ?? 60_000;
  const endTs = T0 + WINDOW_MS;
  return {
    windowId: "btc-updown-15m-1767225600",
    slug: "btc-updown-15m-1767225600",
    startTs: T0,
    endTs,
    now: endTs - remaining,
    timeRemainingMs: remaining,
    up: {
      tokenId: "up",
      book: o.up === undefined ? book(580_000, 620_000) : o.up,
      mids: o.upMids ?? [],
    },
    down: {
      tokenId: "down",
      book: o.down === undefined ? book(380_000, 420_000) : o.down,
      mids: o.downMids ?? [],
    },
    tickSize: 10_000,
    minSize: MIN_SIZE,
    positionsOpen: o.positionsOpen ?? 0,
    underlying: null,
  };
}

export interface WindowSpec {
  startTs: number;
  endTs: number;
  status?: "LISTED" | "OPEN" | "RESOLVED";
}

/** A fleet on a virtual clock plus a test connection that plays MarketData and the CRO. */
export function harness(seed = 3) {
  const clock = new VirtualClock(T0);
  const store = new MemoryStore();
  const fleet = new EmbeddedFleet({
    clock,
    rng: new SeededRng(seed),
    store,
    log: silentLogger(),
    mode: "SIM",
  });
  const bus = fleet.connect("test.1");
  const factory = new MessageFactory(clock, new SeededRng(`test-${seed}`), {
    agent: "test",
    instance: "1",
  });
  const publish = <T extends MessageType>(type: T, payload: Payload<T>) =>
    bus.publish(factory.make(type, payload));
  const intents: MessageOf<"strategy.intent">[] = [];
  bus.subscribe("strategy.intent", (m) => {
    intents.push(m);
  });
  const seqs = new Map<string, number>();

  const window = (spec: WindowSpec) => {
    const slug = `btc-updown-15m-${Math.floor(spec.startTs / 1000)}`;
    const payload: Payload<"md.window"> = {
      windowId: slug,
      slug,
      startTs: spec.startTs,
      endTs: spec.endTs,
      upTokenId: `${slug}-up`,
      downTokenId: `${slug}-down`,
      tickSize: 10_000,
      minSize: MIN_SIZE,
      feeRateBps: 700,
      status: spec.status ?? "OPEN",
      outcome: null,
    };
    return { payload, announce: () => publish("md.window", payload) };
  };

  const sendBook = (w: Payload<"md.window">, side: "up" | "down", bid: number, ask: number) => {
    const tokenId = side === "up" ? w.upTokenId : w.downTokenId;
    const seq = (seqs.get(tokenId) ?? 0) + 1;
    seqs.set(tokenId, seq);
    return publish("md.book", {
      tokenId,
      windowId: w.windowId,
      seq,
      sourceTs: clock.now(),
      receiveTs: clock.now(),
      tickSize: w.tickSize,
      minSize: w.minSize,
      bids: [lv(bid)],
      asks: [lv(ask)],
    });
  };

  const croState = (state: TradingState) =>
    publish("cro.state", {
      state,
      reason: "test",
      since: T0,
      epoch: 1,
      blockers: [],
      operatorHold: false,
      agents: [],
    });

  /** Publishes cro.state every 500 ms from now on; returns a stop function. */
  const croEvery500 = (state: () => TradingState) => {
    void croState(state());
    const handle = clock.setInterval(500, () => void croState(state()));
    return () => {
      clock.clearTimer(handle);
    };
  };

  return { clock, store, fleet, bus, publish, intents, window, sendBook, croState, croEvery500 };
}
