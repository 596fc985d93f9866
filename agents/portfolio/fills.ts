/**
 * Fills and settlements into positions. Idempotent by (tradeId, status) through each position's
 * ledger, which is persisted with its snapshot before the fill is acknowledged: a redelivered
 * fill, or the same trade reported twice, changes nothing (invariant 5).
 *
 * A fill that names no position, a different mode, or an unknown position with anything but an
 * entry buy is bad input: logged, audited, acknowledged, nothing changed. (An entry's FAILED that
 * overtook its MATCHED does open the position, holding the voided trade.) A new report about a
 * position that is already closed cannot be booked any more; it is logged as an error and audited
 * ("fill.after-close") so that reconciliation and a person can see it, rather than crash-looping.
 */
import type { Logger } from "pino";
import type { Cause } from "../../bus/messages.ts";
import { MICRO } from "../../contracts/money.ts";
import type { MdWindow } from "../../contracts/market-data.ts";
import type { ExecFill, Order, OrderStatus } from "../../contracts/orders.ts";
import type { ActorContext } from "../runtime/actor.ts";
import { classifyFill, entries, type FillFact } from "./ledger.ts";
import type { PositionEvent } from "./machine.ts";
import { windowEndFromSlug, type Markets } from "./markets.ts";
import { slippage } from "./pnl.ts";
import type { LivePosition, PositionBook } from "./positions.ts";
import { fromRecord } from "./record.ts";
import type { Exits } from "./exits.ts";

/** An order in one of these can trade no more. */
const ORDER_FINAL: ReadonlySet<OrderStatus> = new Set([
  "FILLED",
  "CANCELLED",
  "EXPIRED",
  "REJECTED",
  "REFUSED",
]);

const FILL_EVENT = {
  MATCHED: "FILL_MATCHED",
  CONFIRMED: "FILL_CONFIRMED",
  FAILED: "FILL_FAILED",
} as const;

export class FillDesk {
  constructor(
    private readonly ctx: ActorContext,
    private readonly book: PositionBook,
    private readonly markets: Markets,
    private readonly exits: Exits,
  ) {}

  async onFill(m: ExecFill, log: Logger): Promise<void> {
    if (m.positionId === null || m.mode !== this.ctx.mode) {
      const why =
        m.positionId === null ? "names no position" : `is ${m.mode}, not ${this.ctx.mode}`;
      log.warn({ tradeId: m.tradeId }, `fill ignored: it ${why}`);
      await this.audit("fill.rejected", m, m.positionId, { reason: `fill ${why}`, fill: m });
      return;
    }
    const live = this.book.get(m.positionId) ?? (await this.open(m, m.positionId, log));
    if (live === null) return;
    const verdict = classifyFill(live.context().fills, m.tradeId, m.status);
    if (verdict === "duplicate") {
      log.debug({ tradeId: m.tradeId, status: m.status }, "fill already booked");
      return;
    }
    if (verdict === "conflict") {
      const was = live.context().fills[m.tradeId]?.status;
      log.error({ tradeId: m.tradeId, was, now: m.status }, "fill status conflict: ignored");
      await this.audit("fill.conflict", m, live.id, { was, fill: m });
      return;
    }
    if (live.context().fills[m.tradeId] === undefined) await this.recordSlippage(m, live.id);
    const fill: FillFact = {
      tradeId: m.tradeId,
      kind: m.kind,
      side: m.side,
      price: m.price,
      size: m.size,
      fee: m.fee,
    };
    const event: PositionEvent = { type: FILL_EVENT[m.status], fill, at: this.ctx.clock.now() };
    await this.book.send(live, event, m);
    await this.settleIfResolved(live, m);
    if (m.kind === "ENTRY") await this.closeIfEntryEnded(live, m);
    await this.exits.evaluate(live, m);
  }

  /** Execution reports an entry order that can trade no more. */
  async entryOrderEnded(m: Order, cause: Cause): Promise<void> {
    if (m.kind !== "ENTRY" || m.positionId === null || !ORDER_FINAL.has(m.status)) return;
    const live = this.book.get(m.positionId);
    if (live !== undefined) await this.closeIfEntryEnded(live, cause);
  }

