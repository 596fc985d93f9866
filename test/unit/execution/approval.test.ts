import { describe, expect, it } from "vitest";
import { MessageFactory } from "../../../bus/messages.ts";
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import {
  intentHash,
  type CroDecision,
  type Intent,
  type TradingState,
} from "../../../contracts/index.ts";
import {
  heardRefusals,
  verifyApproval,
  type ApprovalInput,
  type RefusalCode,
} from "../../../agents/execution/approval.ts";
import { parseWindowId } from "../../../agents/execution/window.ts";

const NOW = 1_767_225_600_000 + 60_000; // one minute into the 00:00 window
const WINDOW = `btc-updown-15m-${(NOW - 60_000) / 1000}`;
const clock = new VirtualClock(NOW);
const cro = new MessageFactory(clock, new SeededRng(1), { agent: "cro", instance: "1" });

function intent(overrides: Partial<Intent> = {}): Intent {
  return {
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
    ...overrides,
  };
}

function decision(i: Intent, overrides: Partial<CroDecision> = {}): CroDecision {
  const d = cro.make("cro.decision", {
    decisionId: "dec-1",
    intentHash: intentHash(i),
    intent: i,
    approved: true,
    reasons: [],
    checks: [],
    epoch: 3,
    expiresAt: NOW + 1_000,
  });
  return { ...d, ...overrides };
}

function input(overrides: Partial<ApprovalInput> = {}): ApprovalInput {
  return {
    decision: decision(intent()),
    now: NOW,
    cro: { state: "ACTIVE", epoch: 3, receivedAt: NOW - 100 },
    croSilenceMs: 2_000,
    alreadyExecuted: false,
    unresolvedOnToken: false,
    ...overrides,
  };
}

function codes(i: ApprovalInput): RefusalCode[] {
  const v = verifyApproval(i);
  return v.ok ? [] : v.refusals.map((r) => r.code);
}

function underState(state: TradingState, kind: Intent["kind"]): RefusalCode[] {
  const i = intent({ kind, side: kind === "ENTRY" ? "BUY" : "SELL" });
  return codes(input({ decision: decision(i), cro: { state, epoch: 3, receivedAt: NOW - 100 } }));
}

