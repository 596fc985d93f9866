/**
 * The Portfolio agent's exits: the policy's decision becomes one `portfolio.exit` intent (FAK sell
 * at the bid minus the allowance), nothing else moves the position while it is pending, and a
 * failed exit goes back to MONITORING and is retried after the delay.
 */
import { afterEach, describe, expect, it } from "vitest";
import { intent as intentSchema } from "../../../contracts/intents.ts";
import {
  bookMsg,
  croStateMsg,
  fillMsg,
  harness,
  UP,
  vetoMsg,
  windowMsg,
  type Harness,
} from "./helpers.ts";

let h: Harness;
afterEach(async () => {
  // Every scenario here must leave the Portfolio running: a crash would hide a broken invariant.
  expect(h.fleet.host("portfolio")?.crashError() ?? null).toBeNull();
  await h.fleet.stop();
});

async function openPosition(positionId = "pos-1", tradeId = "trade-1"): Promise<void> {
  await h.send("exec.fill", fillMsg({ status: "CONFIRMED", positionId, tradeId }));
}

const exitFill = (status: "MATCHED" | "CONFIRMED" | "FAILED", over = {}) =>
  fillMsg({
    tradeId: "trade-exit-1",
    orderId: "ord-exit-1-pos-1",
    intentId: "exit-1-pos-1",
    kind: "EXIT",
    side: "SELL",
    price: 440_000,
    intendedPrice: 430_000,
    fee: 172_480, // 10 × 0.07 × 0.44 × 0.56
    status,
    ...over,
  });

