/**
 * Fills and order updates from the venue's user stream (invariant 5). Every trade is recorded by
 * trade id (idempotent; MATCHED → CONFIRMED or FAILED only) and published on `exec.fill` only when
 * the stored row changed, with the venue's actual price, size and fee, never the requested ones.
 * A MATCHED trade left unconfirmed past `confirmTimeoutMs` is settled by polling venue.trades().
 */
import type { Fill } from "../../contracts/index.ts";
import type { FillRecord, OrderRecord } from "../runtime/store.ts";
import type { OrderUpdateKind, VenueOrder, VenueTrade } from "../runtime/venue.ts";
import { backoffMs } from "./config.ts";
import { audit, causeFor, leaderFence, orderRefs, withRetry, type ExecEnv } from "./env.ts";
import { recordVenueOrder } from "./order-updates.ts";
import { describeError, withTimeout } from "./venue-calls.ts";
import {
  parseReply,
  tradesReportSchema,
  userEventSchema,
  venueTradeSchema,
} from "./venue-replies.ts";

/** The stored fill for a venue trade on one of our orders: the venue's numbers, our references. */
export function fillRecordFor(t: VenueTrade, rec: OrderRecord, now: number): FillRecord {
  return {
    tradeId: t.tradeId,
    orderId: rec.orderId,
    venueOrderId: t.venueOrderId,
    intentId: rec.intentId,
    positionId: rec.positionId,
    strategy: rec.strategy,
    windowId: rec.windowId,
    tokenId: t.tokenId,
    kind: rec.kind,
    side: t.side,
    price: t.price,
    size: t.size,
    fee: t.fee,
    liquidity: t.liquidity,
    status: t.status,
    intendedPrice: rec.price,
    mode: rec.mode,
    ts: now,
    updatedAt: now,
  };
}

/** The client order id a malformed event claims, if any, so its audit entry can be found. */
function claimedOrderId(raw: unknown): string | null {
  if (typeof raw !== "object" || raw === null) return null;
  const inner =
    (raw as { trade?: unknown; order?: unknown }).trade ?? (raw as { order?: unknown }).order;
  if (typeof inner !== "object" || inner === null) return null;
  const id = (inner as { clientOrderId?: unknown }).clientOrderId;
  return typeof id === "string" ? id.slice(0, 128) : null;
}

interface Unconfirmed {
  /** Venue time of the match: where a trades() poll starts. */
  matchedAt: number;
  /** Execution's time when first seen MATCHED: what the confirmation deadline counts from. */
  seenAt: number;
  warned: boolean;
}

export class Fills {
  private readonly unconfirmed = new Map<string, Unconfirmed>();
  private pollFailures = 0;
  private pollNotBefore = 0;

  constructor(private readonly env: ExecEnv) {}

  get unconfirmedCount(): number {
    return this.unconfirmed.size;
  }

  /** One raw event from Venue.subscribeUser; bad ones are logged and audited, nothing else. */
  async onUserEvent(raw: unknown): Promise<void> {
    const parsed = parseReply(userEventSchema, "user event", raw);
    if (!parsed.ok) {
      this.env.ctx.log.warn({ reason: parsed.reason }, "venue user event rejected");
      const refs = { orderId: claimedOrderId(raw) };
      await audit(this.env, "venue.bad_event", refs, { reason: parsed.reason, raw });
      return;
    }
    const e = parsed.value;
    if (e.type === "trade") await this.onTrade(e.trade, "stream");
    else await this.onOrderEvent(e.event, e.order);
  }

  async onOrderEvent(event: OrderUpdateKind, vo: VenueOrder): Promise<void> {
    const rec = await this.ourOrder(vo.clientOrderId, `order ${event}`);
    if (rec !== null) await recordVenueOrder(this.env, rec, vo, `venue event ${event}`);
  }

  async onTrade(t: VenueTrade, source: string): Promise<void> {
    const { ctx } = this.env;
    const rec = await this.ourOrder(t.clientOrderId, `trade ${t.tradeId}`);
    if (rec === null) return;
    if (rec.tokenId !== t.tokenId || rec.side !== t.side) {
      const reason = `trade ${t.tradeId} does not match order ${rec.orderId} (token or side)`;
      ctx.log.error({ trade: t }, reason);
      await audit(this.env, "venue.bad_trade", orderRefs(rec, null), { reason, trade: t });
      return;
    }
    const now = ctx.clock.now();
    const fill = fillRecordFor(t, rec, now);
    const result = await ctx.store.recordFill(fill, leaderFence(this.env));
    const stored = result.changed ? t.status : (result.previous ?? t.status);
    this.trackConfirmation(t, stored, now);
    if (!result.changed) return;
    const row = result.inserted ? fill : await this.storedFill(rec.orderId, t.tradeId, t.status);
    await this.publishFill(rec, row, source);
  }

