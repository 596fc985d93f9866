/**
 * Runs the trading-state machine for the CRO actor and restores it at start. The restore is
 * fail-closed: a CRO that stopped while ACTIVE comes back PAUSED (it must see the agents, the feed
 * and a clean reconciliation again); any other state, the operator hold and the trip flag come back
 * as they were.
 */
import { createActor, type Actor } from "xstate";
import type { TradingState } from "../../contracts/common.ts";
import type { StoredCroEvent } from "../runtime/store.ts";
import {
  MACHINE_VERSION,
  tradingMachine,
  type TradingContext,
  type TradingEvent,
} from "./machine.ts";

/** What every cro_events row carries in `detail`, besides its columns. */
export interface CroEventDetail {
  machineVersion: number;
  tripped: boolean;
  sessionStartAt: number;
  blockers: string[];
}

export interface Restored {
  state: TradingState;
  context: TradingContext;
  sessionStartAt: number;
}

function readDetail(detail: unknown): Partial<CroEventDetail> {
  if (typeof detail !== "object" || detail === null) return {};
  const d = detail as Record<string, unknown>;
  const out: Partial<CroEventDetail> = {};
  if (typeof d.tripped === "boolean") out.tripped = d.tripped;
  if (typeof d.sessionStartAt === "number") out.sessionStartAt = d.sessionStartAt;
  return out;
}

export function restoreFrom(last: StoredCroEvent | null, now: number): Restored {
  if (last === null) {
    return {
      state: "PAUSED",
      context: {
        reason: "starting: no previous state",
        since: now,
        operatorHold: false,
        tripped: false,
      },
      sessionStartAt: now,
    };
  }
  const detail = readDetail(last.detail);
  const sessionStartAt = detail.sessionStartAt ?? now;
  if (last.state === "ACTIVE") {
    const reason = "starting: was ACTIVE; waiting for agents, feed and a clean reconciliation";
    return {
      state: "PAUSED",
      context: { reason, since: now, operatorHold: last.operatorHold, tripped: false },
      sessionStartAt,
    };
  }
  return {
    state: last.state,
    context: {
      reason: `starting: restored ${last.state} (${last.reason})`.slice(0, 500),
      since: last.ts,
      operatorHold: last.operatorHold,
      tripped: detail.tripped ?? !last.operatorHold,
    },
    sessionStartAt,
  };
}

export interface Transition {
  changed: boolean;
  from: TradingState;
  to: TradingState;
}

export class TradingKeeper {
  private readonly actor: Actor<typeof tradingMachine>;

  constructor(restored: Restored) {
    const snapshot = tradingMachine.resolveState({
      value: restored.state,
      context: restored.context,
    });
    this.actor = createActor(tradingMachine, { snapshot, input: restored.context });
    this.actor.start();
  }

  get state(): TradingState {
    return this.actor.getSnapshot().value;
  }

  get context(): TradingContext {
    return this.actor.getSnapshot().context;
  }

  /** Sends one event; `changed` when the state or anything recorded about it moved. */
  send(event: TradingEvent): Transition {
    const before = this.actor.getSnapshot();
    this.actor.send(event);
    const after = this.actor.getSnapshot();
    const a = before.context;
    const b = after.context;
    const changed =
      before.value !== after.value ||
      a.reason !== b.reason ||
      a.operatorHold !== b.operatorHold ||
      a.tripped !== b.tripped;
    return { changed, from: before.value, to: after.value };
  }

  detail(sessionStartAt: number, blockers: string[]): CroEventDetail {
    return {
      machineVersion: MACHINE_VERSION,
      tripped: this.context.tripped,
      sessionStartAt,
      blockers,
    };
  }

  stop(): void {
    this.actor.stop();
  }
}
