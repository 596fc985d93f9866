/**
 * From an approved decision to an order at the venue (invariants 1, 2 and 6). The approval is
 * verified first; anything short of a valid approval is refused, audited and announced, and the
 * venue is never called. A valid one becomes a PENDING row in the store BEFORE placeOrder, so a
 * crash mid-send leaves a row the restart resolves, and the deterministic client order id keeps
 * the venue from ever holding two orders for one intent.
 */
import type { Cause } from "../../bus/messages.ts";
import type { CroDecision } from "../../contracts/index.ts";
import type { ApprovalKey } from "../../contracts/approval-signature.ts";
import type { Delivery } from "../runtime/actor.ts";
import { InvariantError } from "../runtime/errors.ts";
import type { OrderRecord } from "../runtime/store.ts";
import type { PlaceResult } from "../runtime/venue.ts";
import {
  croFresh,
  describeRefusals,
  heardRefusals,
  verifyApproval,
  type Refusal,
  type Verdict,
} from "./approval.ts";
import type { Cancels } from "./cancels.ts";
import {
  announceOrder,
  audit,
  leaderFence,
  orderRefs,
  rememberCause,
  withRetry,
  type ExecEnv,
} from "./env.ts";
import type { Fills } from "./fills.ts";
import { saveOrder } from "./order-updates.ts";
import { newOrder, orderIdFor, placeRequest, refusedOrder, toPayload } from "./orders.ts";
import type { Resolver } from "./resolver.ts";
import { placeOnce } from "./venue-calls.ts";

export class Placement {
  constructor(
    private readonly env: ExecEnv,
    private readonly resolver: Resolver,
    private readonly fills: Fills,
    private readonly cancels: Cancels,
    private readonly approvalKey: ApprovalKey | null = null,
  ) {}

  /**
   * The durable `cro.decision` handler. A store failure before sending throws → redelivery.
   *
   * No read on the way to the venue: the approval is verified as if no order existed for the
   * intent, and the PENDING row is then inserted only if absent (one fenced statement), which is
   * the duplicate check itself. Only a refusal, or an insert that found a row, reads the stored
   * order (a redelivery, a replay).
   */
  async onDecision(decision: CroDecision, delivery: Delivery): Promise<void> {
    const verdict = this.verify(decision, false);
    if (verdict.ok && decision.intent.kind !== "CANCEL") {
      if (await this.place(decision, delivery)) return;
    }
    const existing = await this.env.ctx.store.getOrder(orderIdFor(decision.intent.intentId));
    await this.settle(decision, this.verify(decision, existing !== null), existing, delivery);
  }

  private verify(decision: CroDecision, alreadyExecuted: boolean): Verdict {
    const { ctx, config, state } = this.env;
    return verifyApproval({
      decision,
      now: ctx.clock.now(),
      cro: state.cro,
      croSilenceMs: config.croSilenceMs,
      alreadyExecuted,
      unresolvedOnToken: this.resolver.unresolvedOnToken(decision.intent.tokenId),
      busConnected: state.busUp,
      heard: state.croHeard,
      approvalKey: this.approvalKey,
    });
  }

  /** A decision that did not become a new order here: redelivered, refused, or a cancel. */
  private async settle(
    decision: CroDecision,
    verdict: Verdict,
    existing: OrderRecord | null,
    delivery: Delivery,
  ): Promise<void> {
    const intent = decision.intent;
    if (!verdict.ok && isRedelivery(decision, existing)) {
      // At-least-once delivery, not an attack: this very decision already became this order.
      delivery.log.info({ orderId: existing?.orderId }, "decision redelivered: already executed");
      const refs = { correlationId: decision.correlationId, orderId: existing?.orderId ?? null };
      await audit(this.env, "execution.redelivered", refs, { decisionId: decision.decisionId });
      return;
    }
    if (!verdict.ok) {
      await this.refuse(decision, verdict.refusals, delivery);
      return;
    }
    if (intent.kind === "CANCEL") {
      await this.cancels.cancelForIntent(decision);
      return;
    }
    throw new InvariantError(`decision ${decision.decisionId}: approved, yet no new order`);
  }

  /**
   * Writes the PENDING row (if the intent has none yet) and sends it. False, with nothing
   * written, when a row already exists for this intent: the caller settles it as a duplicate.
   */
  private async place(decision: CroDecision, delivery: Delivery): Promise<boolean> {
    const { ctx } = this.env;
    const cause: Cause = { id: decision.id, correlationId: decision.correlationId };
    const rec = newOrder(decision, ctx.mode, ctx.clock.now());
    if (!(await ctx.store.insertOrder(rec, leaderFence(this.env)))) return false;
    rememberCause(this.env, rec.orderId, cause);
    // The write may have taken long enough for the approval to lapse or the CRO to fall silent.
    const lapsed = this.lapsed(decision);
    if (lapsed !== null) {
      await this.refuseStored(rec, decision, lapsed, delivery);
      return true;
    }
    const request = placeRequest(rec, decision.intent.expiresAt);
    const refs = orderRefs(rec, cause);
    const approval = {
      decisionId: decision.decisionId,
      epoch: decision.epoch,
      expiresAt: decision.expiresAt,
      intentHash: decision.intentHash,
    };
    // Nothing else before the send: the PENDING row above is the durable record recovery reads.
    // The audit copies (payload and answer) are written after the answer is recorded and
    // announced, together (the audit append never throws).
    const result = await placeOnce(this.env, request);
    try {
      await this.record(rec, result);
    } catch (error) {
      if (error instanceof InvariantError) throw error;
      // The venue answered but the answer could not be stored: the resolver will ask again.
      delivery.log.error(
        { err: error, orderId: rec.orderId },
        "recording the venue's answer failed",
      );
      this.resolver.track(rec);
    }
    await Promise.all([
      audit(this.env, "order.payload", refs, { request, approval, causeId: decision.id }),
      audit(this.env, "venue.response", refs, { call: "placeOrder", result }),
    ]);
    return true;
  }

