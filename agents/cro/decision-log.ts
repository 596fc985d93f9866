/**
 * The CRO's short memory of its own decisions: which intents it already answered (to refuse a
 * replay and to answer a redelivery with the same decision), which approvals may still become
 * orders (they count against caps before Execution records them), and when entries were approved
 * (the order-rate limit). Bounded; after a restart the store's audit log answers "already
 * decided?" and approvals of the old epoch are worthless to Execution anyway.
 */
import type { Payload } from "../../bus/messages.ts";
import type { PendingApproval } from "./check-types.ts";

export type DecisionPayload = Payload<"cro.decision">;

export interface Remembered {
  /** The bus message that carried the intent: the same id again is a redelivery. */
  messageId: string;
  decision: DecisionPayload;
}

export class DecisionLog {
  private readonly decided = new Map<string, Remembered>();
  private approvals: PendingApproval[] = [];
  private entryApprovedAt: number[] = [];

  constructor(
    private readonly rememberMax: number,
    private readonly rateWindowMs: number,
  ) {}

  remembered(intentId: string): Remembered | undefined {
    return this.decided.get(intentId);
  }

  record(messageId: string, decision: DecisionPayload, now: number, reserved: number): void {
    const id = decision.intent.intentId;
    this.decided.delete(id);
    this.decided.set(id, { messageId, decision });
    while (this.decided.size > this.rememberMax) {
      const oldest = this.decided.keys().next();
      if (oldest.done === true) break;
      this.decided.delete(oldest.value);
    }
    if (!decision.approved) return;
    const { intent } = decision;
    this.approvals.push({
      intentId: id,
      windowId: intent.windowId,
      tokenId: intent.tokenId,
      kind: intent.kind,
      side: intent.side,
      size: intent.size,
      reserved,
      expiresAt: decision.expiresAt,
    });
    if (intent.kind === "ENTRY") this.entryApprovedAt.push(now);
  }

  /** Unexpired approvals (the checks drop those the store already shows as orders). */
  pending(now: number): PendingApproval[] {
    this.approvals = this.approvals.filter((a) => a.expiresAt > now);
    return this.approvals;
  }

  recentEntries(now: number): number {
    this.entryApprovedAt = this.entryApprovedAt.filter((t) => now - t < this.rateWindowMs);
    return this.entryApprovedAt.length;
  }
}
