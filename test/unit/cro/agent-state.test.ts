import { afterEach, describe, expect, it } from "vitest";
import { CroHarness, activeCro } from "./harness.ts";
import { T0, UP, WINDOW_ID } from "./fixtures.ts";
import type { OrderRecord, PositionRecord } from "../../../agents/runtime/store.ts";

let h: CroHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

function order(status: OrderRecord["status"]): OrderRecord {
  return {
    orderId: "ord-1",
    venueOrderId: null,
    intentId: "int-1",
    decisionId: "dec-1",
    positionId: "pos-1",
    strategy: "canary",
    windowId: WINDOW_ID,
    tokenId: UP,
    kind: "ENTRY",
    side: "BUY",
    orderType: "GTC",
    price: 500_000,
    size: 5_000_000,
    filledSize: 0,
    status,
    reason: null,
    mode: "PAPER",
    createdAt: T0,
    updatedAt: T0,
    epoch: 1,
  };
}

function position(overrides: Partial<PositionRecord> = {}): PositionRecord {
  return {
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
    ...overrides,
  };
}

describe("CRO start", () => {
  it("starts fail-closed: PAUSED 'starting', and stays so while nothing else is heard", async () => {
    h = new CroHarness();
    await h.startCro();
    const first = h.state();
    expect(first.state).toBe("PAUSED");
    expect(first.reason).toMatch(/^starting/);
    expect(first.epoch).toBeGreaterThan(0);
    expect(first.blockers.join(" ")).toMatch(/execution: never seen/);
    expect((await h.store.lastCroEvent())?.state).toBe("PAUSED");
    await h.holds("PAUSED", 5_000);
  });

  it("becomes ACTIVE only once agents, feed and a clean reconciliation are all there", async () => {
    h = new CroHarness();
    await h.startCro();
    h.signals.recon = null;
    h.startSignals();
    await h.holds("PAUSED", 5_000);
    expect(h.state().blockers).toEqual(["waiting for a clean reconciliation"]);
    h.signals.recon = "CLEAN";
    await h.untilState("ACTIVE", 2_500);
  });

  it("republishes cro.state every 500 ms with liveness and blockers", async () => {
    h = new CroHarness();
    await h.startCro();
    h.startSignals();
    await h.clock.advance(3_000);
    const from = h.states.length;
    await h.clock.advance(5_000);
    expect(h.states.length - from).toBeGreaterThanOrEqual(10);
    const agents = h
      .state()
      .agents.filter((a) => a.alive)
      .map((a) => a.agent);
    expect(agents).toEqual([
      "alert",
      "cro",
      "execution",
      "market-data",
      "portfolio",
      "reconciler",
      "strategy",
    ]);
  });
});

describe("automatic triggers and recovery", () => {
  it("a silent agent pauses within its timeout; it resumes after it is back and recon is clean", async () => {
    h = await activeCro();
    h.signals.alive.delete("execution");
    const took = await h.untilState("PAUSED", 3_500);
    expect(took).toBeLessThanOrEqual(2_500 + 500 + 250);
    expect(h.state().reason).toMatch(/execution: silent/);
    expect(h.state().agents.find((a) => a.agent === "execution")?.alive).toBe(false);
    h.signals.alive.add("execution");
    await h.untilState("ACTIVE", 3_000);
  });

  it("a restarted agent needs a clean reconciliation made after it came back (invariant 9)", async () => {
    h = await activeCro();
    h.signals.alive.delete("execution");
    await h.untilState("PAUSED", 3_500);
    // Clean reports keep arriving while execution is down, then the reconciler goes quiet.
    await h.clock.advance(2_500);
    h.signals.recon = null;
    h.startedAt.set("execution", h.clock.now());
    h.signals.alive.add("execution");
    await h.clock.advance(4_000);
    expect(h.state().state).toBe("PAUSED");
    expect(h.state().blockers).toEqual(["waiting for a clean reconciliation"]);
    h.signals.recon = "CLEAN";
    await h.untilState("ACTIVE", 3_000);
  });

  it("a standby singleton or a starting instance does not count as alive", async () => {
    h = await activeCro();
    h.signals.alive.delete("portfolio");
    const beat = h.clock.setInterval(500, () => void h?.heartbeat("portfolio", "running", false));
    await h.untilState("PAUSED", 3_500);
    h.clock.clearTimer(beat);
    expect(h.state().reason).toMatch(/portfolio: no instance holds the singleton lease/);
    h.signals.alive.delete("strategy");
    const starting = h.clock.setInterval(
      500,
      () => void h?.heartbeat("strategy", "starting", null),
    );
    await h.clock.advance(3_000);
    h.clock.clearTimer(starting);
    expect(h.state().blockers.join(" ")).toMatch(/strategy: lifecycle starting/);
  });

  it("a stale feed pauses; a fresh one recovers", async () => {
    h = await activeCro();
    h.signals.health = "STALE";
    await h.untilState("PAUSED", 1_500);
    expect(h.state().reason).toMatch(/feed venue is STALE/);
    h.signals.health = "OK";
    await h.untilState("ACTIVE", 3_500);
  });

  it("silence from market data is a stale feed too", async () => {
    h = await activeCro();
    h.signals.health = null;
    await h.untilState("PAUSED", 6_000);
    expect(h.state().reason).toMatch(/no md.health report/);
  });

  it("a reconciliation mismatch halts until a later report is clean", async () => {
    h = await activeCro();
    await h.mismatch("POSITION", UP);
    await h.untilState("HALTED", 100);
    expect(h.state().reason).toMatch(/reconciliation mismatch: POSITION tok-up/);
    await h.untilState("ACTIVE", 2_500);
  });

  it("a failed runtime assertion halts, naming the assertion", async () => {
    h = await activeCro();
    h.signals.recon = "MISMATCH";
    await h.mismatch("ASSERTION", "fill-confirmation");
    await h.untilState("HALTED", 100);
    expect(h.state().reason).toMatch(/runtime assertion failed: ASSERTION fill-confirmation/);
    await h.holds("HALTED", 4_000);
    h.signals.recon = "CLEAN";
    await h.untilState("ACTIVE", 2_500);
  });

  it("an order in UNKNOWN state pauses until it resolves", async () => {
    h = await activeCro();
    await h.store.upsertOrder(order("UNKNOWN"));
    await h.untilState("PAUSED", 1_000);
    expect(h.state().reason).toMatch(/UNKNOWN state: ord-1/);
    await h.store.upsertOrder(order("CANCELLED"));
    await h.untilState("ACTIVE", 3_500);
  });

  it("the daily drawdown limit pauses", async () => {
    h = await activeCro();
    // Opened and closed between two store reads: only the portfolio.position message tells.
    const {
      machineVersion: _v,
      snapshot: _s,
      updatedAt: _u,
      ...closed
    } = position({
      state: "CLOSED",
      realizedPnl: -20_000_000,
      closedAt: h.clock.now(),
    });
    await h.position(closed);
    await h.untilState("PAUSED", 100);
    expect(h.state().reason).toMatch(/daily PnL -\$20.00 reached the drawdown limit \$20.00/);
  });

  it("the session loss limit pauses on open positions' unrealized loss", async () => {
    h = await activeCro();
    await h.store.savePosition(position({ unrealizedPnl: -15_000_000 }));
    await h.untilState("PAUSED", 1_000);
    expect(h.state().reason).toMatch(/session PnL -\$15.00 reached the loss limit/);
  });

  it("under recovery_policy manual an automatic halt waits for an operator resume", async () => {
    h = await activeCro();
    await h.store.setControl("recovery_policy", "manual", "test", h.clock.now());
    await h.clock.advance(1_000);
    await h.mismatch("BALANCE", "usdc");
    await h.untilState("HALTED", 100);
    await h.holds("HALTED", 5_000);
    expect(h.state().blockers).toEqual([]);
    const reply = await h.ask({ kind: "resume" }, "bob", "books checked");
    expect(reply.ok).toBe(true);
    await h.untilState("ACTIVE", 500);
  });
});

