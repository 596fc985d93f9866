/**
 * Cancels (invariant 2). Entering HALTED or FLATTENING cancels every open order at the venue; a
 * CANCEL intent cancels our live orders on its token (and position, when it names one). Cancels are
 * idempotent, so they are retried with bounded backoff; the orders the venue reports cancelled are
 * marked CANCELLED at once (the venue's order events confirm it again, harmlessly).
 */
import type { CroDecision } from "../../contracts/index.ts";
import type { OrderRecord } from "../runtime/store.ts";
import type { CancelResult } from "../runtime/venue.ts";
import { audit, orderRefs, withRetry, type AuditRefs, type ExecEnv } from "./env.ts";
import { saveOrder } from "./order-updates.ts";
import { LIVE_STATUSES, UNRESOLVED_STATUSES } from "./orders.ts";
import { describeError, withTimeout } from "./venue-calls.ts";
import { cancelResultSchema, parseReply } from "./venue-replies.ts";

export class Cancels {
  constructor(private readonly env: ExecEnv) {}

  /** venue.cancelAll, retried until it answers (bounded), then the stored orders follow. */
  async cancelAll(reason: string, refs: AuditRefs): Promise<void> {
    const { ctx, venue, config } = this.env;
    ctx.log.warn({ reason }, "cancelling every open order at the venue");
    await withRetry(this.env, "exec.cancel-all", async () => {
      const result = await this.call("cancelAll", reason, refs, () =>
        withTimeout(ctx.clock, "cancelAll", config.callTimeoutMs, (o) => venue.cancelAll(o)),
      );
      await this.markCancelled(result.cancelled, reason);
    });
  }

  /** Executes an approved CANCEL intent. */
  async cancelForIntent(decision: CroDecision): Promise<void> {
    const { ctx, venue, config } = this.env;
    const { tokenId, positionId, intentId } = decision.intent;
    const live = await ctx.store.listOrders({ statuses: LIVE_STATUSES, tokenId, mode: ctx.mode });
    const targets = live.filter(
      (o) => o.venueOrderId !== null && (positionId === null || o.positionId === positionId),
    );
    const refs = {
      correlationId: decision.correlationId,
      intentId,
      decisionId: decision.decisionId,
    };
    await audit(this.env, "execution.cancel", refs, { orders: targets.map((o) => o.orderId) });
    const reason = `CANCEL intent ${intentId}`;
    for (const order of targets) {
      const venueOrderId = order.venueOrderId ?? "";
      await withRetry(this.env, "exec.cancel", async () => {
        const result = await this.call("cancelOrder", reason, orderRefs(order, decision), () =>
          withTimeout(ctx.clock, "cancelOrder", config.callTimeoutMs, (o) =>
            venue.cancelOrder(venueOrderId, o),
          ),
        );
        await this.markCancelled(result.cancelled, reason);
      });
    }
  }

  /** One cancel call, its answer parsed and audited; throws (→ retry) on no usable answer. */
  private async call(
    name: string,
    reason: string,
    refs: AuditRefs,
    send: () => Promise<CancelResult>,
  ): Promise<CancelResult> {
    let reply: unknown;
    try {
      reply = await send();
    } catch (error) {
      await audit(this.env, "venue.response", refs, {
        call: name,
        reason,
        error: describeError(error),
      });
      throw error;
    }
    const parsed = parseReply(cancelResultSchema, `${name} reply`, reply);
    await audit(this.env, "venue.response", refs, {
      call: name,
      reason,
      ...(parsed.ok ? { result: parsed.value } : { error: parsed.reason }),
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.value;
  }

  private async markCancelled(venueOrderIds: readonly string[], reason: string): Promise<void> {
    if (venueOrderIds.length === 0) return;
    const { ctx } = this.env;
    const ids = new Set(venueOrderIds);
    const statuses = [...LIVE_STATUSES, ...UNRESOLVED_STATUSES];
    const rows = await ctx.store.listOrders({ statuses, mode: ctx.mode });
    const now = ctx.clock.now();
    for (const rec of rows) {
      if (rec.venueOrderId === null || !ids.has(rec.venueOrderId)) continue;
      const next: OrderRecord = { ...rec, status: "CANCELLED", reason, updatedAt: now };
      await saveOrder(this.env, next);
    }
  }
}