describe("verifyApproval", () => {
  it("passes an approval for this exact intent, in this epoch, unexpired, while ACTIVE", () => {
    expect(verifyApproval(input())).toEqual({ ok: true });
  });

  it("refuses a forged approval: the hash names another intent", () => {
    const forged = decision(intent({ size: 50_000_000 }), {
      intentHash: intentHash(intent({ size: 5_000_000 })),
    });
    // The approval was issued for 5 shares; the intent carried asks for 50.
    expect(codes(input({ decision: forged }))).toEqual(["INTENT_HASH"]);
  });

  it("refuses an intent altered after approval", () => {
    const d = decision(intent());
    const altered = { ...d, intent: { ...d.intent, limitPrice: 990_000 } };
    expect(codes(input({ decision: altered }))).toEqual(["INTENT_HASH"]);
  });

  it("refuses an approval from an old CRO epoch", () => {
    expect(codes(input({ decision: decision(intent(), { epoch: 2 }) }))).toEqual(["EPOCH"]);
  });

  it("refuses an expired approval, including one expiring exactly now", () => {
    expect(codes(input({ decision: decision(intent(), { expiresAt: NOW - 1 }) }))).toEqual([
      "EXPIRED",
    ]);
    expect(codes(input({ decision: decision(intent(), { expiresAt: NOW }) }))).toEqual(["EXPIRED"]);
  });

  it("refuses a vetoed decision", () => {
    const vetoed = decision(intent(), { approved: false, reasons: ["POSITION_CAP"] });
    expect(codes(input({ decision: vetoed }))).toEqual(["NOT_APPROVED"]);
  });

  it("refuses a decision not issued by the CRO", () => {
    const d = decision(intent(), { source: { agent: "strategy", instance: "1" } });
    expect(codes(input({ decision: d }))).toEqual(["NOT_FROM_CRO"]);
  });

  it("refuses a replay: the intent already has an order", () => {
    expect(codes(input({ alreadyExecuted: true }))).toEqual(["DUPLICATE"]);
  });

  it("lets exits and cancels through PAUSED and FLATTENING, but no entry", () => {
    for (const state of ["PAUSED", "FLATTENING"] as const) {
      expect(underState(state, "ENTRY")).toEqual(["TRADING_STATE"]);
      expect(underState(state, "EXIT")).toEqual([]);
      expect(underState(state, "CANCEL")).toEqual([]);
    }
  });

  it("a halt heard but still queued behind the approval binds it (control plane)", () => {
    const heardPaused = { state: "PAUSED" as const, epoch: 3 };
    expect(codes(input({ heard: heardPaused }))).toEqual(["TRADING_STATE"]);
    const exit = decision(intent({ kind: "EXIT", side: "SELL" }));
    expect(codes(input({ decision: exit, heard: heardPaused }))).toEqual([]);
    expect(codes(input({ heard: { state: "ACTIVE", epoch: 4 } }))).toEqual(["EPOCH"]);
    expect(codes(input({ heard: { state: "ACTIVE", epoch: 3 } }))).toEqual([]);
    expect(heardRefusals({ state: "HALTED", epoch: 3 }, exit).map((r) => r.code)).toEqual([
      "TRADING_STATE",
    ]);
  });

  it("lets only cancels through HALTED", () => {
    expect(underState("HALTED", "ENTRY")).toEqual(["TRADING_STATE"]);
    expect(underState("HALTED", "EXIT")).toEqual(["TRADING_STATE"]);
    expect(underState("HALTED", "CANCEL")).toEqual([]);
  });

  it("refuses everything when the CRO is silent (dead man) or was never heard", () => {
    const silent = { state: "ACTIVE" as const, epoch: 3, receivedAt: NOW - 2_000 };
    expect(codes(input({ cro: silent }))).toEqual(["CRO_SILENT"]);
    const justFresh = { ...silent, receivedAt: NOW - 1_999 };
    expect(codes(input({ cro: justFresh }))).toEqual([]);
    expect(codes(input({ cro: null }))).toEqual(["NO_CRO_STATE"]);
  });

  it("blocks re-entry on a token with an unresolved order, but not an exit", () => {
    expect(codes(input({ unresolvedOnToken: true }))).toEqual(["UNKNOWN_ORDER"]);
    const exit = decision(intent({ kind: "EXIT", side: "SELL" }));
    expect(codes(input({ decision: exit, unresolvedOnToken: true }))).toEqual([]);
  });

  it("refuses orders for a window that is over, not started, or not a window", () => {
    const at = (windowId: string) => codes(input({ decision: decision(intent({ windowId })) }));
    expect(at(`btc-updown-15m-${(NOW - 60_000 - 900_000) / 1000}`)).toEqual(["WINDOW_CLOSED"]);
    expect(at(`btc-updown-15m-${(NOW - 60_000 + 900_000) / 1000}`)).toEqual(["FUTURE_WINDOW"]);
    expect(at("some-market")).toEqual(["UNKNOWN_WINDOW"]);
  });

  it("refuses an intent id too long to become a client order id", () => {
    const d = decision(intent({ intentId: "x".repeat(125) }));
    expect(codes(input({ decision: d }))).toEqual(["INTENT_ID"]);
  });

  it("reports every failed condition, not just the first", () => {
    const d = decision(intent(), { approved: false, epoch: 1, expiresAt: NOW - 5 });
    expect(codes(input({ decision: d, alreadyExecuted: true }))).toEqual([
      "NOT_APPROVED",
      "EXPIRED",
      "EPOCH",
      "DUPLICATE",
    ]);
  });
});

describe("parseWindowId", () => {
  it("reads start and end from the slug", () => {
    expect(parseWindowId("btc-updown-15m-1767225600")).toEqual({
      startMs: 1_767_225_600_000,
      endMs: 1_767_226_500_000,
    });
    expect(parseWindowId("btc-updown-0m-1767225600")).toBeNull();
    expect(parseWindowId("btc-updown-15m-")).toBeNull();
  });
});
