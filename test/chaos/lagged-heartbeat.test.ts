import { describe, expect, it } from "vitest";
import type { CroState } from "../../contracts/cro.ts";
import { chaosWorld } from "./world.ts";

/**
 * Found by the chaos engine (kitchen-sink, extreme, seed 2 over 0.01 days): with the bus lagging
 * 5–10 s, a heartbeat sent just before an agent hung reached the CRO seconds later and was counted
 * as fresh, so the CRO stayed ACTIVE with that agent silent past its timeout (invariant 3).
 */
describe("fail closed under bus lag", () => {
  it("a heartbeat that lagged on the bus does not keep a hung agent alive", async () => {
    const world = await chaosWorld(21);
    const states: Array<{ at: number; state: string }> = [];
    world.fleet.connect("test.observer").subscribe("cro.state", (m: CroState) => {
      states.push({ at: world.clock.now(), state: m.state });
    });
    const state = () => states.at(-1)?.state;
    const bound = world.clock.now() + 5 * 60_000;
    while (state() !== "ACTIVE" && world.clock.now() < bound) await world.clock.advance(1_000);
    expect(state()).toBe("ACTIVE");

    // Strategy's heartbeats reach the CRO 7 s late for a while (a steady, shifted stream); then
    // Strategy hangs. Its last heartbeats are still on their way.
    world.broker.setFaultInjector((d) =>
      d.to === "cro.1" && d.subject === "hb.strategy.1"
        ? { kind: "delay", ms: 7_000 }
        : { kind: "deliver" },
    );
    await world.clock.advance(30_000);
    world.fleet.pause("strategy");
    const timeoutMs = 2_500; // agent_timeout_ms default
    const checkEveryMs = 500; // the CRO re-evaluates liveness on this period
    await world.clock.advance(timeoutMs + checkEveryMs);
    // Silent past its timeout (and its heartbeats 7 s old on arrival): the CRO must not be ACTIVE.
    expect(state(), JSON.stringify(states.slice(-3))).not.toBe("ACTIVE");
    world.broker.setFaultInjector(null);
    world.fleet.resume("strategy");
  }, 60_000);
});
