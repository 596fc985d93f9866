/** The snapshot the pre-trade checks read: everything the CRO knows at decision time. */
import type { CheckResult } from "../../contracts/cro.ts";
import type { Controls } from "../../contracts/controls.ts";
import type { Intent, IntentKind } from "../../contracts/intents.ts";
import type { MdWindow } from "../../contracts/market-data.ts";
import type { Mode, TradingState } from "../../contracts/common.ts";
import type { Order, OrderStatus } from "../../contracts/orders.ts";
import type { Position } from "../../contracts/positions.ts";
import type { FeedView } from "./feed.ts";

/** Orders that may still trade at the venue: they reserve balance and block a flatten. */
export const WORKING_STATUSES: readonly OrderStatus[] = [
  "PENDING",
  "SUBMITTED",
  "OPEN",
  "PARTIALLY_FILLED",
  "UNKNOWN",
];

export type WindowInfo = Pick<
  MdWindow,
  | "windowId"
  | "startTs"
  | "endTs"
  | "upTokenId"
  | "downTokenId"
  | "tickSize"
  | "minSize"
  | "feeRateBps"
  | "status"
>;

export type OrderView = Pick<
  Order,
  | "orderId"
  | "intentId"
  | "windowId"
  | "tokenId"
  | "kind"
  | "side"
  | "price"
  | "size"
  | "filledSize"
  | "status"
>;

export type PositionView = Pick<
  Position,
  "positionId" | "windowId" | "tokenId" | "state" | "size" | "provisionalSize" | "costBasis"
>;

/** An approval already issued that Execution has not (yet) turned into an order. */
export interface PendingApproval {
  intentId: string;
  windowId: string;
  tokenId: string;
  kind: IntentKind;
  side: Intent["side"];
  size: number;
  /** BUY notional plus fee reserved against the balance; 0 for sells. */
  reserved: number;
  expiresAt: number;
}

export interface CheckSnapshot {
  intent: Intent;
  now: number;
  /** The fleet's mode, compared with the `trading_mode` control. */
  mode: Mode;
  state: TradingState;
  controls: Controls;
  /** Required agents with no live instance. */
  agentsDown: readonly string[];
  feeds: readonly FeedView[];
  window: WindowInfo | null;
  /** Every order on the intent's token, any status. */
  tokenOrders: readonly OrderView[];
  /** Orders still working at the venue (or possibly so), on any instrument. */
  openOrders: readonly OrderView[];
  pendingApprovals: readonly PendingApproval[];
  /** The position named by the intent's positionId, if the store has it. */
  position: PositionView | null;
  dailyPnl: number;
  sessionPnl: number;
  /** From the last reconciliation report that carried one; null: never reported. */
  balance: number | null;
  /**
   * The exchange's allowance from the same reports (absent or null: never reported, the balance
   * alone bounds). An entry needs both: a shortfall in either is a BALANCE veto.
   */
  allowance?: number | null;
  /** Entry approvals issued inside the order-rate window. */
  recentEntryApprovals: number;
  /** This intentId was already decided (by any earlier message). */
  alreadyDecided: boolean;
  /** The intent's strategy is halted (its kill criterion tripped, or an operator); absent: not. */
  strategyHalt?: { reason: string; since: number; actor: string } | null;
  /** What the strategy's manifest allows; absent or null: it has none (none applies). */
  strategyManifest?: {
    version: string;
    orderSize: number;
    instruments: readonly string[];
    /** Micro-USDC; absent: no per-strategy session limit. */
    sessionMaxLoss?: number;
    /** The scale-up size, allowed once its reviews are done (review mode only). */
    scaleUpOrderSize?: number;
  } | null;
  /** The strategy's review mode; absent or null: not in review mode. */
  strategyReview?: { firstWindows: number; windows: number; pending: number; done: boolean } | null;
  /** The intent's strategy's PnL this session, micro-USDC; absent: not known (no limit applies). */
  strategySessionPnl?: number;
}

export type Check = (s: CheckSnapshot) => CheckResult;
