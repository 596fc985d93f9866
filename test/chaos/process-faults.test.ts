import { describe, expect, it } from "vitest";
import { chaosWorld } from "./world.ts";

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
});
