/**
 * The live adapter's stream of our order and trade changes (issue 17): the authenticated user
 * channel (`/ws/user`, user-ws.ts) while it is up; REST polling every `pollMs` while it is down;
 * a REST catch-up every time it (re)opens (and a second one a second later), and a REST reconciliation every `reconcileMs` while it
 * stays up. Whichever path sees a change first reports it: each trade (id + status) and each order
 * state is emitted once, and never a state older than one already reported.
 *
 * An order's fill is never reported before the trades it counts: an order state whose filled size
 * exceeds the trades reported for it waits (`held`) until they arrive — on the socket, or from a
 * REST read that began after the state was seen. A REST poll reads the orders before the trades
 * and reports them after, for the same reason.
 */
import type { Clock, TimerHandle } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import type { Logger } from "../../agents/runtime/logger.ts";
import type {
  OrderUpdateKind,
  TradeStatus,
  UserEvent,
  VenueOrder,
  VenueOrderStatus,
  VenueTrade,
} from "../../agents/runtime/venue.ts";
import { ourTrades, venueOrderOf, type Ours, type UserOrder, type UserTrade } from "./user-wire.ts";
import { UserWsClient, type UserWsOptions, type UserWsStats } from "./user-ws.ts";

/** How often the user stream polls while the socket is down (or always without a socket). */
export const USER_POLL_MS = 1_000;
/** How often the REST reconciliation runs while the user socket is up. */
export const USER_RECONCILE_MS = 30_000;
/** How long a held order state waits for its trades on the socket before a REST read settles it. */
export const HOLD_CATCH_UP_MS = 1_000;
/** The second catch-up after a (re)connect, once the unacknowledged subscribe has landed. */
export const SECOND_CATCH_UP_MS = 1_000;
const USER_POLL_TIMEOUT_MS = 5_000;

export interface UserStreamOptions {
  clock: Clock;
  rng: Rng;
  log?: Logger;
  /** e.g. ws://127.0.0.1:8080/ws/user; null: REST polling only. */
  socketUrl: string | null;
  creds: { key: string; secret: string; passphrase: string } | null;
  pollMs?: number;
  reconcileMs?: number;
  ours: Ours;
  /** An order's current state over REST (null: not found). */
  getOrder(hash: string, opts: { timeoutMs: number }): Promise<VenueOrder | null>;
  /** Every trade of ours over REST. */
  trades(opts: { timeoutMs: number }): Promise<VenueTrade[]>;
  /** The socket client (default: a UserWsClient on `socketUrl`); tests pass a fake. */
  socket?: (options: UserWsOptions) => UserSocket;
}

/** What the stream needs of the user socket (UserWsClient). */
export interface UserSocket {
  readonly open: boolean;
  readonly stats: UserWsStats;
  start(): void;
  drop(): void;
  close(): void;
}

export type UserStreamStats = UserWsStats & { held: number };

export class UserStream {
  private readonly listeners = new Set<(e: UserEvent) => void>();
  private ws: UserSocket | null = null;
  private pollTimer: TimerHandle | null = null;
  private holdTimer: TimerHandle | null = null;
  private settleTimer: TimerHandle | null = null;
  private started = false;
  private closed = false;
  private polling = false;
  private pollAgain = false;
  /** Orders placed or recovered here and not yet terminal → last reported "status:filled". */
  private readonly tracked = new Map<string, string>();
  /** Trade id → the last status reported. */
  private readonly tradeSeen = new Map<string, TradeStatus>();
  /** Order hash → the size of the trades reported for it (each trade id counted once). */
  private readonly covered = new Map<string, number>();
  /** Order hash → the last state reported. */
  private readonly orderLast = new Map<string, { status: VenueOrderStatus; filled: number }>();
  /** Order states waiting for the trades that make up their fills. */
  private readonly held = new Map<string, VenueOrder>();

  constructor(private readonly o: UserStreamOptions) {}

  /** Follows this order (placed or recovered here) until it is terminal. */
  track(hash: string): void {
    if (!this.tracked.has(hash) && !this.orderLast.has(hash)) this.tracked.set(hash, "");
  }

