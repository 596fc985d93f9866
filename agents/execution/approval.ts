/**
 * Approval verification (DESIGN.md invariants 1 and 2), a pure function of the decision and what
 * Execution knows: an order reaches the venue only with a CRO approval for that exact intent, in
 * the current CRO epoch, unexpired, while the latest (and fresh) trading state permits its kind,
 * and never twice for one intent. Every failed condition is reported, not just the first.
 */
import type { CroDecision, IntentKind, TradingState } from "../../contracts/index.ts";
import { intentHash } from "../../contracts/index.ts";
import type { ApprovalKey } from "../../contracts/approval-signature.ts";
import { ORDER_ID_MAX, orderIdFor } from "./orders.ts";
import { parseWindowId } from "./window.ts";

/** The latest cro.state as Execution saw it; `receivedAt` is on Execution's own clock. */
export interface CroView {
  state: TradingState;
  epoch: number;
  receivedAt: number;
}

export interface ApprovalInput {
  decision: CroDecision;
  now: number;
  cro: CroView | null;
  croSilenceMs: number;
  /** An order already exists for this intent (a replay, or a redelivery of a sent decision). */
  alreadyExecuted: boolean;
  /** An order on this token is UNKNOWN or PENDING: re-entry waits until it resolves. */
  unresolvedOnToken: boolean;
  /** Execution's own bus connection is up; while it is down only cancels go out. Default true. */
  busConnected?: boolean;
  /** The newest cro.state delivered but perhaps not yet processed (ExecState.croHeard). */
  heard?: HeardState | null;
  /** When set, the approval must carry the CRO's signature by this key (PREDATOR_APPROVAL_KEY). */
  approvalKey?: ApprovalKey | null;
}

export type RefusalCode =
  | "NOT_APPROVED"
  | "NOT_FROM_CRO"
  | "SIGNATURE"
  | "INTENT_HASH"
  | "NO_CRO_STATE"
  | "CRO_SILENT"
  | "BUS_DOWN"
  | "EPOCH"
  | "EXPIRED"
  | "TRADING_STATE"
  | "DUPLICATE"
  | "INTENT_ID"
  | "UNKNOWN_ORDER"
  | "UNKNOWN_WINDOW"
  | "FUTURE_WINDOW"
  | "WINDOW_CLOSED";

export interface Refusal {
  code: RefusalCode;
  detail: string;
}

export type Verdict = { ok: true } | { ok: false; refusals: Refusal[] };

const PERMITTED: Record<TradingState, readonly IntentKind[]> = {
  ACTIVE: ["ENTRY", "EXIT", "CANCEL"],
  PAUSED: ["EXIT", "CANCEL"],
  FLATTENING: ["EXIT", "CANCEL"],
  HALTED: ["CANCEL"],
};

/** Whether `state` lets an order of `kind` leave Execution. */
export function kindPermitted(state: TradingState, kind: IntentKind): boolean {
  return PERMITTED[state].includes(kind);
}

/** True when the CRO has spoken within `croSilenceMs`: the dead man has not tripped. */
/** A cro.state as delivered, before the mailbox processed it. */
export interface HeardState {
  state: TradingState;
  epoch: number;
}

/**
 * What the newest delivered cro.state forbids even though it still waits in the mailbox: a kind
 * its state does not permit, or an approval from an epoch older than the CRO now speaks in.
 */
export function heardRefusals(
  heard: HeardState | null | undefined,
  decision: CroDecision,
): Refusal[] {
  if (heard === null || heard === undefined) return [];
  const out: Refusal[] = [];
  const kind = decision.intent.kind;
  if (!kindPermitted(heard.state, kind)) {
    out.push({
      code: "TRADING_STATE",
      detail: `${kind} not permitted while ${heard.state} (newest cro.state heard)`,
    });
  }
  if (heard.epoch > decision.epoch) {
    out.push({ code: "EPOCH", detail: `approval epoch ${decision.epoch}, CRO now ${heard.epoch}` });
  }
  return out;
}

export function croFresh(cro: CroView | null, now: number, croSilenceMs: number): boolean {
  return cro !== null && now - cro.receivedAt < croSilenceMs;
}

