/**
 * The CRO's answer to each intent: gather a snapshot, run the checks, write the decision to the
 * audit log, then publish it. Audit first: if the publish is lost the durable intent is redelivered
 * and the recorded decision is published again, identical, instead of deciding twice.
 */
import { z } from "zod";
import type { Logger } from "pino";
import { checkResult, checkCode } from "../../contracts/cro.ts";
import type { StrategyManifest } from "../../contracts/strategy-manifest.ts";
import type { ApprovalKey } from "../../contracts/approval-signature.ts";
import { intent as intentSchema, intentHash, type Intent } from "../../contracts/intents.ts";
import type { PortfolioExit, StrategyIntent } from "../../contracts/intents.ts";
import type { ActorContext } from "../runtime/actor.ts";
import { invariant } from "../runtime/errors.ts";
import { runChecks, type CheckSnapshot } from "./checks.ts";
import { WORKING_STATUSES } from "./check-types.ts";
import { buyCost } from "./check-limits.ts";
import type { DecisionLog, DecisionPayload } from "./decision-log.ts";
import type { TradingKeeper } from "./trading.ts";
import type { RiskWorld } from "./world.ts";

const AUDIT_LOOKUP_MAX = 200;

function manifestLimits(
  m: StrategyManifest | null,
): NonNullable<CheckSnapshot["strategyManifest"]> | null {
  if (m === null) return null;
  return {
    version: m.version,
    orderSize: m.risk.orderSize,
    instruments: m.instruments,
    sessionMaxLoss: m.risk.sessionMaxLoss,
    ...(m.reviewFirstWindows > 0 ? { scaleUpOrderSize: m.scaleUp.orderSize } : {}),
  };
}

type StoreReads = Pick<CheckSnapshot, "tokenOrders" | "openOrders" | "position">;

interface Prior {
  messageId: string | null;
  decision: DecisionPayload | null;
}

/** The part of an audited decision needed to publish it again. */
const auditedDecision = z.object({
  messageId: z.string(),
  decisionId: z.string(),
  intentHash: z.string(),
  intent: intentSchema,
  approved: z.boolean(),
  reasons: z.array(checkCode),
  checks: z.array(checkResult),
  epoch: z.number().int(),
  expiresAt: z.number().int(),
});

export class IntentDesk {
  constructor(
    private readonly ctx: ActorContext,
    private readonly world: RiskWorld,
    private readonly trading: TradingKeeper,
    private readonly memory: DecisionLog,
    private readonly approvalKey: ApprovalKey | null = null,
  ) {}

  /** Signs at publish time (the audit log keeps the unsigned decision; a replay signs again). */
  private signed(d: DecisionPayload): DecisionPayload {
    return this.approvalKey === null ? d : { ...d, signature: this.approvalKey.sign(d) };
  }

  async handle(msg: StrategyIntent | PortfolioExit, log: Logger): Promise<void> {
    const intent = intentSchema.parse(msg);
    const reads = await this.reads(intent);
    // An intent this CRO has not answered is decided at once (no audit read): the audit write
    // itself refuses a second decision for the intent, and only then is the earlier one read.
    const known = this.memory.remembered(intent.intentId);
    if (known === undefined && (await this.decide(msg, intent, reads, false, log))) return;
    const prior = known ?? (await this.prior(intent.intentId));
    if (prior !== null && prior.decision !== null && prior.messageId === msg.id) {
      log.info({ intentId: intent.intentId }, "redelivered intent: publishing the same decision");
      await this.ctx.publish("cro.decision", this.signed(prior.decision), msg);
      return;
    }
    // Decided before (in memory, or by the audit log): a replay, vetoed as already decided.
    await this.decide(msg, intent, reads, true, log);
  }

