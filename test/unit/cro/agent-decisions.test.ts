import { afterEach, describe, expect, it } from "vitest";
import { intentHash } from "../../../contracts/intents.ts";
import { DUPLICATE_WINDOW_MS } from "../../../bus/memory.ts";
import type { PositionRecord } from "../../../agents/runtime/store.ts";
import { CroHarness, activeCro } from "./harness.ts";
import { T0, UP, WINDOW_ID, cancelIntent, entryIntent, exitIntent } from "./fixtures.ts";

let h: CroHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const position: PositionRecord = {
  positionId: "pos-1",
  strategy: "canary",
  windowId: WINDOW_ID,
  tokenId: UP,
  mode: "PAPER",
  state: "MONITORING",
  size: 5_000_000,
  provisionalSize: 0,
  avgEntryPrice: 500_000,
  costBasis: 2_500_000,
  fees: 0,
  realizedPnl: 0,
  unrealizedPnl: 0,
  markPrice: 500_000,
  exitReason: null,
  openedAt: T0,
  closedAt: null,
  machineVersion: 1,
  snapshot: {},
  updatedAt: T0,
};

const entry = (n: number) => entryIntent({ intentId: `int-${n}`, positionId: `pos-${n}` });

describe("CRO decisions on the fleet", () => {
  it("approves a good entry: exact intent hash, current epoch, expiry, and an audit row", async () => {
    h = await activeCro();
    const intent = entry(1);
    const d = await h.decide(intent);
    expect(d).toMatchObject({ approved: true, reasons: [], intent });
    expect(d.intentHash).toBe(intentHash(intent));
    expect(d.epoch).toBe(h.state().epoch);
    expect(d.epoch).toBe((await h.store.getLease("cro"))?.epoch);
    expect(d.expiresAt).toBe(d.ts + 3_000);
    const audit = await h.store.auditFor("int-1");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      kind: "cro.decision",
      agent: "cro",
      intentId: "int-1",
      decisionId: d.decisionId,
      correlationId: d.correlationId,
      detail: { state: "ACTIVE", balance: 100_000_000, intent, checks: d.checks },
    });
    expect(audit[0]?.detail).toHaveProperty("controls.position_cap_usd", 5_000_000);
  });

  it("refuses a replayed intentId once past the stream's duplicate window (DUPLICATE_INTENT)", async () => {
    h = await activeCro();
    expect((await h.decide(entry(1))).approved).toBe(true);
    // Inside the window the stream itself drops the copy; past it, the CRO must.
    await h.clock.advance(DUPLICATE_WINDOW_MS);
    const again = await h.decide(entry(1));
    expect(again.reasons).toContain("DUPLICATE_INTENT");
    expect(again.approved).toBe(false);
  });

  it("counts approvals not yet placed: a burst of 3 entries on one window gets 2 approvals", async () => {
    h = await activeCro();
    const results = [];
    for (const n of [1, 2, 3]) results.push(await h.decide(entry(n)));
    expect(results.map((d) => d.approved)).toEqual([true, true, false]);
    expect(results[2]?.reasons).toEqual(["ORDERS_PER_WINDOW"]);
  });

  it("reserves balance for approvals: $4 balance covers one $2.59 entry, not two", async () => {
    h = await activeCro();
    h.signals.balance = 4_000_000;
    await h.report("CLEAN");
    await h.clock.advance(0);
    expect((await h.decide(entry(1))).approved).toBe(true);
    const second = await h.decide(entryIntent({ intentId: "int-2", tokenId: "tok-down" }));
    expect(second.reasons).toEqual(["BALANCE"]);
  });

  it("applies a control change to decisions within a second, without a restart", async () => {
    h = await activeCro();
    await h.store.setControl("position_cap_usd", "2", "carol", h.clock.now());
    await h.clock.advance(1_000);
    expect((await h.decide(entry(1))).reasons).toEqual(["POSITION_CAP"]);
  });

  it("vetoes an entry on a window that has not started (FUTURE_WINDOW)", async () => {
    h = await activeCro();
    const start = h.clock.now() + 60_000;
    await h.listWindow(start);
    const d = await h.decide(entryIntent({ windowId: `btc-updown-15m-${start / 1000}` }));
    expect(d.reasons).toEqual(["FUTURE_WINDOW"]);
  });

  it("vetoes entries while a required agent is dead", async () => {
    h = await activeCro();
    h.signals.alive.delete("reconciler");
    await h.clock.advance(3_000);
    const d = await h.decide(entry(1));
    expect(d.reasons).toContain("AGENTS_ALIVE");
    expect(d.reasons).toContain("TRADING_STATE");
  });
});

describe("exits and cancels by trading state (invariants 2 and 4)", () => {
  it("PAUSED: entries vetoed, exits of a real position approved", async () => {
    h = await activeCro();
    await h.store.savePosition(position);
    await h.ask({ kind: "halt", level: "pause" });
    expect((await h.decide(entry(1))).reasons).toEqual(["TRADING_STATE"]);
    const exit = await h.decide(exitIntent(), "portfolio.exit");
    expect(exit.approved).toBe(true);
  });

  it("FLATTENING: exits approved", async () => {
    h = await activeCro();
    await h.store.savePosition(position);
    await h.ask({ kind: "halt", level: "flatten" });
    expect(h.state().state).toBe("FLATTENING");
    const exit = await h.decide(exitIntent({ exitReason: "FLATTEN" }), "portfolio.exit");
    expect(exit.approved).toBe(true);
    expect((await h.decide(entry(1))).reasons).toEqual(["TRADING_STATE"]);
  });

  it("HALTED: only cancels pass", async () => {
    h = await activeCro();
    await h.store.savePosition(position);
    await h.ask({ kind: "halt", level: "emergency" });
    expect((await h.decide(entry(1))).reasons).toEqual(["TRADING_STATE"]);
    expect((await h.decide(exitIntent(), "portfolio.exit")).reasons).toEqual(["TRADING_STATE"]);
    expect((await h.decide(cancelIntent(), "portfolio.exit")).approved).toBe(true);
  });

  it("an exit on a token with an UNKNOWN order is vetoed (no double sell)", async () => {
    h = await activeCro();
    await h.store.savePosition(position);
    await h.store.upsertOrder({
      orderId: "ord-exit-1",
      venueOrderId: null,
      intentId: "int-exit-0",
      decisionId: null,
      positionId: "pos-1",
      strategy: "canary",
      windowId: WINDOW_ID,
      tokenId: UP,
      kind: "EXIT",
      side: "SELL",
      orderType: "FOK",
      price: 400_000,
      size: 1_000_000,
      filledSize: 0,
      status: "UNKNOWN",
      reason: null,
      mode: "PAPER",
      createdAt: T0,
      updatedAt: T0,
      epoch: 1,
    });
    await h.untilState("PAUSED", 1_000);
    const d = await h.decide(exitIntent({ size: 1_000_000 }), "portfolio.exit");
    expect(d.reasons).toEqual(["UNKNOWN_ORDER"]);
  });
});
