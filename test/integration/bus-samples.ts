/**
 * One valid message of every registered type, for fuzzing: the seed of every mutation. `i` varies
 * ids and token names so concrete subjects differ between samples.
 */
import { ORDER_EVENTS } from "../../contracts/orders.ts";
import { messageTypes, type MessageType } from "../../contracts/registry.ts";
import type { Outgoing } from "../../bus/messages.ts";
import { Messages } from "./bus-harness.ts";

const intent = (i: number) => ({
  intentId: `intent-${i}`,
  strategy: "fuzz",
  windowId: "w-1",
  tokenId: `tok${i % 3}`,
  kind: "ENTRY",
  side: "BUY",
  orderType: "GTC",
  limitPrice: 550_000,
  size: 5_000_000,
  expiresAt: null,
  positionId: null,
  exitReason: null,
  bookSeq: i,
  reason: "edge",
});

const order = (i: number, event: string) => ({
  orderId: `order-${i}`,
  venueOrderId: null,
  intentId: `intent-${i}`,
  decisionId: null,
  positionId: null,
  strategy: "fuzz",
  windowId: "w-1",
  tokenId: `tok${i % 3}`,
  kind: "ENTRY",
  side: "BUY",
  orderType: "GTC",
  price: 550_000,
  size: 5_000_000,
  filledSize: event === "filled" ? 5_000_000 : 0,
  status: "OPEN",
  reason: null,
  mode: "PAPER",
});