  /**
   * Decides, audits, remembers and publishes. A first decision (`decided` false) is audited only
   * if the log has no decision for the intent yet: false, nothing published, when it had one.
   */
  private async decide(
    msg: StrategyIntent | PortfolioExit,
    intent: Intent,
    reads: StoreReads,
    decided: boolean,
    log: Logger,
  ): Promise<boolean> {
    const now = this.ctx.clock.now();
    const epoch = this.ctx.fence()?.epoch;
    invariant(epoch !== undefined, "the CRO decides only while it holds its lease");
    const snapshot = this.snapshot(intent, now, decided, reads);
    const verdict = runChecks(snapshot);
    const ttl = this.world.controls.approval_ttl_ms;
    const decision: DecisionPayload = {
      decisionId: `dec-${this.ctx.rng.uuid()}`,
      intentHash: intentHash(intent),
      intent,
      approved: verdict.approved,
      reasons: verdict.reasons,
      checks: verdict.checks,
      epoch,
      expiresAt: verdict.approved ? now + ttl : now,
    };
    if (!(await this.audit(msg, decision, snapshot, !decided))) return false;
    this.memory.record(msg.id, decision, now, this.reserved(intent, snapshot));
    await this.ctx.publish("cro.decision", this.signed(decision), msg);
    const level = decision.approved ? "info" : "warn";
    log[level]({ intentId: intent.intentId, reasons: decision.reasons }, "cro decision");
    return true;
  }

  /** The earlier decision for this intentId: from memory, else from the audit log (restarts). */
  private async prior(intentId: string): Promise<Prior | null> {
    const known = this.memory.remembered(intentId);
    if (known !== undefined) return known;
    const entries = await this.ctx.store.auditFor(intentId, AUDIT_LOOKUP_MAX);
    for (const e of entries) {
      if (e.kind !== "cro.decision" || e.intentId !== intentId) continue;
      const parsed = auditedDecision.safeParse(e.detail);
      // A row we cannot read still proves the intent was decided: it is never approved again.
      if (!parsed.success) return { messageId: null, decision: null };
      const { messageId, ...decision } = parsed.data;
      return { messageId, decision };
    }
    return null;
  }

  /** What the checks need from the store about this intent. */
  private async reads(intent: Intent): Promise<StoreReads> {
    const { store } = this.ctx;
    const [tokenOrders, openOrders, position] = await Promise.all([
      store.listOrders({ tokenId: intent.tokenId }),
      store.listOrders({ statuses: WORKING_STATUSES }),
      intent.positionId === null ? null : store.getPosition(intent.positionId),
    ]);
    return { tokenOrders, openOrders, position };
  }

  private snapshot(intent: Intent, now: number, decided: boolean, r: StoreReads): CheckSnapshot {
    const { tokenOrders, openOrders, position } = r;
    const w = this.world;
    return {
      intent,
      now,
      mode: this.ctx.mode,
      state: this.trading.state,
      controls: w.controls,
      agentsDown: w.agentsDown(now).map((d) => d.agent),
      feeds: w.feeds.views(),
      window: w.window(intent.windowId),
      tokenOrders,
      openOrders,
      pendingApprovals: this.memory.pending(now),
      position,
      dailyPnl: w.dailyPnl(now),
      sessionPnl: w.sessionPnl(),
      balance: w.balance,
      allowance: w.allowance,
      recentEntryApprovals: this.memory.recentEntries(now),
      alreadyDecided: decided,
      strategyHalt: w.strategies.halt(intent.strategy),
      strategyManifest: manifestLimits(w.strategies.manifest(intent.strategy)),
      strategySessionPnl: w.strategySessionPnl(intent.strategy),
      strategyReview: w.reviews.status(intent.strategy),
    };
  }

  private reserved(intent: Intent, s: CheckSnapshot): number {
    if (intent.side !== "BUY") return 0;
    return buyCost(intent.size, intent.limitPrice, s.window?.feeRateBps ?? 0);
  }

  /** Appends the decision's audit row (only if it is the intent's first, with `first`). */
  private async audit(
    msg: StrategyIntent | PortfolioExit,
    d: DecisionPayload,
    s: CheckSnapshot,
    first: boolean,
  ): Promise<boolean> {
    const entry = {
      ts: s.now,
      agent: this.ctx.identity.agent,
      kind: "cro.decision",
      correlationId: msg.correlationId,
      intentId: d.intent.intentId,
      orderId: null,
      positionId: d.intent.positionId,
      decisionId: d.decisionId,
      detail: {
        messageId: msg.id,
        ...d,
        state: s.state,
        controls: s.controls,
        balance: s.balance,
        allowance: s.allowance ?? null,
        dailyPnl: s.dailyPnl,
        sessionPnl: s.sessionPnl,
        agentsDown: s.agentsDown,
        window: s.window,
      },
    };
    const { store } = this.ctx;
    if (first) return (await store.appendFirstAudit(entry)) !== null;
    await store.appendAudit(entry);
    return true;
  }
}
