/** Builders for CRO tests: a passing entry intent, a snapshot in which it passes, windows. */
import { resolveControls, type Controls } from "../../../contracts/controls.ts";
import type { Intent } from "../../../contracts/intents.ts";
import type { CheckSnapshot, WindowInfo } from "../../../agents/cro/checks.ts";

export const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z, the VirtualClock default
export const WINDOW_START = T0 - 60_000;
export const WINDOW_ID = `btc-updown-15m-${WINDOW_START / 1000}`;
export const UP = "tok-up";
export const DOWN = "tok-down";

export function controls(overrides: Partial<Record<string, string>> = {}): Controls {
  const rows = Object.entries(overrides).map(([key, value]) => ({ key, value: value ?? "" }));
  const { controls: c, errors } = resolveControls(rows);
  if (errors.length > 0) throw new Error(errors.join("; "));
  return c;
}

export function windowInfo(overrides: Partial<WindowInfo> = {}): WindowInfo {
  return {
    windowId: WINDOW_ID,
    startTs: WINDOW_START,
    endTs: WINDOW_START + 900_000,
    upTokenId: UP,
    downTokenId: DOWN,
    tickSize: 10_000,
    minSize: 5_000_000,
    feeRateBps: 700,
    status: "OPEN",
    ...overrides,
  };
}

/** BUY 5 Up shares at 0.50: $2.50, inside every default limit. */
export function entryIntent(overrides: Partial<Intent> = {}): Intent {
  return {
    intentId: "int-1",
    strategy: "canary",
    windowId: WINDOW_ID,
    tokenId: UP,
    kind: "ENTRY",
    side: "BUY",
    orderType: "FOK",
    limitPrice: 500_000,
    size: 5_000_000,
    expiresAt: null,
    positionId: "pos-1",
    exitReason: null,
    bookSeq: 7,
    reason: "test",
    ...overrides,
  };
}

export function exitIntent(overrides: Partial<Intent> = {}): Intent {
  return entryIntent({
    intentId: "int-exit-1",
    kind: "EXIT",
    side: "SELL",
    exitReason: "STOP_LOSS",
    limitPrice: 400_000,
    ...overrides,
  });
}

export function cancelIntent(overrides: Partial<Intent> = {}): Intent {
  return entryIntent({ intentId: "int-cancel-1", kind: "CANCEL", ...overrides });
}

/** A snapshot in which `entryIntent()` passes every check. */
export function snapshot(overrides: Partial<CheckSnapshot> = {}): CheckSnapshot {
  return {
    intent: entryIntent(),
    now: T0,
    mode: "PAPER",
    state: "ACTIVE",
    controls: controls(),
    agentsDown: [],
    feeds: [{ feed: "venue", status: "OK", staleTokens: [], receivedAt: T0 - 100 }],
    window: windowInfo(),
    tokenOrders: [],
    openOrders: [],
    pendingApprovals: [],
    position: null,
    dailyPnl: 0,
    sessionPnl: 0,
    balance: 100_000_000,
    recentEntryApprovals: 0,
    alreadyDecided: false,
    ...overrides,
  };
}

/** An open position of 5 Up shares bought at 0.50. */
export function openPosition(
  overrides: Partial<NonNullable<CheckSnapshot["position"]>> = {},
): NonNullable<CheckSnapshot["position"]> {
  return {
    positionId: "pos-1",
    windowId: WINDOW_ID,
    tokenId: UP,
    state: "MONITORING",
    size: 5_000_000,
    provisionalSize: 0,
    costBasis: 2_500_000,
    ...overrides,
  };
}

export type OrderView = CheckSnapshot["tokenOrders"][number];

export function order(overrides: Partial<OrderView> = {}): OrderView {
  return {
    orderId: "ord-x",
    intentId: "int-x",
    windowId: WINDOW_ID,
    tokenId: UP,
    kind: "ENTRY",
    side: "BUY",
    price: 500_000,
    size: 5_000_000,
    filledSize: 0,
    status: "OPEN",
    ...overrides,
  };
}