const payloads: Record<string, (i: number) => object> = {
  "md.book": (i) => ({
    tokenId: `tok${i % 3}`,
    windowId: "w-1",
    seq: i,
    sourceTs: 1,
    receiveTs: 2,
    tickSize: 10_000,
    minSize: 5_000_000,
    bids: [{ price: 540_000, size: 1_000_000 }],
    asks: [{ price: 560_000, size: 1_000_000 }],
  }),
  "md.trade": (i) => ({
    tokenId: `tok${i % 3}`,
    price: 550_000,
    size: 1_000_000,
    side: "SELL",
    sourceTs: 1,
    receiveTs: 2,
  }),
  "md.health": () => ({
    feed: "clob",
    status: "OK",
    staleTokens: [],
    lastMessageAgeMs: null,
    gapsTotal: 0,
  }),
  "md.underlying": (i) => ({
    symbol: "btc/usd",
    price: 64_997_810_000 + i,
    origin: "sim",
    sourceTs: 1,
    receiveTs: 2,
    windows: [{ windowId: "w-1", priceToBeat: 64_990_000_000, sourceTs: 1 }],
  }),
  "md.window": (i) => ({
    windowId: `w-${i}`,
    slug: `btc-updown-15m-${1_767_225_600 + i * 900}`,
    startTs: 1_767_225_600_000,
    endTs: 1_767_226_500_000,
    upTokenId: "up1",
    downTokenId: "down1",
    tickSize: 10_000,
    minSize: 5_000_000,
    feeRateBps: 700,
    status: "LISTED",
    outcome: null,
  }),
  "strategy.intent": intent,
  // Intents and exits share the INTENTS stream and its dedupe window: keep their ids apart.
  "portfolio.exit": (i) => ({
    ...intent(i),
    intentId: `exit-${i}`,
    kind: "EXIT",
    exitReason: "STOP_LOSS",
  }),
  "cro.decision": (i) => ({
    decisionId: `decision-${i}`,
    intentHash: "a".repeat(64),
    intent: intent(i),
    approved: true,
    reasons: [],
    checks: [{ code: "POSITION_CAP", passed: true, detail: "under cap" }],
    epoch: 1,
    expiresAt: 1_767_225_700_000,
  }),
  "cro.state": (i) => ({
    state: "ACTIVE",
    reason: "all clear",
    since: 0,
    epoch: i,
    blockers: [],
    operatorHold: false,
    agents: [{ agent: "cro", instance: "1", alive: true, lastSeenAgeMs: 10 }],
  }),
  ...Object.fromEntries(
    ORDER_EVENTS.map((e) => [`exec.order.${e}`, (i: number) => order(i, e)] as const),
  ),
  "exec.fill": (i) => ({
    tradeId: `trade-${i}`,
    orderId: `order-${i}`,
    venueOrderId: null,
    intentId: `intent-${i}`,
    positionId: null,
    strategy: "fuzz",
    windowId: "w-1",
    tokenId: `tok${i % 3}`,
    kind: "ENTRY",
    side: "BUY",
    price: 550_000,
    size: 5_000_000,
    fee: 1_230,
    liquidity: "TAKER",
    status: "MATCHED",
    intendedPrice: 550_000,
    mode: "PAPER",
  }),
  "portfolio.position": (i) => ({
    positionId: `pos-${i}`,
    strategy: "fuzz",
    windowId: "w-1",
    tokenId: `tok${i % 3}`,
    mode: "PAPER",
    state: "MONITORING",
    size: 5_000_000,
    provisionalSize: 0,
    avgEntryPrice: 550_000,
    costBasis: 2_750_000,
    fees: 1_230,
    realizedPnl: 0,
    unrealizedPnl: -10_000,
    markPrice: 548_000,
    exitReason: null,
    openedAt: 1,
    closedAt: null,
  }),
  "recon.report": (i) => ({
    runId: `run-${i}`,
    verdict: "CLEAN",
    positionsChecked: 1,
    ordersChecked: 2,
    balance: 100_000_000,
    assertions: [{ name: "fills-sum", passed: true, detail: "" }],
    mismatches: [],
  }),
  "recon.mismatch": (i) => ({
    runId: `run-${i}`,
    mismatches: [{ kind: "POSITION", key: "pos-1", expected: "5", actual: "4" }],
  }),
  "alert.sent": (i) => ({
    alertId: `alert-${i}`,
    incidentKey: "halt",
    severity: "CRITICAL",
    title: "Halted",
    body: "drawdown",
    deliveries: [{ format: "json", status: "DELIVERED" }],
  }),
  hb: (i) => ({
    agent: "fuzz",
    instance: "1",
    seq: i,
    lifecycle: "running",
    leader: null,
    pid: 1,
    startedAt: 0,
    mailboxDepth: 0,
    intervalMs: 1000,
  }),
  "ops.command": () => ({ command: { kind: "halt", level: "pause" }, actor: "op", reason: "test" }),
  "ops.reply": () => ({ ok: true, error: null, state: "PAUSED", detail: "" }),
  "venue.call": () => ({ method: "cancelAll", args: {}, timeoutMs: 5_000 }),
  "venue.result": () => ({
    ok: true,
    result: { cancelled: ["v-1"], notCancelled: {} },
    error: null,
  }),
  "venue.market": (i) => ({
    event: {
      type: "trade",
      tokenId: `tok${i % 3}`,
      windowId: "w-1",
      tradeId: `vt-${i}`,
      price: 550_000,
      size: 1_000_000,
      side: "BUY",
      ts: 1,
    },
  }),
  "venue.user": (i) => ({
    eventKey: `trade-${i}:MATCHED`,
    event: {
      type: "trade",
      ts: 1,
      trade: {
        tradeId: `vt-${i}`,
        venueOrderId: `v-${i}`,
        clientOrderId: `order-${i}`,
        tokenId: `tok${i % 3}`,
        windowId: "w-1",
        side: "BUY",
        price: 550_000,
        size: 1_000_000,
        fee: 0,
        liquidity: "MAKER",
        status: "MATCHED",
        matchedAt: 1,
        updatedAt: 1,
      },
    },
  }),
};

/** A valid message of `type`, published by agent `fuzz` instance `1`. */
export function sampleOf(messages: Messages, type: MessageType, i: number): Outgoing<MessageType> {
  const build = payloads[type];
  if (build === undefined) throw new Error(`no sample for ${type}`);
  return messages.make(type, build(i));
}

/** Registered types with a sample; a type added to the registry without one is reported. */
export const sampledTypes: readonly MessageType[] = messageTypes.filter((t) => t in payloads);
export const unsampledTypes: readonly MessageType[] = messageTypes.filter((t) => !(t in payloads));
