/**
 * The invariant checker, rule by rule: each test feeds a hand-made sequence of bus events and venue
 * calls that breaks one invariant and expects exactly that invariant to be reported, next to the
 * same sequence done right, which must pass.
 */
import { describe, expect, it } from "vitest";
import type { Clock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { MessageFactory, type Payload } from "../../bus/messages.ts";
import type { BusTapEvent } from "../../bus/memory.ts";
import { decode } from "../../bus/codec.ts";
import { intentHash, type Intent } from "../../contracts/index.ts";
import { specOf, type MessageType } from "../../contracts/registry.ts";
import type { FillRecord, OrderRecord, PositionRecord } from "../../agents/runtime/store.ts";
import type { VenueTrade } from "../../agents/runtime/venue.ts";
import {
  DEFAULT_CHECKER_SETTINGS,
  InvariantChecker,
  type RestSnapshot,
} from "../../infra/chaos/sim/invariants.ts";

const T0 = Date.UTC(2026, 0, 5, 12, 3, 0);
const WINDOW = "btc-updown-15m-1767614400";
const TOKEN = "1111";
const AGENTS = ["market-data", "strategy", "execution", "portfolio", "reconciler", "cro"];

/** Time set by hand: the checker only reads timestamps. */
class HandClock implements Clock {
  t = T0;
  now(): number {
    return this.t;
  }
  setTimer(): never {
    throw new Error("not used");
  }
  setInterval(): never {
    throw new Error("not used");
  }
  clearTimer(): void {
    /* nothing scheduled */
  }
  sleep(): Promise<void> {
    return Promise.reject(new Error("not used"));
  }
}

class Scene {
  readonly clock = new HandClock();
  readonly rng = new SeededRng(1);
  readonly crashes: { name: string; error: Error }[] = [];
  readonly checker = new InvariantChecker(undefined, () => this.crashes);
  private startedAt = new Map<string, number>();
  epoch = 1;

  at(ms: number): this {
    this.clock.t = T0 + ms;
    return this;
  }

  now(): number {
    return this.clock.now();
  }

  publish<T extends MessageType>(agent: string, type: T, payload: Payload<T>): void {
    const factory = new MessageFactory(this.clock, this.rng, { agent, instance: "1" });
    const message = factory.make(type, payload);
    const subject = specOf(type).subject(message as never);
    this.tap({ phase: "publish", connection: "", subject, raw: JSON.stringify(message) });
  }

  /** Delivers a `cro.state`; `sentAtMs` (from T0) makes one the CRO sent earlier (a late delivery). */
  deliverState(
    state: "ACTIVE" | "PAUSED" | "FLATTENING" | "HALTED",
    to = "execution.1",
    sentAtMs?: number,
  ): void {
    const now = this.clock.t;
    if (sentAtMs !== undefined) this.clock.t = T0 + sentAtMs;
    const factory = new MessageFactory(this.clock, this.rng, { agent: "cro", instance: "1" });
    const m = factory.make("cro.state", statePayload(state, this.epoch));
    this.clock.t = now;
    this.tap({ phase: "deliver", connection: to, subject: "cro.state", raw: JSON.stringify(m) });
  }

  tap(e: Omit<BusTapEvent, "at" | "decoded">): void {
    this.checker.onBus({ ...e, at: this.now(), decoded: () => decode(e.subject, e.raw) });
  }

  heartbeats(agents = AGENTS): void {
    for (const agent of agents) {
      const startedAt = this.startedAt.get(agent) ?? T0;
      this.startedAt.set(agent, startedAt);
      this.publish(agent, "hb", heartbeatPayload(agent, startedAt));
    }
  }

  restart(agent: string): void {
    this.startedAt.set(agent, this.now());
  }

  recon(verdict: "CLEAN" | "MISMATCH"): void {
    this.publish("reconciler", "recon.report", {
      runId: `run-${this.now()}`,
      verdict,
      positionsChecked: 0,
      ordersChecked: 0,
      balance: null,
      assertions: [],
      mismatches: [],
    });
  }

  state(state: "ACTIVE" | "PAUSED" | "FLATTENING" | "HALTED"): void {
    this.publish("cro", "cro.state", statePayload(state, this.epoch));
  }

  decide(intent: Intent, approved = true, over: Partial<Payload<"cro.decision">> = {}): void {
    this.publish("cro", "cro.decision", {
      decisionId: `d-${intent.intentId}`,
      intentHash: intentHash(intent),
      intent,
      approved,
      reasons: approved ? [] : ["TRADING_STATE"],
      checks: passedChecks(intent.kind),
      epoch: this.epoch,
      expiresAt: this.now() + 3_000,
      ...over,
    });
  }

  place(intent: Intent, over: { price?: number } = {}): void {
    this.checker.onPlace(this.now(), {
      clientOrderId: `ord-${intent.intentId}`,
      tokenId: intent.tokenId,
      side: intent.side,
      orderType: intent.orderType,
      price: over.price ?? intent.limitPrice,
      size: intent.size,
      expiresAt: intent.expiresAt,
    });
  }

  /** A healthy, ACTIVE fleet as Execution sees it. */
  healthy(): this {
    this.heartbeats();
    this.recon("CLEAN");
    this.state("ACTIVE");
    this.deliverState("ACTIVE");
    return this;
  }

  found(): string[] {
    return this.checker.violations().map((v) => v.invariant);
  }
}

function statePayload(state: "ACTIVE" | "PAUSED" | "FLATTENING" | "HALTED", epoch: number) {
  return {
    state,
    reason: "test",
    since: T0,
    epoch,
    blockers: [],
    operatorHold: false,
    agents: [],
  };
}

function heartbeatPayload(agent: string, startedAt: number): Payload<"hb"> {
  return {
    agent,
    instance: "1",
    seq: 1,
    lifecycle: "running",
    leader: null,
    pid: 1,
    startedAt,
    mailboxDepth: 0,
    intervalMs: 500,
  };
}

const CHECKS = [
  "TRADING_STATE",
  "INSTRUMENT_ALLOWED",
  "STRATEGY_ALLOWED",
  "POSITION_CAP",
  "ORDERS_PER_WINDOW",
  "DAILY_DRAWDOWN",
  "SESSION_LOSS",
  "BALANCE",
] as const;

function passedChecks(kind: Intent["kind"]) {
  if (kind !== "ENTRY") return [{ code: "TRADING_STATE" as const, passed: true, detail: "ok" }];
  return CHECKS.map((code) => ({ code, passed: true, detail: "ok" }));
}

function intent(id: string, over: Partial<Intent> = {}): Intent {
  return {
    intentId: id,
    strategy: "canary",
    windowId: WINDOW,
    tokenId: TOKEN,
    kind: "ENTRY",
    side: "BUY",
    orderType: "FOK",
    limitPrice: 500_000,
    size: 5_000_000,
    expiresAt: null,
    positionId: `pos-${id}`,
    exitReason: null,
    bookSeq: null,
    reason: "test",
    ...over,
  };
}

describe("invariant 1: no order without approval", () => {
  it("passes an order placed with its own, current, unexpired approval", () => {
    const s = new Scene().healthy();
    s.decide(intent("a"));
    s.place(intent("a"));
    expect(s.found()).toEqual([]);
  });

  it("catches an order with no decision at all", () => {
    const s = new Scene().healthy();
    s.place(intent("ghost"));
    expect(s.found()).toEqual(["1-approval"]);
  });

  it("catches an order sent after its approval expired", () => {
    const s = new Scene().healthy();
    s.decide(intent("a"));
    s.at(4_000).deliverState("ACTIVE");
    s.place(intent("a"));
    expect(s.found()).toEqual(["1-approval"]);
  });

  it("catches an approval from an older CRO epoch", () => {
    const s = new Scene().healthy();
    s.decide(intent("a"));
    s.epoch = 2;
    s.deliverState("ACTIVE");
    s.place(intent("a"));
    expect(s.found()).toEqual(["1-approval"]);
  });

  it("catches an order that differs from the approved intent, and a veto", () => {
    const s = new Scene().healthy();
    s.decide(intent("a"));
    s.place(intent("a"), { price: 600_000 });
    s.decide(intent("b"), false);
    s.place(intent("b"));
    expect(s.found()).toEqual(["1-approval", "1-approval"]);
  });

  it("catches an approval whose hash names another intent", () => {
    const s = new Scene().healthy();
    s.decide(intent("a"), true, { intentHash: intentHash(intent("other")) });
    s.place(intent("a"));
    expect(s.found()).toEqual(["1-approval"]);
  });
});

describe("invariant 2: halt means halt", () => {
  it("catches an entry sent while Execution knew the CRO was PAUSED, and anything under HALTED", () => {
    const s = new Scene().healthy();
    s.decide(intent("a"));
    s.decide(intent("x", { kind: "EXIT", side: "SELL" }));
    s.deliverState("PAUSED");
    s.place(intent("a"));
    s.place(intent("x", { kind: "EXIT", side: "SELL" }));
    expect(s.found()).toEqual(["2-halt"]);
    s.deliverState("HALTED");
    s.place(intent("x", { kind: "EXIT", side: "SELL" }));
    expect(s.found()).toEqual(["2-halt", "2-halt"]);
  });

  it("judges by the newest state Execution heard: a late, older PAUSED is not news", () => {
    const s = new Scene().healthy();
    s.at(200).deliverState("ACTIVE");
    // A PAUSED the CRO sent at 100 ms, delivered after the ACTIVE it sent at 200 ms (reordered).
    s.at(300).deliverState("PAUSED", "execution.1", 100);
    s.decide(intent("a"));
    s.place(intent("a"));
    expect(s.found()).toEqual([]);
    // A newer PAUSED is news.
    s.at(400).deliverState("PAUSED");
    s.decide(intent("b"));
    s.place(intent("b"));
    expect(s.found()).toEqual(["2-halt"]);
  });

  it("catches an order sent after the CRO fell silent (the dead man)", () => {
    const s = new Scene().healthy();
    s.at(2_500).decide(intent("a"));
    s.place(intent("a"));
    expect(s.found()).toEqual(["2-halt"]);
  });
});

describe("invariant 3: fail closed", () => {
  it("catches ACTIVE published while a required agent has been silent past its timeout", () => {
    const s = new Scene().healthy();
    // The checker's bound: the CRO's timeout plus its evaluation slack.
    const bound =
      DEFAULT_CHECKER_SETTINGS.agentTimeoutMs + DEFAULT_CHECKER_SETTINGS.livenessSlackMs;
    s.at(bound - 500).heartbeats(AGENTS.filter((a) => a !== "portfolio"));
    s.state("ACTIVE");
    expect(s.found()).toEqual([]);
    s.at(bound + 500).heartbeats(AGENTS.filter((a) => a !== "portfolio"));
    s.state("ACTIVE");
    expect(s.found()).toEqual(["3-fail-closed"]);
  });

  it("accepts PAUSED while an agent is silent", () => {
    const s = new Scene().healthy();
    s.at(10_000).state("PAUSED");
    expect(s.found()).toEqual([]);
  });
});

describe("invariant 4: exits are never blocked by PAUSED or FLATTENING", () => {
  const exit = intent("x", { kind: "EXIT", side: "SELL" });
  const denied = (detail: string) => ({
    reasons: ["TRADING_STATE" as const],
    checks: [{ code: "TRADING_STATE" as const, passed: false, detail }],
  });

  it("catches the CRO denying an exit because the state is PAUSED", () => {
    const s = new Scene().healthy();
    s.decide(exit, false, denied("PAUSED: no new entries"));
    expect(s.found()).toEqual(["4-exits"]);
  });

  it("accepts an exit denied under HALTED (only cancels pass)", () => {
    const s = new Scene().healthy();
    s.decide(exit, false, denied("HALTED: only cancels pass"));
    expect(s.found()).toEqual([]);
  });

  it("catches Execution refusing an exit for the trading state while FLATTENING", () => {
    const s = new Scene().healthy();
    s.deliverState("FLATTENING");
    s.publish(
      "execution",
      "exec.order.refused",
      order("ord-x", "REFUSED", "EXIT", "TRADING_STATE: x"),
    );
    expect(s.found()).toEqual(["4-exits"]);
  });
});

describe("invariant 5: every fill counts once", () => {
  it("catches a position holding more than was ever bought (a fill counted twice)", () => {
    const s = new Scene().healthy();
    s.publish("execution", "exec.fill", fill("t1", 5_000_000));
    s.publish("execution", "exec.fill", fill("t1", 5_000_000));
    s.publish("portfolio", "portfolio.position", position(5_000_000));
    expect(s.found()).toEqual([]);
    s.publish("portfolio", "portfolio.position", position(10_000_000));
    expect(s.found()).toEqual(["5-fills"]);
  });

  it("catches one trade reported with two different sizes", () => {
    const s = new Scene().healthy();
    s.publish("execution", "exec.fill", fill("t1", 5_000_000));
    s.publish("execution", "exec.fill", fill("t1", 6_000_000));
    expect(s.found()).toEqual(["5-fills"]);
  });

  it("at rest: catches a lost fill, a fee that differs and a position off the venue's", () => {
    const s = new Scene();
    s.checker.checkAtRest(rest({ fills: [] }));
    expect(s.found()).toEqual(["5-fills", "5-fills"]);
    const t = new Scene();
    t.checker.checkAtRest(rest({ fills: [{ ...fillRecord(), fee: 1 }] }));
    expect(t.found()).toContain("5-fills");
    const u = new Scene();
    u.checker.checkAtRest(rest({ venuePositions: [{ tokenId: TOKEN, shares: 7_000_000 }] }));
    expect(u.found()).toEqual(["5-fills"]);
    const ok = new Scene();
    ok.checker.checkAtRest(rest({}));
    expect(ok.found()).toEqual([]);
    // A fill that names no position is money spent off the books.
    const orphan = new Scene();
    orphan.checker.checkAtRest(rest({ fills: [{ ...fillRecord(), positionId: null }] }));
    expect(orphan.checker.violations().map((v) => v.message)).toContain(
      "fill t1 is booked in no position (none named)",
    );
  });

  it("at rest: catches cash that differs from the venue's collateral, or a balance not read", () => {
    const off = new Scene();
    off.checker.checkAtRest(rest({ venueBalance: { collateral: 97_499_999, reserved: 0 } }));
    expect(off.found()).toEqual(["cash"]);
    const unread = new Scene();
    unread.checker.checkAtRest(rest({ venueBalance: null }));
    expect(unread.found()).toEqual(["cash"]);
    // Realized PnL (net of fees, payouts included) moves cash: a closed position's loss.
    const closed = new Scene();
    const lost = {
      ...position(5_000_000),
      state: "CLOSED",
      realizedPnl: -2_587_500,
      updatedAt: T0,
    } as unknown as PositionRecord;
    closed.checker.checkAtRest(
      rest({
        positions: [lost],
        venuePositions: [],
        venueBalance: { collateral: 97_412_500, reserved: 0 },
      }),
    );
    expect(closed.found()).toEqual([]);
    // Collateral reserved by a working order is still moving: not compared.
    const moving = new Scene();
    moving.checker.checkAtRest(rest({ venueBalance: { collateral: 1, reserved: 5 } }));
    expect(moving.found()).toEqual([]);
  });
});

describe("invariant 6: unknown is not rejected", () => {
  it("catches an order with a lost answer declared REJECTED without passing through UNKNOWN", () => {
    const s = new Scene().healthy();
    s.decide(intent("a"));
    s.place(intent("a"));
    s.checker.onPlaceResult(s.now(), placeReq("a"), { outcome: "unknown", reason: "timeout" });
    s.publish("execution", "exec.order.rejected", order("ord-a", "REJECTED", "ENTRY", "lost"));
    expect(s.found()).toEqual(["6-unknown"]);
  });

  it("catches a new entry on a token while an order on it is UNKNOWN", () => {
    const s = new Scene().healthy();
    s.publish("execution", "exec.order.unknown", order("ord-a", "UNKNOWN", "ENTRY", null));
    s.decide(intent("b"));
    s.place(intent("b"));
    expect(s.found()).toEqual(["6-unknown"]);
  });
});

describe("invariant 7: limits belong to the CRO", () => {
  it("catches an entry approved with a failed or missing limit check", () => {
    const s = new Scene().healthy();
    const checks = passedChecks("ENTRY").map((c) =>
      c.code === "POSITION_CAP" ? { ...c, passed: false } : c,
    );
    s.decide(intent("a"), true, { checks });
    s.decide(intent("b"), true, { checks: checks.filter((c) => c.code !== "BALANCE") });
    expect(s.found()).toEqual(["7-limits", "7-limits", "7-limits"]);
  });
});

describe("invariant 8: bad input never crashes an agent", () => {
  it("catches a crashed agent once", () => {
    const s = new Scene();
    s.checker.checkAgents(s.now());
    s.crashes.push({ name: "portfolio.1", error: new Error("boom") });
    s.checker.checkAgents(s.now());
    s.checker.checkAgents(s.now());
    expect(s.found()).toEqual(["8-no-crash"]);
  });
});

describe("invariant 9: restart recovers through a clean reconciliation", () => {
  it("catches ACTIVE again after a restart with no clean reconciliation since", () => {
    const s = new Scene().healthy();
    s.at(1_000).state("PAUSED");
    s.restart("execution");
    s.heartbeats();
    s.at(2_000).heartbeats();
    s.state("ACTIVE");
    expect(s.found()).toEqual(["9-restart"]);
  });

  it("accepts ACTIVE after a clean reconciliation that followed the restart", () => {
    const s = new Scene().healthy();
    s.at(1_000).state("PAUSED");
    s.restart("execution");
    s.heartbeats();
    s.at(2_000).recon("CLEAN");
    s.heartbeats();
    s.state("ACTIVE");
    expect(s.found()).toEqual([]);
  });
});

describe("after the heal", () => {
  it("catches an order still in flight and a system that did not recover", () => {
    const s = new Scene();
    s.checker.checkAtRest(rest({ orders: [orderRecord("UNKNOWN")] }));
    expect(s.found()).toEqual(["in-flight"]);
    const t = new Scene();
    t.checker.checkRecovered(T0 + 60_000, T0, 60_000);
    expect(t.found()).toEqual(["liveness"]);
    expect(t.checker.recovered(T0)).toBe(false);
  });
});

// ---- fixtures --------------------------------------------------------------------------------

function placeReq(id: string) {
  const i = intent(id);
  return {
    clientOrderId: `ord-${id}`,
    tokenId: i.tokenId,
    side: i.side,
    orderType: i.orderType,
    price: i.limitPrice,
    size: i.size,
    expiresAt: null,
  };
}

function order(
  orderId: string,
  status: OrderRecord["status"],
  kind: Intent["kind"],
  reason: string | null,
): Payload<"exec.order.refused"> {
  return {
    orderId,
    venueOrderId: null,
    intentId: orderId.replace(/^ord-/, ""),
    decisionId: null,
    positionId: null,
    strategy: "canary",
    windowId: WINDOW,
    tokenId: TOKEN,
    kind,
    side: kind === "EXIT" ? "SELL" : "BUY",
    orderType: "FOK",
    price: 500_000,
    size: 5_000_000,
    filledSize: 0,
    status,
    reason,
    mode: "PAPER",
  };
}

function orderRecord(status: OrderRecord["status"]): OrderRecord {
  return { ...order("ord-a", status, "ENTRY", null), createdAt: T0, updatedAt: T0, epoch: 1 };
}

function fill(tradeId: string, size: number): Payload<"exec.fill"> {
  return {
    tradeId,
    orderId: "ord-a",
    venueOrderId: "v-1",
    intentId: "a",
    positionId: "pos-a",
    strategy: "canary",
    windowId: WINDOW,
    tokenId: TOKEN,
    kind: "ENTRY",
    side: "BUY",
    price: 500_000,
    size,
    fee: 87_500,
    liquidity: "TAKER",
    status: "CONFIRMED",
    intendedPrice: 500_000,
    mode: "PAPER",
  };
}

function fillRecord(): FillRecord {
  return { ...fill("t1", 5_000_000), ts: T0, updatedAt: T0 };
}

function position(size: number): Payload<"portfolio.position"> {
  return {
    positionId: "pos-a",
    strategy: "canary",
    windowId: WINDOW,
    tokenId: TOKEN,
    mode: "PAPER",
    state: "MONITORING",
    size,
    provisionalSize: 0,
    avgEntryPrice: 500_000,
    costBasis: 2_500_000,
    fees: 87_500,
    realizedPnl: 0,
    unrealizedPnl: 0,
    markPrice: null,
    exitReason: null,
    openedAt: T0,
    closedAt: null,
  };
}

function venueTrade(): VenueTrade {
  return {
    tradeId: "t1",
    venueOrderId: "v-1",
    clientOrderId: "ord-a",
    tokenId: TOKEN,
    windowId: WINDOW,
    side: "BUY",
    price: 500_000,
    size: 5_000_000,
    fee: 87_500,
    liquidity: "TAKER",
    status: "CONFIRMED",
    matchedAt: T0,
    updatedAt: T0,
  };
}

function rest(over: Partial<RestSnapshot>): RestSnapshot {
  const positions: PositionRecord[] = [
    { ...position(5_000_000), updatedAt: T0 } as unknown as PositionRecord,
  ];
  return {
    at: T0 + 120_000,
    orders: [],
    fills: [fillRecord()],
    positions,
    venueTrades: [venueTrade()],
    venueTradesComplete: true,
    venuePositions: [{ tokenId: TOKEN, shares: 5_000_000 }],
    // 100 USDC at the start, 2.5 of it now in the open position (its cost basis).
    venueBalance: { collateral: 97_500_000, reserved: 0 },
    startingCollateral: 100_000_000,
    settledBefore: T0 + 60_000,
    ...over,
  };
}
