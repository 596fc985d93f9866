import { describe, expect, it } from "vitest";
import { chaosWorld } from "./world.ts";
import { InvariantError } from "../../agents/runtime/errors.ts";
import { NoRespondersError } from "../../bus/errors.ts";
import type { OpsCommand } from "../../contracts/ops.ts";

describe("process faults on the embedded fleet", () => {
  it("a paused agent hangs (no heartbeats, mailbox not processed) until resumed", async () => {
    const world = await chaosWorld(31);
    const beats: number[] = [];
    world.fleet.connect("test.observer").subscribe(
      "hb",
      () => {
        beats.push(world.clock.now());
      },
      { subject: "hb.market-data.1" },
    );
    await world.clock.advance(5_000);
    expect(beats.length).toBeGreaterThan(5);
    const host = world.fleet.host("market-data");
    expect(world.fleet.pause("market-data")).toBe(true);
    expect(host?.isPaused()).toBe(true);
    const pausedAt = world.clock.now();
    await world.clock.advance(10_000);
    // At most the heartbeat already on its way when the hang began.
    expect(beats.filter((t) => t > pausedAt + 10).length).toBe(0);
    expect(host?.mailboxDepth()).toBeGreaterThan(0);

    world.fleet.resume("market-data");
    expect(host?.isPaused()).toBe(false);
    const resumedAt = world.clock.now();
    await world.clock.advance(5_000);
    expect(beats.filter((t) => t > resumedAt).length).toBeGreaterThan(5);
    expect(host?.mailboxDepth()).toBeLessThan(5);
  }, 60_000);

  it("a slow leak delays each mailbox item by clock time; removing it restores the pace", async () => {
    const world = await chaosWorld(32);
    await world.clock.advance(5_000);
    const host = world.fleet.host("cro");
    host?.setProcessingDelay(() => 2_000);
    await world.clock.advance(20_000);
    const backlog = host?.mailboxDepth() ?? 0;
    expect(backlog).toBeGreaterThan(10);
    host?.setProcessingDelay(null);
    await world.clock.advance(5_000);
    expect(host?.mailboxDepth()).toBeLessThan(backlog);
  }, 60_000);

  it("a killed agent lets go of the venue: no dead subscriber keeps working on the feeds", async () => {
    const world = await chaosWorld(33);
    await world.clock.advance(2_000);
    const alive = world.venue.subscriptions();
    const bothRunning = () =>
      world.fleet.host("market-data")?.state() === "running" &&
      world.fleet.host("execution")?.state() === "running";
    expect(alive.market).toBeGreaterThanOrEqual(1);
    expect(alive.user).toBeGreaterThanOrEqual(1);
    for (let round = 0; round < 3; round++) {
      await world.fleet.kill("market-data");
      await world.fleet.kill("execution");
      expect(world.venue.subscriptions()).toEqual({
        market: alive.market - 1,
        user: alive.user - 1,
      });
      await world.fleet.start(world.definition("market-data"));
      await world.fleet.start(world.definition("execution"));
      // Singletons wait out their predecessor's lease: wait for both to run, within a bound.
      for (let ms = 0; ms < 30_000 && !bothRunning(); ms += 500) await world.clock.advance(500);
      expect(bothRunning()).toBe(true);
      expect(world.venue.subscriptions()).toEqual(alive);
    }
  }, 60_000);

  it("a CRO that crashed on an invariant stops serving operator commands", async () => {
    const world = await chaosWorld(34);
    await world.clock.advance(2_000);
    const ops = world.fleet.connect("test.operator");
    const command = (n: number) => {
      const message: OpsCommand = {
        id: `cmd-${n}`,
        type: "ops.command",
        v: 1,
        ts: world.clock.now(),
        source: { agent: "test", instance: "1" },
        correlationId: `cmd-${n}`,
        causationId: null,
        command: { kind: "status" },
        actor: "tester",
        reason: "who answers",
      };
      return ops.request(message, "ops.reply", { timeoutMs: 1_000 });
    };
    const before = command(1);
    await world.clock.advance(500);
    await expect(before).resolves.toMatchObject({ type: "ops.reply", ok: true });
    world.fleet.host("cro")?.crash(new InvariantError("planted"));
    await world.clock.advance(100);
    const after = command(2).then(
      (reply) => reply,
      (error: unknown) => error,
    );
    await world.clock.advance(1_500);
    expect(await after).toBeInstanceOf(NoRespondersError);
  }, 60_000);
});
