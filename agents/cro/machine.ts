/**
 * The trading-state machine: ACTIVE · PAUSED · FLATTENING · HALTED (DESIGN.md "Trading states").
 * It holds no clock and reads no store: every event carries `now`, and EVALUATE carries the
 * current blockers (blockers.ts), so the machine is a pure function of its event log.
 *
 * - Automatic triggers only escalate (ACTIVE → PAUSED → HALTED); they set `tripped`.
 * - The kill switch is an operator control: it halts AND sets the operator hold.
 * - Operator halts set the operator hold; only OPERATOR_RESUME clears it.
 * - Recovery to ACTIVE needs no blocker at all, no hold, and under `recovery_policy: manual` no
 *   automatic trip since the last operator resume.
 * - FLATTENING never recovers directly: once nothing is open it holds PAUSED.
 */
import { assign, setup } from "xstate";
import type { HaltLevel } from "../../contracts/ops.ts";
import type { TradingState } from "../../contracts/common.ts";
import type { Blocker } from "./blockers.ts";

export const MACHINE_VERSION = 1;

export const STATE_RANK: Record<TradingState, number> = {
  ACTIVE: 0,
  PAUSED: 1,
  FLATTENING: 2,
  HALTED: 3,
};

const HALT_TARGET: Record<HaltLevel, TradingState> = {
  pause: "PAUSED",
  flatten: "FLATTENING",
  emergency: "HALTED",
};

export interface TradingContext {
  reason: string;
  since: number;
  operatorHold: boolean;
  /** An automatic trigger fired since the last operator resume (matters under manual recovery). */
  tripped: boolean;
}

export type TradingEvent =
  | {
      type: "EVALUATE";
      now: number;
      blockers: readonly Blocker[];
      policy: "auto" | "manual";
      /** No open position and no open order remains (ends FLATTENING). */
      flat: boolean;
    }
  | { type: "OPERATOR_HALT"; now: number; level: HaltLevel; reason: string }
  | { type: "OPERATOR_RESUME"; now: number; reason: string };

type Target = "PAUSED" | "HALTED";

function firstText(blockers: readonly Blocker[], pick: (b: Blocker) => boolean): string {
  return blockers.find(pick)?.text ?? "unspecified";
}

export const tradingMachine = setup({
  types: {
    context: {} as TradingContext,
    events: {} as TradingEvent,
    input: {} as TradingContext,
  },
  guards: {
    killSwitch: ({ context, event }, p: { from: TradingState }) =>
      event.type === "EVALUATE" &&
      event.blockers.some((b) => b.hold) &&
      !(p.from === "HALTED" && context.operatorHold),
    triggers: ({ event }, p: { from: TradingState; to: Target }): boolean =>
      event.type === "EVALUATE" &&
      STATE_RANK[p.to] > STATE_RANK[p.from] &&
      event.blockers.some((b) => b.trigger === p.to),
    flattened: ({ event }, p: { from: TradingState }) =>
      event.type === "EVALUATE" && p.from === "FLATTENING" && event.flat,
    recovers: ({ context, event }, p: { from: TradingState }) =>
      event.type === "EVALUATE" &&
      (p.from === "PAUSED" || p.from === "HALTED") &&
      event.blockers.length === 0 &&
      !context.operatorHold &&
      (event.policy === "auto" || !context.tripped),
    haltLevel: ({ event }, p: { level: HaltLevel }) =>
      event.type === "OPERATOR_HALT" && event.level === p.level,
  },
  actions: {
    trip: assign(({ context, event }, p: { from: TradingState; to: Target; hold: boolean }) => {
      if (event.type !== "EVALUATE") return {};
      const pick = p.hold ? (b: Blocker) => b.hold : (b: Blocker) => b.trigger === p.to;
      return {
        reason: firstText(event.blockers, pick),
        since: p.from === p.to ? context.since : event.now,
        tripped: true,
        operatorHold: context.operatorHold || p.hold,
      };
    }),
    flatDone: assign(({ event }) => ({
      reason: "flatten complete: holding PAUSED",
      since: event.now,
    })),
    recover: assign(({ event }) => ({ reason: "all clear", since: event.now, tripped: false })),
    operatorHalt: assign(({ context, event }, p: { from: TradingState }) => {
      if (event.type !== "OPERATOR_HALT") return {};
      const to = HALT_TARGET[event.level];
      return {
        reason: `operator halt ${event.level}: ${event.reason}`,
        since: to === p.from ? context.since : event.now,
        operatorHold: true,
      };
    }),
    operatorResume: assign(({ context, event }) => ({
      reason:
        event.type === "OPERATOR_RESUME" ? `operator resume: ${event.reason}` : context.reason,
      operatorHold: false,
      tripped: false,
    })),
  },
}).createMachine({
  id: "trading",
  context: ({ input }) => input,
  initial: "PAUSED",
  states: {
    ACTIVE: { on: transitionsFrom("ACTIVE") },
    PAUSED: { on: transitionsFrom("PAUSED") },
    FLATTENING: { on: transitionsFrom("FLATTENING") },
    HALTED: { on: transitionsFrom("HALTED") },
  },
});

/** The same rules from every state; `from` lets guards and actions know where they start. */
function transitionsFrom(from: TradingState) {
  const trip = (to: Target, hold: boolean) =>
    ({ type: "trip", params: { from, to, hold } }) as const;
  const halt = (level: HaltLevel) =>
    ({
      guard: { type: "haltLevel", params: { level } },
      target: `#trading.${HALT_TARGET[level]}`,
      actions: { type: "operatorHalt", params: { from } },
    }) as const;
  return {
    EVALUATE: [
      {
        guard: { type: "killSwitch", params: { from } },
        target: "#trading.HALTED",
        actions: trip("HALTED", true),
      },
      {
        guard: { type: "triggers", params: { from, to: "HALTED" } },
        target: "#trading.HALTED",
        actions: trip("HALTED", false),
      },
      {
        guard: { type: "triggers", params: { from, to: "PAUSED" } },
        target: "#trading.PAUSED",
        actions: trip("PAUSED", false),
      },
      {
        guard: { type: "flattened", params: { from } },
        target: "#trading.PAUSED",
        actions: "flatDone",
      },
      {
        guard: { type: "recovers", params: { from } },
        target: "#trading.ACTIVE",
        actions: "recover",
      },
    ],
    OPERATOR_HALT: [halt("pause"), halt("flatten"), halt("emergency")],
    OPERATOR_RESUME: { actions: "operatorResume" },
  } as const;
}
