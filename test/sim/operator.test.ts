/**
 * The simulated operator (infra/chaos/sim/operator.ts): its daily review opens a new session when
 * the session loss limit has been vetoing entries, leaves a healthy system alone, and never leaves
 * a pause of its own behind, even when every reply to it is lost. Each world is the simulator's
 * own (production agents, relaxed cadence, no chaos) started at 00:05 UTC, 25 minutes before the
 * review, with the real invariant checker as the operator's view of the bus.
 */
import { describe, expect, it } from "vitest";
import { InvariantChecker, DEFAULT_CHECKER_SETTINGS } from "../../infra/chaos/sim/invariants.ts";
import { REVIEW_OFFSET_MS, SimOperator, WATCH_MS } from "../../infra/chaos/sim/operator.ts";
import { SimWorld } from "../../infra/chaos/sim/world.ts";

const START = Date.UTC(2026, 0, 6, 0, 5, 0);
const REVIEW_AT = Date.UTC(2026, 0, 6) + REVIEW_OFFSET_MS;

async function scene(controls: Record<string, string>) {
  const world = new SimWorld({ seed: 7, cadence: "relaxed", startMs: START });
  for (const [key, value] of Object.entries(controls)) {
    await world.store.setControl(key, value, "test", START);
  }
  const checker = new InvariantChecker({ ...DEFAULT_CHECKER_SETTINGS, ...world.cadence.checker });
  world.broker.tap((e) => {
    checker.onBus(e);
  });
  await world.start();
  const operator = new SimOperator(world, {
    tradingState: () => checker.tradingState(),
    sessionLossVetoes: () => checker.counts.rejectionsByReason.get("cro:SESSION_LOSS") ?? 0,
  });
  operator.start(START + 86_400_000);
  return { world, checker, operator };
}

/** The CRO's state changes the operator caused, as "STATE" or "STATE+hold". */
async function operatorEvents(world: SimWorld): Promise<string[]> {
  const events = await world.store.listCroEvents({ limit: 1_000 });
  return events
    .filter((e) => e.actor === "sim-operator")
    .map((e) => `${e.state}${e.operatorHold ? "+hold" : ""}`);
}

describe("SimOperator", () => {
  it("opens a new session when the session loss limit has been vetoing entries", async () => {
    // A limit below any entry's worst case: every entry is vetoed for SESSION_LOSS.
    const { world, checker, operator } = await scene({ session_loss_usd: "0.01" });
    await world.clock.runUntil(REVIEW_AT - 1);
    expect(checker.counts.rejectionsByReason.get("cro:SESSION_LOSS") ?? 0).toBeGreaterThan(0);
    expect(operator.stats).toMatchObject({ reviews: 0, pauses: 0, newSessions: 0 });

    await world.clock.runUntil(REVIEW_AT + 2 * WATCH_MS + 10_000);
    expect(operator.stats).toMatchObject({ reviews: 1, pauses: 1, newSessions: 1 });
    expect(operator.stats.failedCommands).toBe(0);
    const events = await operatorEvents(world);
    expect(events[0]).toBe("PAUSED+hold");
    expect(events.slice(1).some((e) => !e.endsWith("+hold"))).toBe(true);
    const state = checker.tradingState();
    expect(state?.operatorHold).toBe(false);
    expect(state?.state).toBe("ACTIVE");
    operator.close();
    await world.stop();
  });

  it("leaves a system that is not held back by the session limit alone", async () => {
    const { world, checker, operator } = await scene({});
    await world.clock.runUntil(REVIEW_AT + 2 * WATCH_MS);
    expect(checker.counts.rejectionsByReason.get("cro:SESSION_LOSS") ?? 0).toBe(0);
    expect(operator.stats).toMatchObject({ reviews: 1, pauses: 0, newSessions: 0 });
    expect(await operatorEvents(world)).toEqual([]);
    expect(checker.tradingState()?.state).toBe("ACTIVE");
    operator.close();
    await world.stop();
  });

  it("lifts its own pause when every reply to it is lost", async () => {
    const { world, checker, operator } = await scene({ session_loss_usd: "0.01" });
    // The commands reach the CRO; the replies never reach the operator.
    world.broker.setFaultInjector((d) =>
      d.to.startsWith("sim.operator") ? { kind: "drop" } : { kind: "deliver" },
    );
    await world.clock.runUntil(REVIEW_AT + 1_000);
    expect(checker.tradingState()?.operatorHold).toBe(true);

    await world.clock.runUntil(REVIEW_AT + 3 * WATCH_MS);
    expect(operator.stats.failedCommands).toBeGreaterThanOrEqual(2);
    expect(operator.stats.pauses).toBe(0);
    const state = checker.tradingState();
    expect(state?.operatorHold).toBe(false);
    expect(state?.state).toBe("ACTIVE");
    // Lifted once: the watch does not keep resuming a system that is no longer held.
    const events = await operatorEvents(world);
    expect(events[0]).toBe("PAUSED+hold");
    expect(events.filter((e) => !e.endsWith("+hold"))).toHaveLength(1);
    world.broker.setFaultInjector(null);
    operator.close();
    await world.stop();
  });
});