describe("Portfolio agent: exits", () => {
  it("stop-loss: one FAK exit at bid − allowance; take-profit afterwards is ignored; the fill closes it", async () => {
    h = harness();
    await h.startPortfolio();
    await openPosition();
    await h.send("md.book", bookMsg(UP, 460_000, 1));
    expect(h.exits).toEqual([]);
    await h.send("md.book", bookMsg(UP, 450_000, 2));
    expect(h.exits).toHaveLength(1);
    expect(h.exits[0]).toMatchObject({
      intentId: "exit-1-pos-1",
      positionId: "pos-1",
      kind: "EXIT",
      side: "SELL",
      orderType: "FAK",
      limitPrice: 430_000,
      size: 10_000_000,
      exitReason: "STOP_LOSS",
      bookSeq: 2,
      strategy: "canary",
    });
    expect(h.last()).toMatchObject({ state: "EXIT_PENDING", exitReason: "STOP_LOSS" });

    await h.send("md.book", bookMsg(UP, 700_000, 3)); // take-profit territory now
    await h.send("cro.state", croStateMsg("FLATTENING"));
    expect(h.exits).toHaveLength(1);
    expect(h.last().state).toBe("EXIT_PENDING");

    await h.send("exec.fill", exitFill("MATCHED"));
    expect(h.last()).toMatchObject({ state: "EXIT_PENDING", size: 10_000_000 });
    await h.send("exec.fill", exitFill("CONFIRMED"));
    expect(h.last()).toMatchObject({
      state: "CLOSED",
      size: 0,
      costBasis: 0,
      fees: 175_000 + 172_480,
      realizedPnl: 4_400_000 - 5_000_000 - 175_000 - 172_480,
      unrealizedPnl: 0,
    });

    const audit = await h.store.auditFor("pos-1");
    const decided = audit.find((a) => a.kind === "exit.intent");
    expect(decided?.detail).toMatchObject({
      intent: { intentId: "exit-1-pos-1", limitPrice: 430_000 },
      book: { seq: 2, bid: 450_000, tickSize: 10_000 },
    });
    const slips = audit.filter((a) => a.kind === "fill.slippage").map((a) => a.detail);
    expect(slips).toContainEqual(
      expect.objectContaining({ side: "SELL", adversePriceMicro: -10_000 }),
    );
    expect(audit.map((a) => a.kind)).toContain("position.closed");
  });

  it("take-profit at 30 % above entry", async () => {
    h = harness();
    await h.startPortfolio();
    await openPosition();
    await h.send("md.book", bookMsg(UP, 640_000, 1));
    expect(h.exits).toEqual([]);
    await h.send("md.book", bookMsg(UP, 650_000, 2));
    expect(h.exits[0]).toMatchObject({ exitReason: "TAKE_PROFIT", limitPrice: 630_000 });
    expect(h.last().state).toBe("EXIT_PENDING");
  });

  it("marks the position to the bid: unrealized PnL net of the exit fee, re-published as it moves", async () => {
    h = harness();
    await h.startPortfolio();
    await h.send("md.window", windowMsg("OPEN")); // carries the fee rate (700 bps)
    await openPosition();
    await h.send("md.book", bookMsg(UP, 600_000, 1));
    await h.clock.advance(1_000);
    expect(h.last()).toMatchObject({
      markPrice: 600_000,
      unrealizedPnl: 6_000_000 - 5_000_000 - 168_000,
    });
    expect((await h.store.getPosition("pos-1"))?.markPrice).toBe(600_000);
  });

  it("FLATTENING exits every open position with reason FLATTEN, whatever the price", async () => {
    h = harness();
    await h.startPortfolio();
    await openPosition("pos-1", "trade-1");
    await openPosition("pos-2", "trade-2");
    await h.send("md.book", bookMsg(UP, 520_000, 1));
    expect(h.exits).toEqual([]);
    await h.send("cro.state", croStateMsg("FLATTENING"));
    expect(h.exits.map((e) => [e.positionId, e.exitReason, e.limitPrice])).toEqual([
      ["pos-1", "FLATTEN", 500_000],
      ["pos-2", "FLATTEN", 500_000],
    ]);
  });

  it("PAUSED does not hold exits back; HALTED does, until the CRO leaves it", async () => {
    h = harness();
    await h.startPortfolio();
    await openPosition("pos-1", "trade-1");
    await openPosition("pos-2", "trade-2");
    await h.send("cro.state", croStateMsg("PAUSED"));
    await h.send("md.book", bookMsg(UP, 440_000, 1));
    expect(h.exits.map((e) => e.positionId)).toEqual(["pos-1", "pos-2"]);

    await h.send("cro.state", croStateMsg("HALTED"));
    await openPosition("pos-3", "trade-3");
    await h.send("md.book", bookMsg(UP, 440_000, 2));
    expect(h.exits).toHaveLength(2);
    await h.send("cro.state", croStateMsg("PAUSED"));
    expect(h.exits.map((e) => e.positionId)).toEqual(["pos-1", "pos-2", "pos-3"]);
  });

  it("a vetoed exit goes back to MONITORING and is retried after the delay under a new intent id", async () => {
    h = harness();
    await h.startPortfolio({ exitRetryDelayMs: 1_000 });
    await openPosition();
    await h.send("md.book", bookMsg(UP, 440_000, 1));
    const first = intentSchema.parse(h.exits[0]);
    await h.send("cro.decision", vetoMsg(first));
    expect(h.last()).toMatchObject({ state: "MONITORING" });
    await h.send("md.book", bookMsg(UP, 440_000, 2));
    expect(h.exits).toHaveLength(1); // inside the retry delay
    await h.clock.advance(1_000);
    await h.send("md.book", bookMsg(UP, 440_000, 3));
    expect(h.exits.map((e) => e.intentId)).toEqual(["exit-1-pos-1", "exit-2-pos-1"]);
    const failed = (await h.store.auditFor("pos-1")).find((a) => a.kind === "exit.failed");
    expect(failed?.detail).toMatchObject({ reason: "vetoed by the CRO: PRICE_BAND" });
  });

  it("an exit with no answer before the deadline counts as failed", async () => {
    h = harness();
    await h.startPortfolio({ exitTimeoutMs: 5_000 });
    await openPosition();
    await h.send("md.book", bookMsg(UP, 440_000, 1));
    expect(h.last().state).toBe("EXIT_PENDING");
    await h.clock.advance(4_999);
    expect(h.last().state).toBe("EXIT_PENDING");
    await h.clock.advance(1);
    await h.clock.runUntilIdle();
    expect(h.last().state).toBe("MONITORING");
  });

  it("a partially filled exit order that is cancelled leaves the rest to a new exit", async () => {
    h = harness();
    await h.startPortfolio({ exitRetryDelayMs: 0 });
    await openPosition();
    await h.send("md.book", bookMsg(UP, 440_000, 1));
    await h.send("exec.fill", exitFill("CONFIRMED", { size: 4_000_000, fee: 68_990 }));
    expect(h.last()).toMatchObject({ state: "EXIT_PENDING", size: 6_000_000 });
    await h.send("exec.order.cancelled", {
      orderId: "ord-exit-1-pos-1",
      venueOrderId: null,
      intentId: "exit-1-pos-1",
      decisionId: null,
      positionId: "pos-1",
      strategy: "canary",
      windowId: h.exits[0]?.windowId ?? "",
      tokenId: UP,
      kind: "EXIT",
      side: "SELL",
      orderType: "FAK",
      price: 430_000,
      size: 10_000_000,
      filledSize: 4_000_000,
      status: "CANCELLED",
      reason: "FAK remainder",
      mode: "SIM",
    });
    expect(h.last().state).toBe("MONITORING");
    await h.send("md.book", bookMsg(UP, 440_000, 2));
    expect(h.exits[1]).toMatchObject({ intentId: "exit-2-pos-1", size: 6_000_000 });
  });

  it("runtime controls: a new stop_loss_pct takes effect within the refresh period, no restart", async () => {
    h = harness();
    await h.startPortfolio({ controlsRefreshMs: 1_000 });
    await openPosition();
    await h.send("md.book", bookMsg(UP, 470_000, 1));
    expect(h.exits).toEqual([]);
    await h.store.setControl("stop_loss_pct", "5", "operator", h.clock.now());
    await h.clock.advance(1_000);
    await h.send("md.book", bookMsg(UP, 470_000, 2));
    expect(h.exits[0]).toMatchObject({ exitReason: "STOP_LOSS" });
  });
});
