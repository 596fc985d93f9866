import { describe, expect, it } from "vitest";
import { TradingKeeper, restoreFrom } from "../../../agents/cro/trading.ts";
import type { Blocker } from "../../../agents/cro/blockers.ts";
import type { TradingEvent } from "../../../agents/cro/machine.ts";
import type { TradingState } from "../../../contracts/common.ts";

const T = 1_000_000;

const block = (code: Blocker["code"], trigger: Blocker["trigger"], hold = false): Blocker => ({
  code,
  key: `${code}:x`,
  text: `${code} text`,
  trigger,
  hold,
});
const AGENT_DOWN = block("AGENT_DOWN", "PAUSED");
const MISMATCH = block("RECON_MISMATCH", "HALTED");
const KILL = block("KILL_SWITCH", "HALTED", true);
const PENDING = block("RECON_PENDING", null);

function evaluate(
  blockers: Blocker[],
  opts: { policy?: "auto" | "manual"; flat?: boolean; now?: number } = {},
): TradingEvent {
  return {
    type: "EVALUATE",
    now: opts.now ?? T,
    blockers,
    policy: opts.policy ?? "auto",
    flat: opts.flat ?? false,
  };
}

function keeper(state: TradingState = "PAUSED", operatorHold = false, tripped = false) {
  return new TradingKeeper({
    state,
    context: { reason: "test", since: 0, operatorHold, tripped },
    sessionStartAt: 0,
  });
}

describe("trading-state machine", () => {
  it("recovers from PAUSED to ACTIVE only when no blocker at all remains", () => {
    const k = keeper();
    k.send(evaluate([AGENT_DOWN]));
    expect(k.state).toBe("PAUSED");
    k.send(evaluate([PENDING]));
    expect(k.state).toBe("PAUSED");
    const t = k.send(evaluate([], { now: T + 5 }));
    expect(t).toEqual({ changed: true, from: "PAUSED", to: "ACTIVE" });
    expect(k.context).toMatchObject({ reason: "all clear", since: T + 5 });
  });

  it("trips ACTIVE to PAUSED on a PAUSED-level trigger, with its reason", () => {
    const k = keeper("ACTIVE");
    k.send(evaluate([AGENT_DOWN], { now: T + 1 }));
    expect(k.state).toBe("PAUSED");
    expect(k.context).toMatchObject({ reason: "AGENT_DOWN text", since: T + 1, tripped: true });
  });

  it("trips to HALTED on a HALTED-level trigger from ACTIVE and from PAUSED", () => {
    for (const from of ["ACTIVE", "PAUSED", "FLATTENING"] as const) {
      const k = keeper(from);
      k.send(evaluate([AGENT_DOWN, MISMATCH]));
      expect(k.state).toBe("HALTED");
      expect(k.context.reason).toBe("RECON_MISMATCH text");
    }
  });

  it("never de-escalates on a lower trigger, and a recovery-only blocker never trips", () => {
    const k = keeper("HALTED");
    k.send(evaluate([AGENT_DOWN]));
    expect(k.state).toBe("HALTED");
    const active = keeper("ACTIVE");
    expect(active.send(evaluate([PENDING])).changed).toBe(false);
    expect(active.state).toBe("ACTIVE");
  });

  it("holds an operator halt until an operator resume, whatever the blockers say", () => {
    const k = keeper("ACTIVE");
    k.send({ type: "OPERATOR_HALT", now: T, level: "pause", reason: "lunch" });
    expect(k.state).toBe("PAUSED");
    expect(k.context.operatorHold).toBe(true);
    k.send(evaluate([]));
    expect(k.state).toBe("PAUSED");
    k.send({ type: "OPERATOR_RESUME", now: T, reason: "back" });
    expect(k.state).toBe("PAUSED"); // resume clears the hold; the next evaluation recovers
    k.send(evaluate([]));
    expect(k.state).toBe("ACTIVE");
  });

  it("maps halt levels: pause → PAUSED, flatten → FLATTENING, emergency → HALTED", () => {
    const levels = { pause: "PAUSED", flatten: "FLATTENING", emergency: "HALTED" } as const;
    for (const [level, state] of Object.entries(levels)) {
      const k = keeper("ACTIVE");
      k.send({ type: "OPERATOR_HALT", now: T, level: level as keyof typeof levels, reason: "r" });
      expect(k.state).toBe(state);
    }
  });

  it("FLATTENING holds until nothing is open, then stays PAUSED (hold kept)", () => {
    const k = keeper("ACTIVE");
    k.send({ type: "OPERATOR_HALT", now: T, level: "flatten", reason: "end of day" });
    k.send(evaluate([], { flat: false }));
    expect(k.state).toBe("FLATTENING");
    k.send(evaluate([], { flat: true }));
    expect(k.state).toBe("PAUSED");
    expect(k.context.operatorHold).toBe(true);
    k.send(evaluate([], { flat: true }));
    expect(k.state).toBe("PAUSED");
  });

  it("a FLATTENING without hold (restored) recovers only once it is flat", () => {
    const k = keeper("FLATTENING", false);
    k.send(evaluate([], { flat: false }));
    expect(k.state).toBe("FLATTENING");
    k.send(evaluate([], { flat: true }));
    k.send(evaluate([]));
    expect(k.state).toBe("ACTIVE");
  });

  it("the kill switch halts and sets the operator hold; only a resume clears it", () => {
    const k = keeper("ACTIVE");
    k.send(evaluate([KILL]));
    expect(k.state).toBe("HALTED");
    expect(k.context).toMatchObject({ operatorHold: true, reason: "KILL_SWITCH text" });
    k.send(evaluate([]));
    expect(k.state).toBe("HALTED");
    k.send({ type: "OPERATOR_RESUME", now: T, reason: "fixed" });
    k.send(evaluate([]));
    expect(k.state).toBe("ACTIVE");
  });

  it("under manual recovery an automatic trip needs an operator resume", () => {
    const k = keeper("ACTIVE");
    k.send(evaluate([MISMATCH], { policy: "manual" }));
    k.send(evaluate([], { policy: "manual" }));
    expect(k.state).toBe("HALTED");
    k.send({ type: "OPERATOR_RESUME", now: T, reason: "checked the books" });
    k.send(evaluate([], { policy: "manual" }));
    expect(k.state).toBe("ACTIVE");
  });
});

describe("restore from the last cro_events row", () => {
  const row = (state: TradingState, operatorHold: boolean, detail: unknown = {}) => ({
    id: 9,
    ts: 500,
    epoch: 3,
    state,
    reason: "why",
    actor: "cro",
    operatorHold,
    detail,
  });

  it("starts PAUSED with reason 'starting' when there is no history", () => {
    const r = restoreFrom(null, T);
    expect(r.state).toBe("PAUSED");
    expect(r.context.reason).toMatch(/^starting/);
    expect(r.sessionStartAt).toBe(T);
  });

  it("never restores ACTIVE (fail closed)", () => {
    const r = restoreFrom(row("ACTIVE", false, { sessionStartAt: 42 }), T);
    expect(r.state).toBe("PAUSED");
    expect(r.context.reason).toMatch(/^starting/);
    expect(r.sessionStartAt).toBe(42);
  });

  it("restores HALTED with its operator hold and trip flag", () => {
    const r = restoreFrom(row("HALTED", true, { tripped: false }), T);
    expect(r).toMatchObject({ state: "HALTED", context: { operatorHold: true, tripped: false } });
    const k = new TradingKeeper(r);
    k.send(evaluate([]));
    expect(k.state).toBe("HALTED");
  });
});