  /** An order of a position can trade no more: a settlement that waited for it may go now. */
  async orderEnded(m: Order, cause: Cause): Promise<void> {
    if (m.positionId === null || !ORDER_FINAL.has(m.status)) return;
    const live = this.book.get(m.positionId);
    if (live !== undefined) await this.settleIfResolved(live, cause);
  }

  /**
   * A position still in ENTRY with nothing held learns whether its entry has ended: every entry
   * order can trade no more (Execution records each order's status in the store), and every trade
   * of those orders has reached this position and is final. Only then does a wholly voided entry
   * close: a resting order may still fill after a ghost fill was voided, and the order's final
   * status may overtake its last fill on the bus.
   */
  async closeIfEntryEnded(live: LivePosition, cause: Cause | null): Promise<void> {
    const c = live.context();
    if (live.state() !== "ENTRY" || c.holdings.size !== 0) return;
    const { store } = this.ctx;
    const orders = (await store.listOrders({ windowId: c.windowId })).filter(
      (o) => o.positionId === live.id && o.kind === "ENTRY",
    );
    if (orders.length === 0 || !orders.every((o) => ORDER_FINAL.has(o.status))) return;
    const known = entries(c.fills).filter((f) => f.kind === "ENTRY");
    const traded = (await store.listFills({ positionId: live.id })).filter(
      (f) => f.kind === "ENTRY",
    );
    if (traded.some((f) => c.fills[f.tradeId] === undefined)) return;
    if (known.some((f) => f.status === "MATCHED")) return;
    const filled = orders.reduce((sum, o) => sum + o.filledSize, 0);
    if (known.reduce((sum, f) => sum + f.size, 0) < filled) return;
    await this.book.send(live, { type: "ENTRY_ENDED", at: this.ctx.clock.now() }, cause);
  }

  /**
   * Every order of the position is final in the store, every stored fill of it is in its ledger,
   * and what it knows of each side covers what those orders filled.
   */
  private async tradesAllKnown(live: LivePosition): Promise<boolean> {
    const c = live.context();
    const { store } = this.ctx;
    const orders = (await store.listOrders({ windowId: c.windowId })).filter(
      (o) => o.positionId === live.id,
    );
    if (!orders.every((o) => ORDER_FINAL.has(o.status))) return false;
    const stored = await store.listFills({ positionId: live.id });
    if (stored.some((f) => c.fills[f.tradeId] === undefined)) return false;
    const known = entries(c.fills);
    for (const side of ["BUY", "SELL"] as const) {
      const filled = orders.filter((o) => o.side === side).reduce((n, o) => n + o.filledSize, 0);
      const seen = known.filter((f) => f.side === side).reduce((n, f) => n + f.size, 0);
      if (seen < filled) return false;
    }
    return true;
  }

  /** The window resolved: its tokens pay 1 (the winning side) or 0 per share. */
  async settleWindow(m: MdWindow): Promise<void> {
    for (const live of this.book.open()) await this.settle(live, m, m);
  }

  /**
   * A fill booked after its window's resolution was handled (issue 19: Execution restarted by a
   * store outage or a takeover reports a trade it made before the window ended only after the
   * resolution went by): the venue has already paid those shares out, so the position settles now,
   * at the outcome Portfolio knows. Without this it held them in EXPIRY for good, books above the
   * venue. Settling twice is a no-op (the machine settles once).
   */
  async settleIfResolved(live: LivePosition, cause: Cause | null): Promise<void> {
    const w = this.markets.windowOf(live.context().windowId);
    if (w?.status !== "RESOLVED" || w.outcome === null) return;
    await this.settle(live, w, cause);
  }

  /** Every open position whose window resolved but which waits for its trades (a timer's sweep). */
  async settleResolved(): Promise<void> {
    for (const live of this.book.open()) {
      if (live.context().holdings.settlementPrice !== null) continue;
      await this.settleIfResolved(live, null);
    }
  }

