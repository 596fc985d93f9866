/**
 * Strategy fails closed (issue 4, Liveness): it emits nothing unless the CRO says ACTIVE and was
 * heard recently, and nothing while its own bus connection is down; after a reconnect it acts
 * only on a trading state and books heard since.
 */
import { describe, expect, it } from "vitest";
import { MemoryBus } from "../../../bus/memory-bus.ts";
import { createStrategyAgent, defaultStrategies } from "../../../agents/strategy/index.ts";
import type { TradingState } from "../../../contracts/common.ts";
import { harness, T0 } from "../strategy/helpers.ts";

/** A window with two minutes left at T0 (the canary's slot is T-60 s = T0 + 60 s). */
async function scenario(cro: () => TradingState | null) {
  const h = harness();
  const host = await h.fleet.start(
    createStrategyAgent({ strategies: defaultStrategies(), config: { enabled: ["canary"] } }),
  );
  const win = h.window({ startTs: T0 - 780_000, endTs: T0 + 120_000 });
  await win.announce();
  const publishCro = () => {
    const state = cro();
    if (state !== null) void h.croState(state);
  };
  publishCro();
  h.clock.setInterval(500, publishCro);
  h.clock.setInterval(1_000, () => {
    void h.sendBook(win.payload, "up", 580_000, 620_000);
    void h.sendBook(win.payload, "down", 380_000, 420_000);
  });
  const bus = host.bus;
  if (!(bus instanceof MemoryBus)) throw new Error("expected the agent's memory bus");
  return { ...h, agentBus: bus };
}

describe("Strategy fails closed", () => {
  it("emits nothing through its slot unless the CRO says ACTIVE", async () => {
    for (const state of ["PAUSED", "FLATTENING", "HALTED", null] as const) {
      const s = await scenario(() => state);
      await s.clock.runUntil(T0 + 119_000);
      expect(s.intents).toEqual([]);
      await s.fleet.stop();
    }
  });

  it("stops when the CRO falls silent, though its last word was ACTIVE", async () => {
    let talking = true;
    const s = await scenario(() => (talking ? "ACTIVE" : null));
    await s.clock.runUntil(T0 + 50_000);
    talking = false;
    await s.clock.runUntil(T0 + 119_000);
    expect(s.intents).toEqual([]);
    await s.fleet.stop();
  });

  it("emits nothing while its bus is down, and acts again on fresh state once it is back", async () => {
    const s = await scenario(() => "ACTIVE");
    await s.clock.runUntil(T0 + 55_000);
    s.agentBus.simulateStatus("disconnected");
    await s.clock.runUntil(T0 + 65_000); // through the canary's moment, T0 + 60 s
    expect(s.intents).toEqual([]);
    s.agentBus.simulateStatus("connected");
    await s.clock.runUntil(T0 + 67_000);
    expect(s.intents).toHaveLength(1);
    expect(s.intents[0]?.ts).toBeGreaterThanOrEqual(T0 + 65_000);
    await s.fleet.stop();
  });

  it("forgets the trading state it held when the bus drops: a fresh cro.state is needed", async () => {
    let talking = true;
    const s = await scenario(() => (talking ? "ACTIVE" : null));
    await s.clock.runUntil(T0 + 59_000);
    talking = false; // the CRO's last ACTIVE is still within croSilenceMs at the canary's moment
    s.agentBus.simulateStatus("reconnecting");
    s.agentBus.simulateStatus("connected");
    await s.clock.runUntil(T0 + 61_000);
    expect(s.intents).toEqual([]);
    talking = true;
    await s.clock.runUntil(T0 + 63_000);
    expect(s.intents).toHaveLength(1);
    await s.fleet.stop();
  });
});
