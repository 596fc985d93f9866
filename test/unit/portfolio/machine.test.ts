import { describe, expect, it } from "vitest";
import { createActor, type SnapshotFrom } from "xstate";
import {
  positionMachine,
  type PositionEvent,
  type PositionMachine,
} from "../../../agents/portfolio/machine.ts";
import { positionViolations } from "../../../agents/portfolio/invariants.ts";
import { buy, INPUT, sell } from "./helpers.ts";

function start(snapshot?: SnapshotFrom<PositionMachine>) {
  const actor = createActor(positionMachine, {
    input: INPUT,
    ...(snapshot === undefined ? {} : { snapshot }),
  });
  actor.start();
  const send = (...events: PositionEvent[]) => {
    for (const e of events) actor.send(e);
    const s = actor.getSnapshot();
    expect(positionViolations(s.context.fills, s.context.holdings)).toEqual([]);
    return s;
  };
  return { actor, send };
}

const at = 1;
const matched = (f = buy("e1")): PositionEvent => ({ type: "FILL_MATCHED", fill: f, at });
const confirmed = (f = buy("e1")): PositionEvent => ({ type: "FILL_CONFIRMED", fill: f, at });
const failed = (f = buy("e1")): PositionEvent => ({ type: "FILL_FAILED", fill: f, at });
const sent = (intentId = "exit-1-pos-1"): PositionEvent => ({
  type: "EXIT_SENT",
  intentId,
  deadlineAt: 20,
  at: 5,
});

describe("position machine: entry", () => {
  it("a MATCHED fill is provisional; CONFIRMED books it and moves to MONITORING", () => {
    const { send } = start();
    let s = send(matched());
    expect(s.value).toBe("ENTRY");
    expect(s.context.holdings.size).toBe(0);
    expect(s.context.fills["e1"]?.status).toBe("MATCHED");
    s = send(confirmed());
    expect(s.value).toBe("MONITORING");
    expect(s.context.holdings).toMatchObject({
      size: 10_000_000,
      costBasis: 5_000_000,
      fees: 175_000,
    });
  });

  it("FAILED after MATCHED voids the provisional fill; a wholly voided entry closes with zero size once its order ended", () => {
    const { actor, send } = start();
    send(matched());
    let s = send({ type: "FILL_FAILED", fill: buy("e1"), at: 7 });
    expect(s.value).toBe("ENTRY");
    s = send({ type: "ENTRY_ENDED", at: 7 });
    expect(s.value).toBe("CLOSED");
    expect(s.status).toBe("done");
    expect(s.context.holdings).toMatchObject({ size: 0, fees: 0, realizedPnl: 0 });
    expect(s.context.fills["e1"]?.status).toBe("FAILED");
    expect(s.context.closedAt).toBe(7);
    expect(s.context.exitReason).toBeNull();
    expect(actor.getSnapshot().status).toBe("done");
  });

  it("a voided fill of a resting entry order does not close it: the order's later fill is booked", () => {
    const { send } = start();
    send(matched(buy("ghost", { size: 4_000_000 })), failed(buy("ghost", { size: 4_000_000 })));
    let s = send();
    expect(s.value).toBe("ENTRY");
    s = send(confirmed(buy("real", { size: 6_000_000 })));
    expect(s.value).toBe("MONITORING");
    expect(s.context.holdings.size).toBe(6_000_000);
    // the order ending now changes nothing: the position holds shares
    expect(send({ type: "ENTRY_ENDED", at: 9 }).value).toBe("MONITORING");
  });

  it("ENTRY_ENDED closes nothing while a fill is still provisional or before any fill", () => {
    const { send } = start();
    expect(send({ type: "ENTRY_ENDED", at: 2 }).value).toBe("ENTRY");
    send(matched());
    expect(send({ type: "ENTRY_ENDED", at: 3 }).value).toBe("ENTRY");
    expect(send(failed(), { type: "ENTRY_ENDED", at: 4 }).value).toBe("CLOSED");
  });

  it("a voided second entry leaves the confirmed first one in place", () => {
    const { send } = start();
    send(matched(), confirmed(), matched(buy("e2", { size: 5_000_000 })));
    expect(send().context.fills["e2"]?.status).toBe("MATCHED");
    const s = send(failed(buy("e2", { size: 5_000_000 })));
    expect(s.value).toBe("MONITORING");
    expect(s.context.holdings.size).toBe(10_000_000);
  });

  it("counts a duplicate fill once: repeats and backwards moves leave the snapshot untouched", () => {
    const { actor, send } = start();
    send(matched(), confirmed());
    const before = actor.getSnapshot();
    send(confirmed(), matched());
    expect(actor.getSnapshot()).toBe(before);
    send(failed()); // FAILED after CONFIRMED: the venue never does that; ignored
    expect(actor.getSnapshot()).toBe(before);
    expect(before.context.holdings.size).toBe(10_000_000);
  });

  it("CONFIRMED without a MATCHED first is booked directly", () => {
    const { send } = start();
    expect(send(confirmed()).context.holdings.size).toBe(10_000_000);
  });
});