  /**
   * Settles a position at its window's outcome, but only once every order of the position can
   * trade no more and every trade of them has reached it: settlement closes a position that holds
   * nothing provisional, and a trade reported after the close can never be booked (issue 19: after
   * a store outage restarted Execution, the second trade of a FAK entry came after the resolution
   * had closed the position on the first; its PnL stayed wrong for good, a latched pnl-match
   * assertion). Until then the position waits in EXPIRY; every later fill, order end and the mark
   * timer try again.
   */
  private async settle(
    live: LivePosition,
    m: Pick<MdWindow, "windowId" | "upTokenId" | "downTokenId" | "outcome">,
    cause: Cause | null,
  ): Promise<void> {
    const c = live.context();
    if (m.outcome === null || c.holdings.settlementPrice !== null) return;
    if (c.tokenId !== m.upTokenId && c.tokenId !== m.downTokenId) return;
    if (!(await this.tradesAllKnown(live))) return;
    const wins = (c.tokenId === m.upTokenId) === (m.outcome === "UP");
    const payoutPerShare = wins ? MICRO : 0;
    const event: PositionEvent = { type: "SETTLED", payoutPerShare, at: this.ctx.clock.now() };
    if (!(await this.book.send(live, event, cause))) return;
    await this.audit("position.settled", cause, live.id, {
      windowId: m.windowId,
      outcome: m.outcome,
      payoutPerShare,
      settledSize: live.context().holdings.settledSize,
      payout: live.context().holdings.payout,
    });
  }

  /** Audit of every closed position: how it ended and what it made, net of fees. */
  async closed(live: LivePosition, cause: Cause | null): Promise<void> {
    const c = live.context();
    const h = c.holdings;
    this.ctx.log.info(
      { positionId: live.id, exitReason: c.exitReason, realizedPnl: h.realizedPnl, fees: h.fees },
      "position closed",
    );
    await this.audit("position.closed", cause, live.id, { exitReason: c.exitReason, holdings: h });
  }

  /** A position seen for the first time, or a report about one that already closed. */
  private async open(m: ExecFill, positionId: string, log: Logger): Promise<LivePosition | null> {
    const stored = await this.ctx.store.getPosition(positionId);
    if (stored !== null) {
      // A repeat, or an older status arriving late (MATCHED after FAILED), changes nothing.
      if (classifyFill(fromRecord(stored).context.fills, m.tradeId, m.status) === "duplicate") {
        return null;
      }
      log.error({ tradeId: m.tradeId, state: stored.state }, "fill for a closed position");
      await this.audit("fill.after-close", m, positionId, { fill: m, state: stored.state });
      return null;
    }
    // An entry's FAILED may overtake its MATCHED on the bus: the position starts from the voided
    // trade, so the late MATCHED is a backwards move and never books a trade the venue voided.
    if (m.kind !== "ENTRY" || m.side !== "BUY") {
      log.warn(
        { tradeId: m.tradeId, kind: m.kind, status: m.status },
        "fill for no known position",
      );
      await this.audit("fill.orphan", m, positionId, { fill: m });
      return null;
    }
    const window = this.markets.windowOf(m.windowId);
    return this.book.create({
      positionId,
      strategy: m.strategy,
      windowId: m.windowId,
      tokenId: m.tokenId,
      mode: m.mode,
      openedAt: this.ctx.clock.now(),
      windowEndTs: window?.endTs ?? windowEndFromSlug(m.windowId),
      feeRateBps: window?.feeRateBps ?? null,
    });
  }

  /** Intended vs actual price of each new trade, for the audit trail (entries and exits). */
  private async recordSlippage(m: ExecFill, positionId: string): Promise<void> {
    const s = slippage(m);
    await this.audit("fill.slippage", m, positionId, {
      tradeId: m.tradeId,
      kind: m.kind,
      side: m.side,
      status: m.status,
      intendedPrice: m.intendedPrice,
      price: m.price,
      size: m.size,
      fee: m.fee,
      ...s,
    });
  }

  private async audit(
    kind: string,
    cause: Cause | ExecFill | null,
    positionId: string | null,
    detail: unknown,
  ): Promise<void> {
    const fill = cause !== null && "tradeId" in cause ? cause : null;
    await this.ctx.store.appendAudit({
      ts: this.ctx.clock.now(),
      agent: this.ctx.identity.agent,
      kind,
      correlationId: cause?.correlationId ?? null,
      intentId: fill?.intentId ?? null,
      orderId: fill?.orderId ?? null,
      positionId,
      decisionId: null,
      detail,
    });
  }
}
