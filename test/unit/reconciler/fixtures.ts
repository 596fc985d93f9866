/** Books rows for the reconciler's tests: a consistent baseline that each test then breaks. */
import type { FillRecord, OrderRecord, PositionRecord } from "../../../agents/runtime/store.ts";
import type { AssertionInput, DecisionEvidence } from "../../../agents/reconciler/assertions.ts";
import { resolveControls } from "../../../contracts/controls.ts";

/** VirtualClock's default start: 2026-01-01T00:00:00Z. */
export const T0 = 1_767_225_600_000;
/** A window that started at T0. */
export const WINDOW = `btc-updown-15m-${T0 / 1000}`;
export const TOKEN = "tok-up";

export function order(over: Partial<OrderRecord> = {}): OrderRecord {
  return {
    orderId: "ord-int-1",
    venueOrderId: "v-1",
    intentId: "int-1",
    decisionId: "dec-1",
    positionId: "pos-1",
    strategy: "canary",
    windowId: WINDOW,
    tokenId: TOKEN,
    kind: "ENTRY",
    side: "BUY",
    orderType: "FAK",
    price: 500_000,
    size: 5_000_000,
    filledSize: 5_000_000,
    status: "FILLED",
    reason: null,
    mode: "PAPER",
    createdAt: T0 + 60_000,
    updatedAt: T0 + 60_000,
    epoch: 1,
    ...over,
  };
}

export function fill(over: Partial<FillRecord> = {}): FillRecord {
  return {
    tradeId: "trade-1",
    orderId: "ord-int-1",
    venueOrderId: "v-1",
    intentId: "int-1",
    positionId: "pos-1",
    strategy: "canary",
    windowId: WINDOW,
    tokenId: TOKEN,
    kind: "ENTRY",
    side: "BUY",
    price: 500_000,
    size: 5_000_000,
    fee: 87_500,
    liquidity: "TAKER",
    status: "CONFIRMED",
    intendedPrice: 500_000,
    mode: "PAPER",
    ts: T0 + 60_000,
    updatedAt: T0 + 61_000,
    ...over,
  };
}

export function position(over: Partial<PositionRecord> = {}): PositionRecord {
  return {
    positionId: "pos-1",
    strategy: "canary",
    windowId: WINDOW,
    tokenId: TOKEN,
    mode: "PAPER",
    state: "MONITORING",
    size: 5_000_000,
    provisionalSize: 0,
    avgEntryPrice: 500_000,
    costBasis: 2_500_000,
    fees: 87_500,
    realizedPnl: 0,
    unrealizedPnl: 0,
    markPrice: 500_000,
    exitReason: null,
    openedAt: T0 + 60_000,
    closedAt: null,
    machineVersion: 1,
    snapshot: {},
    updatedAt: T0 + 61_000,
    ...over,
  };
}

export const APPROVED: DecisionEvidence = { approved: true, intentId: "int-1" };

/** A consistent state in which every assertion passes. */
export function goodInput(over: Partial<AssertionInput> = {}): AssertionInput {
  const now = T0 + 120_000;
  return {
    now,
    startedAt: T0,
    orders: [order()],
    decisions: new Map([["dec-1", APPROVED]]),
    fills: [fill()],
    openPositions: [position()],
    closedPositions: [],
    venueOrderIds: [],
    controls: resolveControls([]).controls,
    controlsChangedAt: { allowedInstruments: 0, positionCap: 0 },
    heartbeats: ["market-data", "execution"].map((agent) => ({
      agent,
      lastSeenAt: now - 100,
      lifecycle: "running",
      leader: null,
    })),
    bus: { down: false, backAt: null },
    limits: {
      confirmBoundMs: 10_000,
      openPositionsMax: 3,
      mappingGraceMs: 1_000,
      agentTimeoutMs: 2_500,
      startupGraceMs: 10_000,
      requiredAgents: ["market-data", "execution"],
    },
    ...over,
  };
}