  private async record(rec: OrderRecord, result: PlaceResult): Promise<void> {
    const { ctx, state } = this.env;
    const now = ctx.clock.now();
    switch (result.outcome) {
      case "accepted": {
        state.counters.placed++;
        const { venueOrderId, status, filledSize } = result;
        const next = { ...rec, venueOrderId, status, filledSize, reason: null, updatedAt: now };
        await ctx.store.upsertOrder(next, leaderFence(this.env));
        await withRetry(this.env, "publish exec.order.accepted", async () => {
          await ctx.publish("exec.order.accepted", toPayload(next), state.causes.get(rec.orderId));
        });
        if (status !== "OPEN") await announceOrder(this.env, next);
        for (const trade of result.trades) await this.fills.onTrade(trade, "placeOrder");
        return;
      }
      case "rejected": {
        const reason = `${result.code}: ${result.message}`;
        await saveOrder(this.env, { ...rec, status: "REJECTED", reason, updatedAt: now });
        return;
      }
      case "unknown":
        await this.resolver.markUnknown(rec, result.reason);
        return;
    }
  }

  /** Re-checks, after the PENDING write, what time can change: expiry and CRO silence. */
  private lapsed(decision: CroDecision): Refusal[] | null {
    const { ctx, config, state } = this.env;
    const now = ctx.clock.now();
    const out: Refusal[] = [];
    if (decision.expiresAt <= now) {
      out.push({ code: "EXPIRED", detail: `expired at ${decision.expiresAt} while persisting` });
    }
    if (!croFresh(state.cro, now, config.croSilenceMs)) {
      out.push({ code: "CRO_SILENT", detail: "the CRO fell silent while persisting" });
    }
    if (!state.busUp && decision.intent.kind !== "CANCEL") {
      out.push({ code: "BUS_DOWN", detail: "the bus connection dropped while persisting" });
    }
    // A halt delivered while the order was being persisted counts even if it is still queued.
    out.push(...heardRefusals(state.croHeard, decision));
    return out.length === 0 ? null : out;
  }

  /** A persisted order that must not be sent after all: REFUSED, final, never at the venue. */
  private async refuseStored(
    rec: OrderRecord,
    decision: CroDecision,
    refusals: Refusal[],
    delivery: Delivery,
  ): Promise<void> {
    const reason = describeRefusals(refusals);
    this.env.state.counters.refused++;
    delivery.log.warn({ orderId: rec.orderId, reason }, "approval lapsed before sending: refused");
    const refs = orderRefs(rec, decision);
    await audit(this.env, "execution.refused", refs, { refusals, reason });
    const now = this.env.ctx.clock.now();
    await saveOrder(this.env, { ...rec, status: "REFUSED", reason, updatedAt: now });
  }

  /** Refuses a decision: audit, `exec.order.refused`, and nothing else. */
  private async refuse(
    decision: CroDecision,
    refusals: Refusal[],
    delivery: Delivery,
  ): Promise<void> {
    const { ctx, state } = this.env;
    const intent = decision.intent;
    const reason = describeRefusals(refusals);
    state.counters.refused++;
    delivery.log.warn({ intentId: intent.intentId, reason }, "decision refused");
    const refs = {
      correlationId: decision.correlationId,
      intentId: intent.intentId,
      orderId: orderIdFor(intent.intentId),
      positionId: intent.positionId,
      decisionId: decision.decisionId,
    };
    await audit(this.env, "execution.refused", refs, {
      refusals,
      reason,
      approved: decision.approved,
      epoch: decision.epoch,
      expiresAt: decision.expiresAt,
      intentHash: decision.intentHash,
      kind: intent.kind,
    });
    const payload = refusedOrder(decision, ctx.mode, reason);
    await withRetry(this.env, "publish exec.order.refused", async () => {
      await ctx.publish("exec.order.refused", payload, decision);
    });
  }
}

/**
 * This very decision (same decisionId) already produced the order: a redelivery, whatever else
 * has changed since (it has usually expired by now). Nothing to refuse, nothing to announce.
 */
function isRedelivery(decision: CroDecision, existing: OrderRecord | null): boolean {
  return existing !== null && existing.decisionId === decision.decisionId;
}