  subscribe(listener: (e: UserEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.started) this.start();
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The socket's counters; null when there is no socket (REST polling only). */
  stats(): UserStreamStats | null {
    return this.ws === null ? null : { ...this.ws.stats, held: this.held.size };
  }

  dropSocket(): void {
    this.ws?.drop();
  }

  close(): void {
    this.closed = true;
    if (this.pollTimer !== null) this.o.clock.clearTimer(this.pollTimer);
    this.pollTimer = null;
    if (this.holdTimer !== null) this.o.clock.clearTimer(this.holdTimer);
    if (this.settleTimer !== null) this.o.clock.clearTimer(this.settleTimer);
    this.settleTimer = null;
    this.holdTimer = null;
    this.ws?.close();
  }

  private start(): void {
    this.started = true;
    const creds = this.o.creds;
    if (this.o.socketUrl !== null && creds !== null && creds.key !== "") {
      const options: UserWsOptions = {
        url: this.o.socketUrl,
        creds,
        clock: this.o.clock,
        rng: this.o.rng,
        ...(this.o.log === undefined ? {} : { log: this.o.log }),
        onOpen: () => {
          // The catch-up: whatever happened while the socket was down (or before it opened).
          this.runPoll();
          // The venue does not acknowledge the subscribe, and the REST read may reach it first:
          // a fill between that read and the subscription taking effect is on neither path. A
          // second read, once the subscribe has surely landed, closes that gap.
          if (this.settleTimer !== null) this.o.clock.clearTimer(this.settleTimer);
          this.settleTimer = this.o.clock.setTimer(SECOND_CATCH_UP_MS, () => {
            this.settleTimer = null;
            if (this.ws?.open === true) this.runPoll();
          });
        },
        onDown: () => {
          if (!this.polling) this.armPoll();
        },
        onOrder: (order) => {
          this.onSocketOrder(order);
        },
        onTrade: (trade) => {
          this.onSocketTrade(trade);
        },
      };
      this.ws = this.o.socket?.(options) ?? new UserWsClient(options);
      this.ws.start();
    }
    this.armPoll();
  }

  /** The next REST read: soon while the socket is down, a slow reconciliation while it is up. */
  private armPoll(): void {
    if (this.closed) return;
    if (this.pollTimer !== null) this.o.clock.clearTimer(this.pollTimer);
    const pollMs = this.o.pollMs ?? USER_POLL_MS;
    const ms =
      this.ws?.open === true ? Math.max(pollMs, this.o.reconcileMs ?? USER_RECONCILE_MS) : pollMs;
    this.pollTimer = this.o.clock.setTimer(ms, () => {
      this.pollTimer = null;
      this.runPoll();
    });
  }

  /** One REST read now, or right after the one in flight (which may have begun too early). */
  private runPoll(): void {
    if (this.closed) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    void this.poll().finally(() => {
      this.polling = false;
      // A read that failed leaves held states held: try again soon, not only at the next poll.
      if (this.held.size > 0) this.armHoldCatchUp();
      if (this.pollAgain) {
        this.pollAgain = false;
        this.runPoll();
      } else this.armPoll();
    });
  }

  private onSocketTrade(wire: UserTrade): void {
    for (const t of ourTrades(wire, this.o.ours)) this.emitTrade(t);
    this.releaseCovered();
  }

  private onSocketOrder(wire: UserOrder): void {
    // Orders placed or recovered here, as the REST path follows; others of the key are not ours.
    if (this.o.ours.clientIdOf(wire.id) === undefined && !this.tracked.has(wire.id)) return;
    this.offerOrder(venueOrderOf(wire, this.o.ours, this.o.clock.now()), false);
  }

  private emit(e: UserEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  /** A trade, unless this id was already reported with this status or a later one. */
  private emitTrade(t: VenueTrade): void {
    const last = this.tradeSeen.get(t.tradeId);
    if (last !== undefined && TRADE_RANK[t.status] <= TRADE_RANK[last]) return;
    this.tradeSeen.set(t.tradeId, t.status);
    if (last === undefined && t.status !== "FAILED") {
      this.covered.set(t.venueOrderId, (this.covered.get(t.venueOrderId) ?? 0) + t.size);
    }
    this.emit({ type: "trade", trade: t, ts: this.o.clock.now() });
  }

  /**
   * An order state, unless it is not newer than the last reported (or held) one. `ordered`: the
   * caller read it before reading the trades it has just reported, so its fills are covered.
   */
  private offerOrder(o: VenueOrder, ordered: boolean): void {
    const hash = o.venueOrderId;
    if (!progressed(o, this.orderLast.get(hash))) return;
    const held = this.held.get(hash);
    if (held !== undefined && !progressed(o, { status: held.status, filled: held.filledSize }))
      return;
    if (!ordered && o.filledSize > (this.covered.get(hash) ?? 0)) {
      this.held.set(hash, o);
      this.armHoldCatchUp();
      return;
    }
    this.emitOrder(o);
  }

  private emitOrder(o: VenueOrder): void {
    const hash = o.venueOrderId;
    const last = { status: o.status, filled: o.filledSize };
    this.orderLast.set(hash, last);
    const held = this.held.get(hash);
    if (held !== undefined && !progressed(held, last)) this.held.delete(hash);
    if (o.status === "OPEN" || o.status === "PARTIALLY_FILLED") {
      if (this.tracked.has(hash)) this.tracked.set(hash, `${o.status}:${o.filledSize}`);
    } else this.tracked.delete(hash);
    this.emit({ type: "order", event: orderEvent(o.status), order: o, ts: this.o.clock.now() });
  }

  /** Held order states whose fills the reported trades now cover. */
  private releaseCovered(): void {
    for (const [hash, o] of [...this.held]) {
      if (o.filledSize > (this.covered.get(hash) ?? 0)) continue;
      this.held.delete(hash);
      if (progressed(o, this.orderLast.get(hash))) this.emitOrder(o);
    }
  }

  /** A held state whose trades do not follow on the socket soon is settled by a REST read. */
  private armHoldCatchUp(): void {
    if (this.holdTimer !== null || this.closed) return;
    this.holdTimer = this.o.clock.setTimer(HOLD_CATCH_UP_MS, () => {
      this.holdTimer = null;
      if (this.held.size > 0) this.runPoll();
    });
  }

  private async poll(): Promise<void> {
    const opts = { timeoutMs: USER_POLL_TIMEOUT_MS };
    // Held before this read began: the trades read below include every fill they count.
    const heldBefore = [...this.held];
    try {
      // Orders are read before trades and reported after them: every fill an order's status
      // counts happened before the trades were read, so an order's FILLED never overtakes its
      // trade (a fill between the two reads shows as the trade now and the status next poll).
      const orders: VenueOrder[] = [];
      for (const [hash, last] of [...this.tracked]) {
        const o = await this.o.getOrder(hash, opts);
        if (o !== null && `${o.status}:${o.filledSize}` !== last) orders.push(o);
      }
      const trades = await this.o.trades(opts);
      for (const t of trades) this.emitTrade(t);
      for (const [hash, o] of heldBefore) {
        if (this.held.get(hash) !== o) continue;
        this.held.delete(hash);
        this.offerOrder(o, true);
      }
      for (const o of orders) this.offerOrder(o, true);
      this.releaseCovered();
    } catch (error) {
      // Counted by the caller's reconciliation; the next poll retries.
      this.o.log?.debug({ err: (error as Error).message }, "user poll failed");
    }
  }
}

const TRADE_RANK: Record<TradeStatus, number> = { MATCHED: 0, CONFIRMED: 1, FAILED: 1 };
const ORDER_RANK: Record<VenueOrderStatus, number> = {
  OPEN: 0,
  PARTIALLY_FILLED: 1,
  FILLED: 2,
  CANCELLED: 2,
  EXPIRED: 2,
};

/** True when `o` is a later state than `last`: more filled, or further on at the same fill. */
function progressed(
  o: VenueOrder,
  last: { status: VenueOrderStatus; filled: number } | undefined,
): boolean {
  if (last === undefined) return true;
  if (ORDER_RANK[last.status] === 2) return false;
  if (o.filledSize !== last.filled) return o.filledSize > last.filled;
  return ORDER_RANK[o.status] > ORDER_RANK[last.status];
}

function orderEvent(status: VenueOrderStatus): OrderUpdateKind {
  switch (status) {
    case "OPEN":
      return "placed";
    case "PARTIALLY_FILLED":
      return "partially_filled";
    case "FILLED":
      return "filled";
    case "CANCELLED":
      return "cancelled";
    case "EXPIRED":
      return "expired";
  }
}