  /** Polls venue.trades() for MATCHED trades past their deadline; runs on a timer. */
  async checkConfirmations(): Promise<void> {
    const { ctx, config } = this.env;
    const now = ctx.clock.now();
    const overdue = [...this.unconfirmed.entries()].filter(
      ([, u]) => now - u.seenAt >= config.confirmTimeoutMs,
    );
    if (overdue.length === 0 || now < this.pollNotBefore) return;
    const sinceTs = overdue.reduce((min, [, u]) => Math.min(min, u.matchedAt), now);
    const ok = await this.pollTrades(sinceTs, "confirmation poll");
    this.pollFailures = ok ? 0 : this.pollFailures + 1;
    const backoff = backoffMs(this.pollFailures, config.confirmCheckMs, config.confirmTimeoutMs);
    this.pollNotBefore = ok ? 0 : now + backoff;
    for (const [tradeId, u] of overdue) {
      if (!this.unconfirmed.has(tradeId) || u.warned) continue;
      u.warned = true;
      ctx.log.warn({ tradeId, ageMs: now - u.seenAt }, "trade still MATCHED past its deadline");
      await audit(this.env, "fill.unconfirmed", {}, { tradeId, ageMs: now - u.seenAt });
    }
  }

  /** At start: fills the venue reported while Execution was down (retried, bounded). */
  async catchUp(): Promise<void> {
    const { ctx, config } = this.env;
    const sinceTs = Math.max(0, ctx.clock.now() - config.fillLookbackMs);
    await withRetry(this.env, "exec.fills-catch-up", async () => {
      if (!(await this.pollTrades(sinceTs, "start catch-up"))) throw new Error("catch-up failed");
    });
  }

  /** venue.trades(sinceTs) → every trade through onTrade. False when no usable answer came. */
  private async pollTrades(sinceTs: number, why: string): Promise<boolean> {
    const { ctx, venue, config } = this.env;
    let reply: unknown;
    try {
      reply = await withTimeout(ctx.clock, "trades", config.callTimeoutMs, (opts) =>
        venue.trades({ sinceTs }, opts),
      );
    } catch (error) {
      ctx.log.warn({ err: error, why }, "venue.trades failed");
      await audit(
        this.env,
        "venue.response",
        {},
        { call: "trades", why, error: describeError(error) },
      );
      return false;
    }
    const report = parseReply(tradesReportSchema, "trades report", reply);
    if (!report.ok) {
      await audit(this.env, "venue.response", {}, { call: "trades", why, error: report.reason });
      return false;
    }
    const { complete, items, asOf } = report.value;
    await audit(
      this.env,
      "venue.response",
      {},
      { call: "trades", why, complete, asOf, n: items.length },
    );
    for (const item of items) {
      const trade = parseReply(venueTradeSchema, "trade", item);
      if (trade.ok) await this.onTrade(trade.value, why);
      else ctx.log.warn({ reason: trade.reason }, "venue trade rejected");
    }
    return complete;
  }

  private trackConfirmation(t: VenueTrade, stored: Fill["status"], now: number): void {
    if (stored !== "MATCHED") {
      this.unconfirmed.delete(t.tradeId);
      return;
    }
    if (!this.unconfirmed.has(t.tradeId)) {
      this.unconfirmed.set(t.tradeId, { matchedAt: t.matchedAt, seenAt: now, warned: false });
    }
  }

  private async publishFill(rec: OrderRecord, row: FillRecord, source: string): Promise<void> {
    const { ts: _ts, updatedAt: _u, ...fill } = row;
    const cause = await causeFor(this.env, rec.orderId);
    this.env.state.counters.fills++;
    await audit(this.env, "fill", orderRefs(rec, cause), {
      ...fill,
      adverseSlippage:
        fill.side === "BUY" ? fill.price - fill.intendedPrice : fill.intendedPrice - fill.price,
      source,
    });
    await withRetry(this.env, "publish exec.fill", async () => {
      await this.env.ctx.publish("exec.fill", fill, cause);
    });
  }

  /** The stored row after a status move (its price/size are the first report's, kept). */
  private async storedFill(orderId: string, tradeId: string, status: Fill["status"]) {
    const rows = await this.env.ctx.store.listFills({ orderId });
    const row = rows.find((r) => r.tradeId === tradeId);
    if (row === undefined) throw new Error(`fill ${tradeId} vanished from the store`);
    return { ...row, status };
  }

  private async ourOrder(clientOrderId: string, what: string): Promise<OrderRecord | null> {
    const rec = await this.env.ctx.store.getOrder(clientOrderId);
    if (rec !== null) return rec;
    this.env.ctx.log.warn({ clientOrderId, what }, "venue event for an order that is not ours");
    await audit(this.env, "venue.foreign", { orderId: clientOrderId }, { what });
    return null;
  }
}
