/**
 * One position's lifecycle (issue 3): ENTRY → MONITORING → {STOP_TRIGGERED | TP_TRIGGERED |
 * EXPIRY} → EXIT_PENDING → CLOSED. The machine is pure: no clock (every event carries `at`), no
 * timers (xstate does not re-arm `after` on restore, so deadlines are data here and the actor owns
 * the timers), no side effects. The actor watches state changes and does the effects (persist,
 * publish the exit intent, publish the position).
 *
 * Rules worth knowing:
 * - Fills are facts, not decisions: FILL_* reports are booked in every state but CLOSED, through
 *   the ledger (ledger.ts), so a late confirmation still counts once and the position always
 *   equals the sum of its confirmed fills. Exit fills are FILL_* events with side SELL (there is no
 *   separate EXIT_FILLED: a sell obeys the same MATCHED/CONFIRMED/FAILED rules as a buy).
 * - Decisions (STOP, TAKE_PROFIT, EXPIRE) are taken only in MONITORING (EXPIRE also in ENTRY).
 *   In STOP_TRIGGERED, TP_TRIGGERED and EXIT_PENDING every other decision is ignored: the first
 *   decision wins and nothing but the exit's own fills, its failure, or the window's settlement
 *   moves the position.
 * - EXIT_FAILED (vetoed, rejected, cancelled or timed out) returns to MONITORING: the exit policy
 *   then decides afresh after `exitRetryAt`, so a stop that is still breached exits again and a
 *   price that recovered keeps the position. Exits are never abandoned for good.
 * - SETTLED (the window resolved at 1 or 0) is the market's outcome and applies in any open
 *   state: held shares become collateral, the position waits in EXPIRY for any provisional fill to
 *   resolve, then closes.
 * - An entry whose every fill was voided (FAILED) closes with zero size, but only once its entry
 *   order has ended (ENTRY_ENDED: filled, cancelled, expired, rejected or refused). A resting GTC
 *   order can still fill after a ghost fill was voided; closing early would leave that later fill
 *   with no open position to book into.
 */
import { assign, setup } from "xstate";
import type { Mode } from "../../contracts/common.ts";
import type { ExitReason } from "../../contracts/intents.ts";
import { positionState, type PositionState } from "../../contracts/positions.ts";
import { InvariantError } from "../runtime/errors.ts";
import { bookFill, EMPTY_HOLDINGS, settle, type Holdings } from "./pnl.ts";
import {
  booksNow,
  classifyFill,
  entries,
  hasProvisional,
  provisionalShares,
  withFill,
  type FillFact,
  type Ledger,
} from "./ledger.ts";

/** Stored with every snapshot; a stored snapshot of another version is not restored blindly. */
export const POSITION_MACHINE_VERSION = 1;

export interface PositionInput {
  positionId: string;
  strategy: string;
  windowId: string;
  tokenId: string;
  mode: Mode;
  openedAt: number;
  /** When the window ends (settlement takes over); null if not known. */
  windowEndTs: number | null;
  feeRateBps: number | null;
}

export interface PositionContext extends PositionInput {
  fills: Ledger;
  holdings: Holdings;
  /** Highest best bid seen while open, for the trailing stop. */
  highWaterMark: number | null;
  exitReason: ExitReason | null;
  /** Exit intents sent so far; the next one is attempt exitAttempts + 1. */
  exitAttempts: number;
  exitIntentId: string | null;
  /** EXIT_PENDING ends in failure at this time unless answered before. */
  exitDeadlineAt: number | null;
  /** No price-triggered exit before this time (after a failed exit). */
  exitRetryAt: number | null;
  lastExitFailure: string | null;
  closedAt: number | null;
}

export type StopReason = Extract<ExitReason, "STOP_LOSS" | "TRAILING_STOP" | "FLATTEN">;

type At = { at: number };
export type FillEvent =
  | ({ type: "FILL_MATCHED"; fill: FillFact } & At)
  | ({ type: "FILL_CONFIRMED"; fill: FillFact } & At)
  | ({ type: "FILL_FAILED"; fill: FillFact } & At);

export type PositionEvent =
  | FillEvent
  | ({ type: "MARK"; bid: number } & At)
  | ({ type: "STOP"; reason: StopReason } & At)
  | ({ type: "TAKE_PROFIT" } & At)
  | ({ type: "EXPIRE" } & At)
  | ({ type: "ENTRY_ENDED" } & At)
  | ({ type: "EXIT_SENT"; intentId: string; deadlineAt: number } & At)
  | ({ type: "EXIT_FAILED"; intentId: string; reason: string; retryAt: number } & At)
  | ({ type: "SETTLED"; payoutPerShare: number } & At);

const STATUS = {
  FILL_MATCHED: "MATCHED",
  FILL_CONFIRMED: "CONFIRMED",
  FILL_FAILED: "FAILED",
} as const;

function isFill(e: PositionEvent): e is FillEvent {
  return e.type === "FILL_MATCHED" || e.type === "FILL_CONFIRMED" || e.type === "FILL_FAILED";
}

export function initialContext(input: PositionInput): PositionContext {
  return {
    ...input,
    fills: {},
    holdings: EMPTY_HOLDINGS,
    highWaterMark: null,
    exitReason: null,
    exitAttempts: 0,
    exitIntentId: null,
    exitDeadlineAt: null,
    exitRetryAt: null,
    lastExitFailure: null,
    closedAt: null,
  };
}

/**
 * After settlement, held shares that no pending sell covers are collateral: a buy confirmed late
 * or a sell that failed late settles at once, at the window's price.
 */