describe("position machine: exits", () => {
  it("stop-loss and take-profit racing: the first decision wins, the other is ignored", () => {
    const a = start();
    a.send(confirmed());
    let s = a.send({ type: "STOP", reason: "STOP_LOSS", at }, { type: "TAKE_PROFIT", at });
    expect(s.value).toBe("STOP_TRIGGERED");
    expect(s.context.exitReason).toBe("STOP_LOSS");

    const b = start();
    b.send(confirmed());
    s = b.send({ type: "TAKE_PROFIT", at }, { type: "STOP", reason: "STOP_LOSS", at });
    expect(s.value).toBe("TP_TRIGGERED");
    expect(s.context.exitReason).toBe("TAKE_PROFIT");
  });

  it("once EXIT_PENDING, decisions and marks are ignored", () => {
    const { actor, send } = start();
    send(confirmed(), { type: "STOP", reason: "STOP_LOSS", at }, sent());
    const pending = actor.getSnapshot();
    expect(pending.value).toBe("EXIT_PENDING");
    send(
      { type: "TAKE_PROFIT", at },
      { type: "STOP", reason: "FLATTEN", at },
      { type: "EXPIRE", at },
      { type: "MARK", bid: 900_000, at },
      { type: "EXIT_SENT", intentId: "other", deadlineAt: 1, at },
      { type: "EXIT_FAILED", intentId: "not-the-current-exit", reason: "x", retryAt: 9, at },
    );
    expect(actor.getSnapshot()).toBe(pending);
  });

  it("the exit's fills close the position with realized PnL net of fees", () => {
    const { send } = start();
    send(confirmed(), { type: "TAKE_PROFIT", at }, sent());
    let s = send(matched(sell("x1")));
    expect(s.value).toBe("EXIT_PENDING");
    expect(s.context.holdings.size).toBe(10_000_000);
    s = send({ type: "FILL_CONFIRMED", fill: sell("x1"), at: 9 });
    expect(s.value).toBe("CLOSED");
    expect(s.context.holdings).toMatchObject({ size: 0, fees: 322_000, realizedPnl: 1_678_000 });
    expect(s.context.closedAt).toBe(9);
  });

  it("a voided exit fill keeps the shares; a failed exit returns to MONITORING with a retry time", () => {
    const { send } = start();
    send(confirmed(), { type: "STOP", reason: "STOP_LOSS", at }, sent());
    let s = send(matched(sell("x1")), failed(sell("x1")));
    expect(s.value).toBe("EXIT_PENDING");
    expect(s.context.holdings.size).toBe(10_000_000);
    s = send({ type: "EXIT_FAILED", intentId: "exit-1-pos-1", reason: "vetoed", retryAt: 99, at });
    expect(s.value).toBe("MONITORING");
    expect(s.context).toMatchObject({ exitRetryAt: 99, exitIntentId: null, exitAttempts: 1 });
    s = send({ type: "STOP", reason: "STOP_LOSS", at }, sent("exit-2-pos-1"));
    expect(s.context).toMatchObject({ exitAttempts: 2, exitIntentId: "exit-2-pos-1" });
  });

  it("a partial exit leaves the rest; a late exit fill after the failure still closes it", () => {
    const { send } = start();
    send(confirmed(), { type: "STOP", reason: "STOP_LOSS", at }, sent());
    let s = send(confirmed(sell("x1", { size: 4_000_000, fee: 58_800 })));
    expect(s.value).toBe("EXIT_PENDING");
    expect(s.context.holdings.size).toBe(6_000_000);
    s = send({
      type: "EXIT_FAILED",
      intentId: "exit-1-pos-1",
      reason: "cancelled",
      retryAt: 9,
      at,
    });
    expect(s.value).toBe("MONITORING");
    s = send(confirmed(sell("x2", { size: 6_000_000, fee: 88_200 })));
    expect(s.value).toBe("CLOSED");
    expect(s.context.holdings.realizedPnl).toBe(7_000_000 - 5_000_000 - 175_000 - 58_800 - 88_200);
  });
});

