import { describe, expect, it } from "vitest";
import { AGENT_NAMES } from "../../agents/catalog.ts";
import { SeededRng } from "../../bus/rng.ts";
import type { DeadLetter } from "../../contracts/ops.ts";
import { createChaosEngine } from "../../infra/chaos/engine.ts";
import { FAULT_KINDS } from "../../infra/chaos/faults/index.ts";
import { SCENARIO_NAMES, SCENARIOS } from "../../infra/chaos/scenarios.ts";
import { DEFAULT_SIM_VENUE_CONFIG } from "../../infra/venue-sim/config.ts";
import { chaosWorld } from "./world.ts";

const MINUTE = 60_000;
const DAY = 86_400_000;

describe("chaos engine", () => {
  it("injects and records every fault kind, and heal() leaves nothing active", async () => {
    const world = await chaosWorld(11);
    const letters: DeadLetter[] = [];
    world.broker.addDeadLetterListener((l) => letters.push(l));
    const engine = createChaosEngine({ level: "medium", scenario: "kitchen-sink", world });
    const start = world.clock.now();
    const until = start + 40 * MINUTE;
    engine.start(until);
    // Every kind of the scenario gets its first episode in the first quarter of the run.
    const seen = () => new Set(engine.records().map((r) => r.kind));
    while (seen().size < FAULT_KINDS.length && world.clock.now() < start + 12 * MINUTE) {
      await world.clock.advance(MINUTE);
    }
    expect([...seen()].sort()).toEqual([...FAULT_KINDS].sort());
    for (const r of engine.records()) {
      expect(r.at).toBeGreaterThanOrEqual(start);
      expect(r.target).not.toBe("");
    }

    // The faults did something: bus messages dropped, delayed, duplicated and corrupted (and
    // dead-lettered), agents killed and restarted, venue calls timing out or failing.
    const stats = engine.stats();
    expect(stats.bus.dropped).toBeGreaterThan(0);
    expect(stats.bus.delayed).toBeGreaterThan(0);
    expect(stats.bus.duplicated).toBeGreaterThan(0);
    expect(stats.bus.corrupted).toBeGreaterThan(0);
    expect(letters.length).toBeGreaterThan(0);
    expect(stats.process.killed).toBeGreaterThan(0);
    const counters = world.venue.snapshot().counters;
    expect(counters.timeouts + counters.serverErrors).toBeGreaterThan(0);
    expect(counters.droppedEvents).toBeGreaterThan(0); // stale and dropped market data
    expect(counters.tickSizeChanges).toBeGreaterThan(0); // tick size changed mid-window
    expect(counters.heartbeatExpiries).toBeGreaterThan(0); // the venue's dead-man switch fired
    expect(stats.controls.sent).toBeGreaterThan(0);

    await engine.heal();
    expect(engine.activeFaults()).toEqual([]);
    expect(engine.records().every((r) => r.healedAt !== null)).toBe(true);
    const cfg = world.venue.config;
    expect(cfg.trades.failProbability).toBe(DEFAULT_SIM_VENUE_CONFIG.trades.failProbability);
    expect(cfg.liquidity.levels).toBe(DEFAULT_SIM_VENUE_CONFIG.liquidity.levels);
    expect(cfg.tickSizeChange.edgeMicro).toBe(DEFAULT_SIM_VENUE_CONFIG.tickSizeChange.edgeMicro);

    // Nothing is injected any more, every agent is back and none is hung.
    const injected = engine.records().length;
    const busCounts = JSON.stringify(engine.stats().bus);
    const timeouts = world.venue.snapshot().counters.timeouts;
    await world.clock.advance(2 * MINUTE);
    expect(engine.records()).toHaveLength(injected);
    expect(JSON.stringify(engine.stats().bus)).toBe(busCounts);
    expect(world.venue.snapshot().counters.timeouts).toBe(timeouts);
    for (const name of AGENT_NAMES) {
      const host = world.fleet.host(name);
      expect(host, name).toBeDefined();
      expect(host?.isPaused(), name).toBe(false);
      expect(host?.state(), name).toBe("running");
    }
  }, 120_000);

  it("gives the same fault schedule for the same seed, and another for another seed", async () => {
    const schedule = async (seed: number) => {
      const world = await chaosWorld(seed, false);
      const engine = createChaosEngine({ level: "extreme", world });
      engine.start(world.clock.now() + DAY);
      await world.clock.runUntil(world.clock.now() + DAY);
      await engine.heal();
      return JSON.stringify(engine.records());
    };
    const a = await schedule(5);
    expect(JSON.parse(a)).not.toHaveLength(0);
    expect(await schedule(5)).toBe(a);
    expect(await schedule(6)).not.toBe(a);
  }, 60_000);

  it("enables a different subset of kinds per seed (swarm testing), every kind for some seed", async () => {
    const world = await chaosWorld(1, false);
    const plans = new Set<string>();
    const enabled = new Set<string>();
    for (let seed = 1; seed <= 30; seed++) {
      const w = { ...world, rng: new SeededRng(seed) };
      const engine = createChaosEngine({ level: "medium", world: w });
      const kinds = engine.plan.map((p) => p.kind.kind);
      plans.add(kinds.join(","));
      for (const k of kinds) enabled.add(k);
      expect(kinds.length).toBeLessThan(FAULT_KINDS.length);
    }
    expect(plans.size).toBeGreaterThan(20);
    expect([...enabled].sort()).toEqual([...FAULT_KINDS].sort());
  });

  it("injects nothing at level none; a scenario enables exactly its kinds", async () => {
    const world = await chaosWorld(3, false);
    const none = createChaosEngine({ level: "none", world });
    expect(none.plan).toEqual([]);
    const crash = createChaosEngine({ level: "light", scenario: "flash-crash", world });
    expect(crash.plan.map((p) => p.kind.kind)).toEqual(["market.flash-crash"]);
    const before = world.venue.underlyingPrice();
    crash.start(world.clock.now() + DAY);
    await world.clock.advance(DAY / 4 + 10 * MINUTE);
    expect(crash.records()[0]?.kind).toBe("market.flash-crash");
    // −30 % in three minutes, beyond what the normal path does in six hours.
    expect(world.venue.underlyingPrice() / before).toBeLessThan(0.8);
    await crash.heal();
  });

  it("names the known scenarios when asked for an unknown one", async () => {
    const world = await chaosWorld(3, false);
    expect(() => createChaosEngine({ level: "light", scenario: "nope", world })).toThrow(
      /unknown chaos scenario "nope" \(known: flash-crash, /,
    );
    for (const name of SCENARIO_NAMES) {
      for (const kind of SCENARIOS[name]?.kinds ?? []) expect(FAULT_KINDS).toContain(kind);
    }
  });
});
