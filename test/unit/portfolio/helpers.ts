/**
 * Shared fixtures for the Portfolio tests: fill facts for the pure machine tests, and a harness
 * that runs the Portfolio agent on an EmbeddedFleet (VirtualClock, SeededRng, MemoryStore) and
 * drives it through a plain test bus connection.
 */
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { MessageFactory, type Payload } from "../../../bus/messages.ts";
import type { MessageOf, MessageType } from "../../../contracts/registry.ts";
import type { Intent } from "../../../contracts/intents.ts";
import { intentHash } from "../../../contracts/intents.ts";
import { EmbeddedFleet } from "../../../infra/app/embedded.ts";
import type { ActorHost } from "../../../agents/runtime/host.ts";
import { silentLogger } from "../../../agents/runtime/logger.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";
import { createPortfolioAgent, type PortfolioConfig } from "../../../agents/portfolio/index.ts";
import type { StrategyManifest } from "../../../contracts/strategy-manifest.ts";
import type { FillFact } from "../../../agents/portfolio/ledger.ts";
import type { PositionInput } from "../../../agents/portfolio/machine.ts";
import type { OrderRecord } from "../../../agents/runtime/store.ts";

export const T0 = 1_767_225_600_000;
export const WINDOW_START_S = T0 / 1000;
export const WINDOW_ID = `btc-updown-15m-${WINDOW_START_S}`;
export const WINDOW_END = T0 + 15 * 60_000;
export const UP = "tok-up";
export const DOWN = "tok-down";
export const FEE_BPS = 700;

export const INPUT: PositionInput = {
  positionId: "pos-1",
  strategy: "canary",
  windowId: WINDOW_ID,
  tokenId: UP,
  mode: "SIM",
  openedAt: T0,
  windowEndTs: WINDOW_END,
  feeRateBps: FEE_BPS,
};

/** 10 shares bought at 0.50: fee 10 × 0.07 × 0.5 × 0.5 = 0.175. */
export function buy(tradeId: string, over: Partial<FillFact> = {}): FillFact {
  return {
    tradeId,
    kind: "ENTRY",
    side: "BUY",
    price: 500_000,
    size: 10_000_000,
    fee: 175_000,
    ...over,
  };
}

/** 10 shares sold at 0.70: fee 10 × 0.07 × 0.7 × 0.3 = 0.147. */
export function sell(tradeId: string, over: Partial<FillFact> = {}): FillFact {
  return {
    tradeId,
    kind: "EXIT",
    side: "SELL",
    price: 700_000,
    size: 10_000_000,
    fee: 147_000,
    ...over,
  };
}

export type FillPayload = Payload<"exec.fill">;

export function fillMsg(over: Partial<FillPayload> = {}): FillPayload {
  return {
    tradeId: "trade-1",
    orderId: "ord-int-1",
    venueOrderId: null,
    intentId: "int-1",
    positionId: "pos-1",
    strategy: "canary",
    windowId: WINDOW_ID,
    tokenId: UP,
    kind: "ENTRY",
    side: "BUY",
    price: 500_000,
    size: 10_000_000,
    fee: 175_000,
    liquidity: "TAKER",
    status: "MATCHED",
    intendedPrice: 490_000,
    mode: "SIM",
    ...over,
  };
}

/** The entry order behind fillMsg() (int-1, pos-1), as Execution stores it: filled at once. */
export function entryOrder(over: Partial<OrderRecord> = {}): OrderRecord {
  const f = fillMsg();
  const { orderId, venueOrderId, intentId, positionId, strategy, windowId, tokenId, mode } = f;
  return {
    ...{ orderId, venueOrderId, intentId, positionId, strategy, windowId, tokenId, mode },
    ...{ kind: f.kind, side: f.side, price: f.price, size: f.size, filledSize: f.size },
    ...{ decisionId: "dec-1", orderType: "FAK", status: "FILLED", reason: null },
    ...{ createdAt: T0, updatedAt: T0, epoch: 1 },
    ...over,
  };
}