describe("position machine: settlement", () => {
  it("window end → EXPIRY; settled at 1 → CLOSED with payout − cost − fees", () => {
    const { send } = start();
    send(confirmed(), { type: "EXPIRE", at });
    let s = send({ type: "STOP", reason: "STOP_LOSS", at });
    expect(s.value).toBe("EXPIRY");
    s = send({ type: "SETTLED", payoutPerShare: 1_000_000, at: 11 });
    expect(s.value).toBe("CLOSED");
    expect(s.context.exitReason).toBe("SETTLEMENT");
    expect(s.context.holdings).toMatchObject({
      size: 0,
      settledSize: 10_000_000,
      payout: 10_000_000,
    });
    expect(s.context.holdings.realizedPnl).toBe(10_000_000 - 5_000_000 - 175_000);
  });

  it("settled at 0 → CLOSED losing cost and fees", () => {
    const { send } = start();
    const s = send(confirmed(), { type: "SETTLED", payoutPerShare: 0, at });
    expect(s.value).toBe("CLOSED");
    expect(s.context.holdings.realizedPnl).toBe(-5_175_000);
  });

  it("settlement applies while an exit is pending (the market's outcome, not a decision)", () => {
    const { send } = start();
    send(confirmed(), { type: "STOP", reason: "STOP_LOSS", at }, sent());
    const s = send({ type: "SETTLED", payoutPerShare: 0, at });
    expect(s.value).toBe("CLOSED");
    expect(s.context.exitReason).toBe("SETTLEMENT");
  });

  it("with a provisional entry at settlement it waits in EXPIRY; the late confirmation settles at once", () => {
    const { send } = start();
    send(confirmed(), matched(buy("e2", { size: 2_000_000, fee: 35_000 })));
    let s = send({ type: "SETTLED", payoutPerShare: 1_000_000, at });
    expect(s.value).toBe("EXPIRY");
    s = send(confirmed(buy("e2", { size: 2_000_000, fee: 35_000 })));
    expect(s.value).toBe("CLOSED");
    expect(s.context.holdings).toMatchObject({
      size: 0,
      settledSize: 12_000_000,
      payout: 12_000_000,
    });
    expect(s.status).toBe("done");
  });
});

describe("position machine: persistence", () => {
  it("a persisted snapshot restores and continues (JSON round trip)", () => {
    const { actor, send } = start();
    send(
      confirmed(),
      { type: "MARK", bid: 600_000, at },
      { type: "STOP", reason: "STOP_LOSS", at },
    );
    const stored = JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as SnapshotFrom<
      typeof positionMachine
    >;
    const restored = start(stored);
    expect(restored.actor.getSnapshot().value).toBe("STOP_TRIGGERED");
    expect(restored.actor.getSnapshot().context.highWaterMark).toBe(600_000);
    const s = restored.send(sent(), confirmed(sell("x1")));
    expect(s.value).toBe("CLOSED");
    expect(s.context.holdings.realizedPnl).toBe(1_678_000);
  });
});
