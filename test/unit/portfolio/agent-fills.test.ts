/**
 * The Portfolio agent on an EmbeddedFleet: fills become positions, persisted (fenced) and
 * published on every change, counted once, voided by FAILED, settled by the window's outcome.
 */
import { afterEach, describe, expect, it } from "vitest";
import { entryOrder, fillMsg, harness, T0, windowMsg, type Harness } from "./helpers.ts";

let h: Harness;
afterEach(async () => {
  // Every scenario here must leave the Portfolio running: a crash would hide a broken invariant.
  expect(h.fleet.host("portfolio")?.crashError() ?? null).toBeNull();
  await h.fleet.stop();
});

describe("Portfolio agent: fills", () => {
  it("MATCHED opens a provisional position; CONFIRMED books it; each change is stored and published", async () => {
    h = harness();
    await h.startPortfolio();
    await h.send("exec.fill", fillMsg({ status: "MATCHED" }));
    expect(h.last()).toMatchObject({ state: "ENTRY", size: 0, provisionalSize: 10_000_000 });
    await h.send("exec.fill", fillMsg({ status: "CONFIRMED" }));
    expect(h.last()).toMatchObject({
      state: "MONITORING",
      size: 10_000_000,
      provisionalSize: 0,
      avgEntryPrice: 500_000,
      costBasis: 5_000_000,
      fees: 175_000,
      realizedPnl: -175_000,
    });
    const stored = await h.store.getPosition("pos-1");
    expect(stored).toMatchObject({ state: "MONITORING", size: 10_000_000, machineVersion: 1 });
    expect(stored?.snapshot).toMatchObject({ value: "MONITORING", status: "active" });
    expect(h.positions).toHaveLength(2);
    // the position message continues the fill's correlation chain
    expect(h.last().causationId).not.toBeNull();
  });

  it("records the slippage of each trade once, in the audit log", async () => {
    h = harness();
    await h.startPortfolio();
    await h.send("exec.fill", fillMsg({ status: "MATCHED" }));
    await h.send("exec.fill", fillMsg({ status: "CONFIRMED" }));
    const audit = (await h.store.auditFor("pos-1")).filter((a) => a.kind === "fill.slippage");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      intentId: "int-1",
      orderId: "ord-int-1",
      positionId: "pos-1",
    });
    expect(audit[0]?.detail).toMatchObject({
      intendedPrice: 490_000,
      price: 500_000,
      adversePriceMicro: 10_000,
      adverseCostMicro: 100_000,
    });
  });

  it("counts a duplicate fill once (same trade and status redelivered past the stream's dedupe window)", async () => {
    h = harness();
    await h.startPortfolio();
    await h.send("exec.fill", fillMsg({ status: "CONFIRMED" }));
    const published = h.positions.length;
    await h.clock.advance(121_000); // past the 2-minute duplicate window: the stream accepts it again
    await h.send("exec.fill", fillMsg({ status: "CONFIRMED" }));
    await h.send("exec.fill", fillMsg({ status: "MATCHED" })); // an older status: ignored too
    expect(h.positions.length).toBe(published);
    expect(await h.store.getPosition("pos-1")).toMatchObject({ size: 10_000_000, fees: 175_000 });
  });

  it("FAILED after MATCHED voids the provisional fill; the wholly voided entry closes with zero size", async () => {
    h = harness();
    await h.startPortfolio();
    await h.store.upsertOrder(entryOrder()); // a FAK order: it ended when it traded
    await h.send("exec.fill", fillMsg({ status: "MATCHED" }));
    await h.send("exec.fill", fillMsg({ status: "FAILED" }));
    expect(h.last()).toMatchObject({ state: "CLOSED", size: 0, provisionalSize: 0, fees: 0 });
    expect(h.last().closedAt).not.toBeNull();
    expect(await h.store.listPositions({ open: true })).toEqual([]);
    // a late repeat of the FAILED report finds the closed position and changes nothing
    const published = h.positions.length;
    await h.clock.advance(121_000);
    await h.send("exec.fill", fillMsg({ status: "FAILED" }));
    expect(h.positions.length).toBe(published);
    const kinds = (await h.store.auditFor("pos-1")).map((a) => a.kind);
    expect(kinds).not.toContain("fill.after-close");
  });

  it("a ghost fill of a resting GTC entry leaves the position open: the order's later fill is booked (seed 403)", async () => {
    h = harness();
    await h.startPortfolio();
    const resting = { orderType: "GTC" as const, status: "PARTIALLY_FILLED" as const };
    await h.store.upsertOrder(entryOrder({ ...resting, filledSize: 4_000_000 }));
    const ghost = { tradeId: "t-ghost", size: 4_000_000, fee: 70_000 };
    await h.send("exec.fill", fillMsg({ ...ghost, status: "MATCHED" }));
    await h.send("exec.fill", fillMsg({ ...ghost, status: "FAILED" }));
    expect(h.last()).toMatchObject({ state: "ENTRY", size: 0, provisionalSize: 0 });
    await h.store.upsertOrder(entryOrder({ orderType: "GTC", updatedAt: T0 + 20_000 }));
    await h.send("exec.fill", fillMsg({ tradeId: "t-real", size: 6_000_000, status: "CONFIRMED" }));
    expect(h.last()).toMatchObject({ state: "MONITORING", size: 6_000_000, costBasis: 3_000_000 });
    const kinds = (await h.store.auditFor("pos-1")).map((a) => a.kind);
    expect(kinds).not.toContain("fill.after-close");
  });

  it("a wholly voided entry closes when Execution reports its order ended", async () => {
    h = harness();
    await h.startPortfolio();
    await h.store.upsertOrder(entryOrder({ orderType: "GTC", status: "OPEN", filledSize: 0 }));
    await h.send("exec.fill", fillMsg({ status: "MATCHED" }));
    await h.send("exec.fill", fillMsg({ status: "FAILED" }));
    expect(h.last()).toMatchObject({ state: "ENTRY", size: 0 });
    const cancelled = entryOrder({ orderType: "GTC", status: "CANCELLED", filledSize: 0 });
    await h.store.upsertOrder(cancelled);
    const { createdAt: _c, updatedAt: _u, epoch: _e, ...order } = cancelled;
    await h.send("exec.order.cancelled", order);
    expect(h.last()).toMatchObject({ state: "CLOSED", size: 0, realizedPnl: 0 });
    expect(await h.store.listPositions({ open: true })).toEqual([]);
  });

  it("an entry order's final status that overtakes its last fill closes nothing (seed 400)", async () => {
    h = harness();
    await h.startPortfolio();
    const ghost = { tradeId: "t-ghost", size: 4_000_000, fee: 70_000 };
    const gtc = { orderType: "GTC" as const };
    await h.store.upsertOrder(entryOrder({ ...gtc, status: "PARTIALLY_FILLED", filledSize: 4e6 }));
    await h.send("exec.fill", fillMsg({ ...ghost, status: "MATCHED" }));
    await h.send("exec.fill", fillMsg({ ...ghost, status: "FAILED" }));
    // Execution has stored the last trade and the FILLED order; the order event arrives first
    const filled = entryOrder({ ...gtc, updatedAt: T0 + 20_000 });
    await h.store.upsertOrder(filled);
    const last = fillMsg({ tradeId: "t-last", size: 6_000_000, status: "MATCHED" });
    await h.store.recordFill({ ...last, ts: T0 + 20_000, updatedAt: T0 + 20_000 });
    const { createdAt: _c, updatedAt: _u, epoch: _e, ...order } = filled;
    await h.send("exec.order.filled", order);
    expect(h.last()).toMatchObject({ state: "ENTRY", size: 0 });
    await h.send("exec.fill", last);
    await h.send("exec.fill", { ...last, status: "CONFIRMED" });
    expect(h.last()).toMatchObject({ state: "MONITORING", size: 6_000_000 });
    const kinds = (await h.store.auditFor("pos-1")).map((a) => a.kind);
    expect(kinds).not.toContain("fill.after-close");
  });

  it("an entry's FAILED that overtakes its MATCHED opens the position with the voided trade; the late MATCHED books nothing", async () => {
    h = harness();
    await h.startPortfolio();
    await h.store.upsertOrder(entryOrder({ orderType: "GTC" }));
    await h.send("exec.fill", fillMsg({ status: "FAILED" }));
    expect(h.last()).toMatchObject({ state: "CLOSED", size: 0, provisionalSize: 0 });
    const published = h.positions.length;
    await h.send("exec.fill", fillMsg({ status: "MATCHED" }));
    expect(h.positions.length).toBe(published);
    expect(await h.store.getPosition("pos-1")).toMatchObject({
      state: "CLOSED",
      provisionalSize: 0,
    });
    const kinds = (await h.store.auditFor("pos-1")).map((a) => a.kind);
    expect(kinds).not.toContain("fill.after-close");
    expect(kinds).not.toContain("fill.orphan");
  });

  it("bad input: a fill naming no position, or an exit for an unknown one, is audited and changes nothing", async () => {
    h = harness();
    await h.startPortfolio();
    await h.send("exec.fill", fillMsg({ positionId: null, tradeId: "t-x" }));
    await h.send(
      "exec.fill",
      fillMsg({ positionId: "pos-9", tradeId: "t-y", kind: "EXIT", side: "SELL" }),
    );
    expect(h.positions).toEqual([]);
    expect(await h.store.listPositions()).toEqual([]);
    expect((await h.store.auditFor("pos-9")).map((a) => a.kind)).toEqual(["fill.orphan"]);
    expect(h.fleet.host("portfolio")?.state()).toBe("running");
  });
});