describe("runtime controls", () => {
  it("the kill switch written to the store halts within a second, without a restart", async () => {
    h = await activeCro();
    await h.store.setControl("kill_switch", "on", "carol", h.clock.now());
    const took = await h.untilState("HALTED", 1_000);
    expect(took).toBeLessThan(1_000);
    expect(h.state()).toMatchObject({ reason: "kill_switch is on", operatorHold: true });
    await h.store.setControl("kill_switch", "off", "carol", h.clock.now());
    await h.holds("HALTED", 3_000);
    expect((await h.ask({ kind: "resume" })).ok).toBe(true);
    await h.untilState("ACTIVE", 500);
  });

  it("a stored control that does not parse pauses, naming the control", async () => {
    h = await activeCro();
    await h.store.setControl("position_cap_usd", "lots", "mallory", h.clock.now());
    await h.untilState("PAUSED", 1_000);
    expect(h.state().reason).toMatch(/invalid runtime control position_cap_usd/);
    await h.store.setControl("position_cap_usd", "5", "carol", h.clock.now());
    await h.untilState("ACTIVE", 3_500);
  });
});

describe("operator halts", () => {
  it("an operator pause holds until an operator resume, however clean everything is", async () => {
    h = await activeCro();
    const reply = await h.ask({ kind: "halt", level: "pause" }, "dave", "news at 14:00");
    expect(reply).toMatchObject({ ok: true, state: "PAUSED" });
    expect(h.state()).toMatchObject({ state: "PAUSED", operatorHold: true });
    await h.holds("PAUSED", 10_000);
    await h.ask({ kind: "resume" }, "dave", "news out");
    await h.untilState("ACTIVE", 500);
    expect(h.state().operatorHold).toBe(false);
  });

  it("an emergency halt is HALTED and audited with who and why", async () => {
    h = await activeCro();
    await h.ask({ kind: "halt", level: "emergency" }, "erin", "venue acting up");
    expect(h.state().state).toBe("HALTED");
    const event = await h.store.lastCroEvent();
    expect(event).toMatchObject({ state: "HALTED", actor: "erin", operatorHold: true });
    expect(event?.reason).toMatch(/venue acting up \(by erin\)/);
  });

  it("a flatten stays FLATTENING while a position is open, then holds PAUSED", async () => {
    h = await activeCro();
    await h.store.savePosition(position());
    await h.clock.advance(1_000);
    await h.ask({ kind: "halt", level: "flatten" }, "frank", "end of day");
    expect(h.state().state).toBe("FLATTENING");
    await h.holds("FLATTENING", 3_000);
    await h.store.savePosition(position({ state: "CLOSED", closedAt: h.clock.now() }));
    await h.untilState("PAUSED", 1_000);
    expect(h.state()).toMatchObject({
      operatorHold: true,
      reason: "flatten complete: holding PAUSED",
    });
    await h.holds("PAUSED", 3_000);
  });
});
