/**
 * Asks the exit policy about a position and carries out its answer: the decision event goes into
 * the machine first (and is persisted), then the exit intent is published, then EXIT_SENT. A crash
 * anywhere in between leaves the position in STOP_TRIGGERED / TP_TRIGGERED, and the next
 * evaluation (at restart, on the next book) sends the same intent again under the same id.
 */
import type { Cause } from "../../bus/messages.ts";
import type { ExitReason } from "../../contracts/intents.ts";
import type { PositionState } from "../../contracts/positions.ts";
import type { ActorContext } from "../runtime/actor.ts";
import type { PortfolioConfig } from "./config.ts";
import { exitIntent } from "./exit-intent.ts";
import { decideExit, type ExitParams, type ExitView } from "./exit-policy.ts";
import { provisionalShares } from "./ledger.ts";
import type { PositionContext, PositionEvent } from "./machine.ts";
import type { Markets } from "./markets.ts";
import { averagePrice } from "./pnl.ts";
import type { LivePosition, PositionBook } from "./positions.ts";

/** Confirmed shares that no pending (MATCHED) sell already covers. */
export function sellableSize(c: PositionContext): number {
  return Math.max(0, c.holdings.size - provisionalShares(c.fills, "SELL"));
}

export function decisionEvent(reason: ExitReason, at: number): PositionEvent {
  switch (reason) {
    case "SETTLEMENT":
      return { type: "EXPIRE", at };
    case "TAKE_PROFIT":
      return { type: "TAKE_PROFIT", at };
    case "STOP_LOSS":
    case "TRAILING_STOP":
    case "FLATTEN":
      return { type: "STOP", reason, at };
  }
}

export class Exits {
  constructor(
    private readonly ctx: ActorContext,
    private readonly config: PortfolioConfig,
    private readonly book: PositionBook,
    private readonly markets: Markets,
    private readonly params: (strategy: string) => ExitParams,
  ) {}

  /** Runs the exit policy for one position (and re-sends a decided but unsent exit). */
  async evaluate(live: LivePosition, cause: Cause | null): Promise<void> {
    const state = live.state();
    if (state === "STOP_TRIGGERED" || state === "TP_TRIGGERED") {
      await this.send(live, cause, "decided earlier, not yet sent");
      return;
    }
    if (state !== "MONITORING" && state !== "ENTRY") return;
    const decision = decideExit(this.view(live, state), this.params(live.context().strategy));
    if (decision === null) return;
    const event = decisionEvent(decision.reason, this.ctx.clock.now());
    if (!(await this.book.send(live, event, cause))) return;
    this.ctx.log.info(
      { positionId: live.id, reason: decision.reason, detail: decision.detail },
      "exit decided",
    );
    if (event.type !== "EXPIRE") await this.send(live, cause, decision.detail);
  }

  /** An exit attempt ended without closing the position: back to MONITORING, retry later. */
  async failed(
    live: LivePosition,
    intentId: string,
    reason: string,
    cause: Cause | null,
  ): Promise<void> {
    if (live.state() !== "EXIT_PENDING" || live.context().exitIntentId !== intentId) return;
    const now = this.ctx.clock.now();
    const retryAt = now + this.config.exitRetryDelayMs;
    const event: PositionEvent = { type: "EXIT_FAILED", intentId, reason, retryAt, at: now };
    if (!(await this.book.send(live, event, cause))) return;
    this.ctx.log.warn({ positionId: live.id, intentId, reason }, "exit failed: back to MONITORING");
    await this.audit("exit.failed", live, cause, intentId, { reason, retryAt });
  }

  private view(live: LivePosition, state: PositionState): ExitView {
    const c = live.context();
    const book = this.markets.bookOf(c.tokenId);
    const window = this.markets.windowOf(c.windowId);
    return {
      nowMs: this.ctx.clock.now(),
      windowEndTs: window?.endTs ?? c.windowEndTs,
      windowResolved: window?.status === "RESOLVED",
      flatten: this.markets.croState === "FLATTENING",
      halted: this.markets.croState === "HALTED",
      entryPrice: averagePrice(c.holdings.entryCost, c.holdings.entrySize),
      bid: book?.bid ?? null,
      highWaterMark: c.highWaterMark,
      sellableSize: state === "MONITORING" ? sellableSize(c) : 0,
      minSize: book?.minSize ?? 0,
      retryAt: c.exitRetryAt,
    };
  }

  private async send(live: LivePosition, cause: Cause | null, detail: string): Promise<void> {
    const c = live.context();
    const size = sellableSize(c);
    if (size <= 0) {
      this.ctx.log.warn({ positionId: live.id }, "exit decided but nothing is left to sell");
      return;
    }
    const book = this.markets.bookOf(c.tokenId);
    const intent = exitIntent(c, size, book, this.config.exitSlippageMicro, detail);
    await this.audit("exit.intent", live, cause, intent.intentId, {
      intent,
      book,
      holdings: c.holdings,
      params: this.params(c.strategy),
    });
    await this.ctx.publish("portfolio.exit", intent, cause);
    const now = this.ctx.clock.now();
    const sent: PositionEvent = {
      type: "EXIT_SENT",
      intentId: intent.intentId,
      deadlineAt: now + this.config.exitTimeoutMs,
      at: now,
    };
    await this.book.send(live, sent, cause);
  }

  private async audit(
    kind: string,
    live: LivePosition,
    cause: Cause | null,
    intentId: string,
    detail: unknown,
  ): Promise<void> {
    await this.ctx.store.appendAudit({
      ts: this.ctx.clock.now(),
      agent: this.ctx.identity.agent,
      kind,
      correlationId: cause?.correlationId ?? null,
      intentId,
      orderId: null,
      positionId: live.id,
      decisionId: null,
      detail,
    });
  }
}
