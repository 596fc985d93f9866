/**
 * The live positions: one XState actor each, plus what lives outside the machine (the latest mark
 * and the timers of the deadlines kept in its context). Every change of a machine's snapshot is
 * persisted (fenced) and published before anything else happens; a save that fails leaves the
 * position "dirty" and the handler's message unacknowledged, and the next handler run saves it
 * again before doing anything new, so the store never silently lags the machine.
 *
 * Timers: xstate does not re-arm `after` timers on restore, so the machine has none. The window
 * end and the exit deadline are data in its context, and `syncTimers` (re)arms them from there
 * after every change and after a restore.
 */
import { createActor, type Actor as XActor } from "xstate";
import type { Cause } from "../../bus/messages.ts";
import type { TimerHandle } from "../../bus/clock.ts";
import type { PositionState } from "../../contracts/positions.ts";
import type { ActorContext } from "../runtime/actor.ts";
import type { PositionRecord } from "../runtime/store.ts";
import { InvariantError } from "../runtime/errors.ts";
import {
  positionMachine,
  stateOf,
  type PositionContext,
  type PositionEvent,
  type PositionInput,
  type PositionMachine,
} from "./machine.ts";
import { fromRecord, toPosition, toRecord } from "./record.ts";

export class LivePosition {
  /** Best bid of the token's latest book; not in the machine (it changes on every book). */
  markPrice: number | null = null;
  publishedMark: number | null = null;
  windowTimer: TimerHandle | null = null;
  exitTimer: { handle: TimerHandle; intentId: string } | null = null;

  constructor(
    readonly id: string,
    readonly actor: XActor<PositionMachine>,
  ) {}

  state(): PositionState {
    return stateOf(this.actor.getSnapshot().value);
  }

  context(): PositionContext {
    return this.actor.getSnapshot().context;
  }
}

/** A singleton write attempted without the lease: never write unfenced. */
export class NotLeaderError extends Error {
  readonly code = "NOT_LEADER";
  constructor(what: string) {
    super(`portfolio is not the lease holder: refusing to ${what}`);
    this.name = "NotLeaderError";
  }
}

export interface PositionHooks {
  feeRateBps(ctx: PositionContext): number;
  windowEnded(live: LivePosition): Promise<void>;
  exitDeadline(live: LivePosition, intentId: string): Promise<void>;
  closed(live: LivePosition, cause: Cause | null): Promise<void>;
}

export class PositionBook {
  private readonly live = new Map<string, LivePosition>();
  private readonly dirty = new Map<string, Cause | null>();

  constructor(
    private readonly ctx: ActorContext,
    private readonly hooks: PositionHooks,
  ) {}

  get(positionId: string): LivePosition | undefined {
    return this.live.get(positionId);
  }

  open(): LivePosition[] {
    return [...this.live.values()];
  }

  byToken(tokenId: string): LivePosition[] {
    return this.open().filter((p) => p.context().tokenId === tokenId);
  }

  /** A new position, not yet persisted: its first event's change persists it. */
  create(input: PositionInput): LivePosition {
    return this.track(input.positionId, createActor(positionMachine, { input }));
  }

  /** Restores every open position of this mode, checking each record on the way in. */
  async restoreAll(): Promise<LivePosition[]> {
    const records = await this.ctx.store.listPositions({ open: true, mode: this.ctx.mode });
    return records.map((rec) => this.restore(rec));
  }

  private restore(rec: PositionRecord): LivePosition {
    const { snapshot, input } = fromRecord(rec);
    const live = this.track(rec.positionId, createActor(positionMachine, { snapshot, input }));
    live.markPrice = rec.markPrice;
    live.publishedMark = rec.markPrice;
    this.syncTimers(live);
    return live;
  }

  private track(id: string, actor: XActor<PositionMachine>): LivePosition {
    const live = new LivePosition(id, actor);
    // Without an error observer xstate rethrows a failed actor's error asynchronously.
    actor.subscribe({ error: () => undefined });
    actor.start();
    this.live.set(id, live);
    return live;
  }

  /** Sends one event; persists and publishes when the snapshot changed. True when it changed. */
  async send(live: LivePosition, event: PositionEvent, cause: Cause | null): Promise<boolean> {
    const before = live.actor.getSnapshot();
    live.actor.send(event);
    const after = live.actor.getSnapshot();
    if (after.status === "error") {
      throw new InvariantError(`position ${live.id}: machine failed on ${event.type}`, {
        cause: after.error,
      });
    }
    if (after === before) return false;
    await this.persist(live, cause);
    return true;
  }

  /** Saves again whatever a failed save left behind; throws while the store still fails. */
  async flush(): Promise<void> {
    for (const [id, cause] of [...this.dirty]) {
      const live = this.live.get(id);
      if (live === undefined) this.dirty.delete(id);
      else await this.persist(live, cause);
    }
  }

  /** Re-persists positions whose mark moved since they were last published. */
  async refreshMarks(): Promise<void> {
    for (const live of this.open()) {
      if (live.markPrice !== live.publishedMark) await this.persist(live, null);
    }
  }

  async persist(live: LivePosition, cause: Cause | null): Promise<void> {
    const snap = live.actor.getSnapshot();
    const state = stateOf(snap.value);
    const position = toPosition(
      snap.context,
      state,
      live.markPrice,
      this.hooks.feeRateBps(snap.context),
    );
    const now = this.ctx.clock.now();
    const record = toRecord(position, snap.context, live.actor.getPersistedSnapshot(), now);
    const fence = this.ctx.fence();
    if (fence === null) throw new NotLeaderError(`save position ${live.id}`);
    this.dirty.set(live.id, cause);
    await this.ctx.store.savePosition(record, fence);
    await this.ctx.publish("portfolio.position", position, cause);
    this.dirty.delete(live.id);
    live.publishedMark = live.markPrice;
    this.syncTimers(live);
    if (state === "CLOSED") {
      this.live.delete(live.id);
      await this.hooks.closed(live, cause);
    }
  }

  /** Arms the timers the context's deadlines call for, and cancels the ones it no longer does. */
  private syncTimers(live: LivePosition): void {
    const state = live.state();
    const c = live.context();
    const now = this.ctx.clock.now();
    const wantWindow = (state === "ENTRY" || state === "MONITORING") && c.windowEndTs !== null;
    if (wantWindow && live.windowTimer === null && c.windowEndTs !== null) {
      live.windowTimer = this.ctx.after(
        Math.max(0, c.windowEndTs - now),
        "portfolio.window-end",
        () => {
          live.windowTimer = null;
          return this.hooks.windowEnded(live);
        },
      );
    } else if (!wantWindow && live.windowTimer !== null) {
      this.ctx.cancelTimer(live.windowTimer);
      live.windowTimer = null;
    }
    const intentId = state === "EXIT_PENDING" ? c.exitIntentId : null;
    if (live.exitTimer !== null && live.exitTimer.intentId !== intentId) {
      this.ctx.cancelTimer(live.exitTimer.handle);
      live.exitTimer = null;
    }
    if (intentId !== null && live.exitTimer === null && c.exitDeadlineAt !== null) {
      const handle = this.ctx.after(
        Math.max(0, c.exitDeadlineAt - now),
        "portfolio.exit-deadline",
        () => {
          live.exitTimer = null;
          return this.hooks.exitDeadline(live, intentId);
        },
      );
      live.exitTimer = { handle, intentId };
    }
  }
}