describe("Portfolio agent: settlement", () => {
  it("window RESOLVED UP settles the up token at 1 and the down token at 0, net of fees", async () => {
    h = harness();
    await h.startPortfolio();
    await h.send("md.window", windowMsg("OPEN"));
    await h.send("exec.fill", fillMsg({ status: "CONFIRMED" }));
    await h.send(
      "exec.fill",
      fillMsg({
        status: "CONFIRMED",
        positionId: "pos-2",
        tradeId: "trade-2",
        tokenId: "tok-down",
        price: 400_000,
        size: 5_000_000,
        fee: 84_000, // 5 × 0.07 × 0.4 × 0.6
      }),
    );
    await h.send("md.window", windowMsg("RESOLVED", "UP"));
    expect(h.last("pos-1")).toMatchObject({
      state: "CLOSED",
      exitReason: "SETTLEMENT",
      size: 0,
      realizedPnl: 10_000_000 - 5_000_000 - 175_000,
    });
    expect(h.last("pos-2")).toMatchObject({
      state: "CLOSED",
      exitReason: "SETTLEMENT",
      size: 0,
      realizedPnl: -2_000_000 - 84_000,
    });
    const settled = (await h.store.auditFor("pos-2")).find((a) => a.kind === "position.settled");
    expect(settled?.detail).toMatchObject({ outcome: "UP", payoutPerShare: 0 });
    expect(h.exits).toEqual([]); // settlement needs no exit order
  });

  it("at the window's end the position moves to EXPIRY and waits for the outcome", async () => {
    h = harness();
    await h.startPortfolio();
    await h.send("exec.fill", fillMsg({ status: "CONFIRMED" }));
    await h.clock.advance(15 * 60_000);
    await h.clock.runUntilIdle();
    expect(h.last()).toMatchObject({ state: "EXPIRY", size: 10_000_000 });
    await h.send("md.window", windowMsg("RESOLVED", "DOWN"));
    expect(h.last()).toMatchObject({ state: "CLOSED", realizedPnl: -5_175_000 });
  });

  it("a fill that arrives after its window resolved is settled at once (issue 19: Execution restarted, its fills late)", async () => {
    h = harness();
    await h.startPortfolio();
    await h.send("md.window", windowMsg("OPEN"));
    await h.send("md.window", windowMsg("RESOLVED", "UP"));
    await h.send("exec.fill", fillMsg({ status: "MATCHED" }));
    await h.send("exec.fill", fillMsg({ status: "CONFIRMED" }));
    // The venue paid the shares out at the resolution: no open position may keep holding them.
    expect(h.last()).toMatchObject({ state: "CLOSED", exitReason: "SETTLEMENT", size: 0 });
    expect(await h.store.listPositions({ open: true })).toEqual([]);
  });

  it("settlement waits for every trade of the position's orders (issue 19: a late second trade of a FAK entry)", async () => {
    h = harness();
    await h.startPortfolio();
    // One FAK entry that took two levels: 10 shares in all, its second trade not reported yet
    // (Execution restarting after a store outage).
    await h.store.upsertOrder(entryOrder({ size: 15_000_000, filledSize: 15_000_000 }));
    await h.send("md.window", windowMsg("OPEN"));
    await h.send("exec.fill", fillMsg({ status: "CONFIRMED" }));
    await h.send("md.window", windowMsg("RESOLVED", "UP"));
    // Not closed on the first trade alone: the second could never be booked after a close.
    expect(h.last()).toMatchObject({ state: "MONITORING", size: 10_000_000 });
    const second = { tradeId: "trade-2", size: 5_000_000, price: 600_000, fee: 84_000 };
    await h.send("exec.fill", fillMsg({ ...second, status: "CONFIRMED" }));
    expect(h.last()).toMatchObject({
      state: "CLOSED",
      exitReason: "SETTLEMENT",
      size: 0,
      // 15 shares paid 1 each, bought for 5 + 3, fees 0.175 + 0.084
      realizedPnl: 15_000_000 - 8_000_000 - 259_000,
    });
  });
});