export function verifyApproval(input: ApprovalInput): Verdict {
  const refusals = [...approvalRefusals(input), ...stateRefusals(input), ...orderRefusals(input)];
  return refusals.length === 0 ? { ok: true } : { ok: false, refusals };
}

/** Refusals as one line for logs, audit and the refused message's reason. */
export function describeRefusals(refusals: readonly Refusal[]): string {
  return refusals.map((r) => `${r.code}: ${r.detail}`).join("; ");
}

function approvalRefusals({ decision, now, approvalKey }: ApprovalInput): Refusal[] {
  const out: Refusal[] = [];
  // A forged or altered approval (contracts/approval-signature.ts): not the CRO's key.
  const unsigned = approvalKey?.problem(decision) ?? null;
  if (unsigned !== null) out.push({ code: "SIGNATURE", detail: unsigned });
  if (!decision.approved) {
    const reasons = decision.reasons.join(",") || "none given";
    out.push({ code: "NOT_APPROVED", detail: `vetoed by the CRO (${reasons})` });
  }
  if (decision.source.agent !== "cro") {
    out.push({ code: "NOT_FROM_CRO", detail: `issued by "${decision.source.agent}"` });
  }
  const actual = intentHash(decision.intent);
  if (decision.intentHash !== actual) {
    out.push({
      code: "INTENT_HASH",
      detail: `approval names ${decision.intentHash.slice(0, 12)}…, intent hashes to ${actual.slice(0, 12)}…`,
    });
  }
  if (decision.expiresAt <= now) {
    out.push({ code: "EXPIRED", detail: `expired at ${decision.expiresAt}, now ${now}` });
  }
  return out;
}

function stateRefusals(input: ApprovalInput): Refusal[] {
  const { decision, now, cro, croSilenceMs } = input;
  const out: Refusal[] = [];
  if (input.busConnected === false && decision.intent.kind !== "CANCEL") {
    out.push({ code: "BUS_DOWN", detail: "Execution's bus connection is down: only cancels" });
  }
  if (cro === null) return [...out, { code: "NO_CRO_STATE", detail: "no cro.state received yet" }];
  if (!croFresh(cro, now, croSilenceMs)) {
    out.push({
      code: "CRO_SILENT",
      detail: `last cro.state ${now - cro.receivedAt} ms ago (limit ${croSilenceMs} ms)`,
    });
  }
  if (decision.epoch !== cro.epoch) {
    out.push({ code: "EPOCH", detail: `approval epoch ${decision.epoch}, CRO epoch ${cro.epoch}` });
  }
  const kind = decision.intent.kind;
  if (!kindPermitted(cro.state, kind)) {
    out.push({ code: "TRADING_STATE", detail: `${kind} not permitted while ${cro.state}` });
  }
  for (const r of heardRefusals(input.heard, decision)) {
    if (!out.some((o) => o.code === r.code)) out.push(r);
  }
  return out;
}

function orderRefusals(input: ApprovalInput): Refusal[] {
  const { decision, now, alreadyExecuted, unresolvedOnToken } = input;
  const intent = decision.intent;
  const out: Refusal[] = [];
  if (orderIdFor(intent.intentId).length > ORDER_ID_MAX) {
    out.push({ code: "INTENT_ID", detail: "intent id too long to derive a client order id" });
  }
  if (alreadyExecuted) {
    out.push({ code: "DUPLICATE", detail: `intent ${intent.intentId} already has an order` });
  }
  if (intent.kind === "ENTRY" && unresolvedOnToken) {
    out.push({ code: "UNKNOWN_ORDER", detail: `an order on ${intent.tokenId} is unresolved` });
  }
  if (intent.kind === "CANCEL") return out;
  const span = parseWindowId(intent.windowId);
  if (span === null) {
    out.push({ code: "UNKNOWN_WINDOW", detail: `"${intent.windowId}" is not a window id` });
  } else if (now < span.startMs) {
    out.push({ code: "FUTURE_WINDOW", detail: `${intent.windowId} starts at ${span.startMs}` });
  } else if (now >= span.endMs) {
    out.push({ code: "WINDOW_CLOSED", detail: `${intent.windowId} ended at ${span.endMs}` });
  }
  return out;
}
