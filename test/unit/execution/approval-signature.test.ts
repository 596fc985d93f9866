import { describe, expect, it } from "vitest";
import { MessageFactory } from "../../../bus/messages.ts";
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { intentHash, type CroDecision, type Intent } from "../../../contracts/index.ts";
import { ApprovalKey } from "../../../contracts/approval-signature.ts";
import { verifyApproval, type RefusalCode } from "../../../agents/execution/approval.ts";
import { approvalKeyFromEnv } from "../../../agents/runtime/approval-key.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";

const NOW = 1_767_225_600_000 + 60_000;
const WINDOW = `btc-updown-15m-${(NOW - 60_000) / 1000}`;
const clock = new VirtualClock(NOW);
const cro = new MessageFactory(clock, new SeededRng(1), { agent: "cro", instance: "1" });
const KEY = ApprovalKey.fromSecret("k".repeat(32));
const OTHER = ApprovalKey.fromSecret("o".repeat(32));

const intent: Intent = {
  intentId: "int-1",
  strategy: "canary",
  windowId: WINDOW,
  tokenId: "123",
  kind: "ENTRY",
  side: "BUY",
  orderType: "GTC",
  limitPrice: 550_000,
  size: 5_000_000,
  expiresAt: null,
  positionId: "pos-1",
  exitReason: null,
  bookSeq: 7,
  reason: "test",
};

function decision(key: ApprovalKey | null, i: Intent = intent): CroDecision {
  const payload = {
    decisionId: "dec-1",
    intentHash: intentHash(i),
    intent: i,
    approved: true,
    reasons: [],
    checks: [],
    epoch: 3,
    expiresAt: NOW + 1_000,
  };
  const signed = key === null ? payload : { ...payload, signature: key.sign(payload) };
  return cro.make("cro.decision", signed);
}

function codes(d: CroDecision, key: ApprovalKey | null): RefusalCode[] {
  const v = verifyApproval({
    decision: d,
    now: NOW,
    cro: { state: "ACTIVE", epoch: 3, receivedAt: NOW - 100 },
    croSilenceMs: 2_000,
    alreadyExecuted: false,
    unresolvedOnToken: false,
    approvalKey: key,
  });
  return v.ok ? [] : v.refusals.map((r) => r.code);
}

describe("signed approvals (PREDATOR_APPROVAL_KEY)", () => {
  it("an approval signed by the CRO's key passes", () => {
    expect(codes(decision(KEY), KEY)).toEqual([]);
  });

  it("refuses an unsigned approval, and one signed by another key", () => {
    expect(codes(decision(null), KEY)).toEqual(["SIGNATURE"]);
    expect(codes(decision(OTHER), KEY)).toEqual(["SIGNATURE"]);
  });

  it("refuses a signed approval whose intent, expiry or epoch was changed afterwards", () => {
    const real = decision(KEY);
    const bigger = { ...intent, size: 50_000_000 };
    const resized = { ...real, intent: bigger, intentHash: intentHash(bigger) };
    expect(codes(resized, KEY)).toEqual(["SIGNATURE"]);
    expect(codes({ ...real, expiresAt: NOW + 60_000 }, KEY)).toEqual(["SIGNATURE"]);
    expect(codes({ ...real, approved: false, reasons: [] }, KEY)).toContain("SIGNATURE");
  });

  it("without a key, approvals are not checked (an open development setup, as before)", () => {
    expect(codes(decision(null), null)).toEqual([]);
  });

  it("the key comes from the environment and must be long enough to be a secret", () => {
    expect(approvalKeyFromEnv({})).toBeNull();
    expect(approvalKeyFromEnv({ PREDATOR_APPROVAL_KEY: "" })).toBeNull();
    expect(() => approvalKeyFromEnv({ PREDATOR_APPROVAL_KEY: "short" })).toThrow(ConfigError);
    const key = approvalKeyFromEnv({ PREDATOR_APPROVAL_KEY: "k".repeat(32) });
    expect(key?.sign(decision(null))).toBe(KEY.sign(decision(null)));
  });
});