function settleFreeShares(h: Holdings, fills: Ledger): Holdings {
  if (h.settlementPrice === null) return h;
  const free = h.size - provisionalShares(fills, "SELL");
  return free > 0 ? settle(h, h.settlementPrice, free) : h;
}

const fillTransition = { guard: "fillApplies", actions: "applyFill" } as const;

export const positionMachine = setup({
  types: {
    context: {} as PositionContext,
    events: {} as PositionEvent,
    input: {} as PositionInput,
  },
  guards: {
    fillApplies: ({ context, event }) =>
      isFill(event) &&
      classifyFill(context.fills, event.fill.tradeId, STATUS[event.type]) === "apply",
    holdsShares: ({ context }) => context.holdings.size > 0,
    entryVoided: ({ context }) =>
      entries(context.fills).length > 0 &&
      !hasProvisional(context.fills) &&
      context.holdings.size === 0 &&
      context.holdings.settlementPrice === null,
    flat: ({ context }) => context.holdings.size === 0 && !hasProvisional(context.fills),
    settledAndResolved: ({ context }) =>
      context.holdings.settlementPrice !== null && !hasProvisional(context.fills),
    notSettled: ({ context }) => context.holdings.settlementPrice === null,
    newHigh: ({ context, event }) =>
      event.type === "MARK" && event.bid > (context.highWaterMark ?? Number.NEGATIVE_INFINITY),
    currentExit: ({ context, event }) =>
      event.type === "EXIT_FAILED" && event.intentId === context.exitIntentId,
  },
  actions: {
    applyFill: assign(({ context, event }) => {
      if (!isFill(event)) return {};
      const status = STATUS[event.type];
      const books = booksNow(context.fills, event.fill.tradeId, status);
      const fills = withFill(context.fills, event.fill, status);
      const booked = books ? bookFill(context.holdings, event.fill) : context.holdings;
      return { fills, holdings: settleFreeShares(booked, fills) };
    }),
    mark: assign(({ event }) => (event.type === "MARK" ? { highWaterMark: event.bid } : {})),
    stop: assign(({ event }) => (event.type === "STOP" ? { exitReason: event.reason } : {})),
    takeProfit: assign({ exitReason: "TAKE_PROFIT" as const }),
    expire: assign({ exitReason: "SETTLEMENT" as const }),
    exitSent: assign(({ context, event }) =>
      event.type === "EXIT_SENT"
        ? {
            exitAttempts: context.exitAttempts + 1,
            exitIntentId: event.intentId,
            exitDeadlineAt: event.deadlineAt,
            exitRetryAt: null,
          }
        : {},
    ),
    exitFailed: assign(({ event }) =>
      event.type === "EXIT_FAILED"
        ? {
            exitIntentId: null,
            exitDeadlineAt: null,
            exitRetryAt: event.retryAt,
            lastExitFailure: event.reason,
          }
        : {},
    ),
    settle: assign(({ context, event }) =>
      event.type === "SETTLED"
        ? {
            holdings: settleFreeShares(
              { ...context.holdings, settlementPrice: event.payoutPerShare },
              context.fills,
            ),
            exitReason:
              context.holdings.size > 0
                ? ("SETTLEMENT" as const)
                : (context.exitReason ?? "SETTLEMENT"),
            exitDeadlineAt: null,
          }
        : {},
    ),
    closed: assign(({ event }) => ({ closedAt: event.at, exitDeadlineAt: null })),
  },
}).createMachine({
  id: "position",
  context: ({ input }) => initialContext(input),
  initial: "ENTRY",
  on: {
    FILL_MATCHED: fillTransition,
    FILL_CONFIRMED: fillTransition,
    FILL_FAILED: fillTransition,
    SETTLED: { guard: "notSettled", target: ".EXPIRY", actions: "settle" },
  },
  states: {
    ENTRY: {
      always: { guard: "holdsShares", target: "MONITORING" },
      on: {
        ENTRY_ENDED: { guard: "entryVoided", target: "CLOSED" },
        MARK: { guard: "newHigh", actions: "mark" },
        EXPIRE: { target: "EXPIRY", actions: "expire" },
      },
    },
    MONITORING: {
      always: { guard: "flat", target: "CLOSED" },
      on: {
        MARK: { guard: "newHigh", actions: "mark" },
        STOP: { target: "STOP_TRIGGERED", actions: "stop" },
        TAKE_PROFIT: { target: "TP_TRIGGERED", actions: "takeProfit" },
        EXPIRE: { target: "EXPIRY", actions: "expire" },
      },
    },
    STOP_TRIGGERED: { on: { EXIT_SENT: { target: "EXIT_PENDING", actions: "exitSent" } } },
    TP_TRIGGERED: { on: { EXIT_SENT: { target: "EXIT_PENDING", actions: "exitSent" } } },
    EXPIRY: { always: { guard: "settledAndResolved", target: "CLOSED" } },
    EXIT_PENDING: {
      always: { guard: "flat", target: "CLOSED" },
      on: { EXIT_FAILED: { guard: "currentExit", target: "MONITORING", actions: "exitFailed" } },
    },
    CLOSED: { type: "final", entry: "closed" },
  },
});

export type PositionMachine = typeof positionMachine;

/** The machine's state as the wire's PositionState (the state names are the same). */
export function stateOf(value: unknown): PositionState {
  const parsed = positionState.safeParse(value);
  if (!parsed.success) {
    throw new InvariantError(`position machine in unknown state ${JSON.stringify(value)}`);
  }
  return parsed.data;
}