export function bookMsg(tokenId: string, bid: number | null, seq: number): Payload<"md.book"> {
  return {
    tokenId,
    windowId: WINDOW_ID,
    seq,
    sourceTs: T0,
    receiveTs: T0,
    tickSize: 10_000,
    minSize: 1_000_000,
    bids: bid === null ? [] : [{ price: bid, size: 50_000_000 }],
    asks: [{ price: Math.min(990_000, (bid ?? 10_000) + 20_000), size: 50_000_000 }],
  };
}

export function windowMsg(
  status: "LISTED" | "OPEN" | "RESOLVED",
  outcome: "UP" | "DOWN" | null = null,
): Payload<"md.window"> {
  return {
    windowId: WINDOW_ID,
    slug: WINDOW_ID,
    startTs: T0,
    endTs: WINDOW_END,
    upTokenId: UP,
    downTokenId: DOWN,
    tickSize: 10_000,
    minSize: 1_000_000,
    feeRateBps: FEE_BPS,
    status,
    outcome,
  };
}

export function croStateMsg(
  state: "ACTIVE" | "PAUSED" | "FLATTENING" | "HALTED",
): Payload<"cro.state"> {
  return {
    state,
    reason: "test",
    since: T0,
    epoch: 1,
    blockers: [],
    operatorHold: false,
    agents: [],
  };
}

export function vetoMsg(intent: Intent): Payload<"cro.decision"> {
  return {
    decisionId: `dec-${intent.intentId}`,
    intentHash: intentHash(intent),
    intent,
    approved: false,
    reasons: ["PRICE_BAND"],
    checks: [],
    epoch: 1,
    expiresAt: T0 + 3_000,
  };
}

export interface Harness {
  clock: VirtualClock;
  store: MemoryStore;
  fleet: EmbeddedFleet;
  positions: Array<MessageOf<"portfolio.position">>;
  exits: Array<MessageOf<"portfolio.exit">>;
  send<T extends MessageType>(type: T, payload: Payload<T>): Promise<void>;
  startPortfolio(
    config?: Partial<PortfolioConfig>,
    manifests?: readonly StrategyManifest[],
  ): Promise<ActorHost>;
  /** The newest published state of a position. */
  last(positionId?: string): MessageOf<"portfolio.position">;
}

export function harness(options: { store?: MemoryStore; seed?: number } = {}): Harness {
  const clock = new VirtualClock(T0);
  const rng = new SeededRng(options.seed ?? 7);
  const store = options.store ?? new MemoryStore();
  // A short lease: a restarted Portfolio is a new incarnation and waits out its predecessor's lease.
  const fleet = new EmbeddedFleet({
    clock,
    rng,
    store,
    log: silentLogger(),
    mode: "SIM",
    settings: { leaseTtlMs: 300 },
  });
  const bus = fleet.connect("test.1");
  const factory = new MessageFactory(clock, rng.fork("test"), { agent: "test", instance: "1" });
  const positions: Array<MessageOf<"portfolio.position">> = [];
  const exits: Array<MessageOf<"portfolio.exit">> = [];
  bus.subscribe("portfolio.position", (m) => {
    positions.push(m);
  });
  bus.subscribe("portfolio.exit", (m) => {
    exits.push(m);
  });
  const h: Harness = {
    clock,
    store,
    fleet,
    positions,
    exits,
    async send(type, payload) {
      await bus.publish(factory.make(type, payload));
      await clock.runUntilIdle();
    },
    async startPortfolio(config = {}, manifests = []) {
      const host = await fleet.start(createPortfolioAgent({ config, manifests }));
      await waitFor(clock, () => host.state() !== "starting", "portfolio host to start");
      await clock.runUntilIdle();
      return host;
    },
    last(positionId = "pos-1") {
      const mine = positions.filter((p) => p.positionId === positionId);
      const latest = mine[mine.length - 1];
      if (latest === undefined)
        throw new Error(`no portfolio.position published for ${positionId}`);
      return latest;
    },
  };
  return h;
}

/** Steps the virtual clock 1 ms at a time until `done()`; fails after `stepsMax` steps. */
export async function waitFor(
  clock: VirtualClock,
  done: () => boolean,
  what: string,
  stepsMax = 1_000,
): Promise<void> {
  for (let i = 0; i < stepsMax; i++) {
    if (done()) return;
    await clock.advance(1);
  }
  throw new Error(`timed out waiting for ${what}`);
}
