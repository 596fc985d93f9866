import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";
import { EmbeddedFleet } from "../../../infra/app/embedded.ts";
import { silentLogger } from "../../../agents/runtime/logger.ts";
import { Actor, type AgentDefinition } from "../../../agents/runtime/actor.ts";
import { FencedPublishError } from "../../../agents/runtime/errors.ts";
import type { ActorHost } from "../../../agents/runtime/host.ts";

class Idle extends Actor {
  override async start(): Promise<void> {
    await Promise.resolve();
  }
}

const singleton: AgentDefinition = { name: "cro", singleton: true, create: (ctx) => new Idle(ctx) };

function setup() {
  const clock = new VirtualClock(0);
  const store = new MemoryStore();
  const fleet = new EmbeddedFleet({
    clock,
    rng: new SeededRng(1),
    store,
    log: silentLogger(),
    mode: "SIM",
    settings: { heartbeatMs: 100, leaseTtlMs: 600 },
  });
  const seen: string[] = [];
  fleet.connect("test.1").subscribe("cro.state", (m) => {
    seen.push(m.source.instance);
  });
  return { clock, fleet, store, seen };
}

function sendState(host: ActorHost) {
  return host.publish("cro.state", {
    state: "ACTIVE",
    reason: "test",
    since: 0,
    epoch: host.fence()?.epoch ?? 0,
    blockers: [],
    operatorHold: false,
    agents: [],
  });
}

describe("fenced publish", () => {
  it("lets the lease holder send and refuses a hot standby (FencedPublishError)", async () => {
    const { clock, fleet, seen } = setup();
    const leader = await fleet.start(singleton, "a");
    const standby = await fleet.start(singleton, "b");
    await clock.advance(300);
    expect(leader.isLeader()).toBe(true);
    expect(standby.isLeader()).toBe(false);
    await sendState(leader);
    await expect(sendState(standby)).rejects.toBeInstanceOf(FencedPublishError);
    await clock.advance(10);
    expect(seen).toEqual(["a"]);
  });

  it("refuses a leader whose lease ran out before it noticed (a long pause), heartbeats excepted", async () => {
    const { clock, fleet, store, seen } = setup();
    const leader = await fleet.start(singleton, "a");
    await clock.advance(50);
    expect(leader.isLeader()).toBe(true);
    // The renewals fail from now on: the local deadline (one TTL after the last good renewal)
    // passes, and with it the right to send.
    store.renewLease = () => Promise.resolve(false);
    store.tryAcquireLease = () =>
      Promise.resolve({ acquired: false, holder: "other", epoch: 9, expiresAtMs: 1e12 });
    await clock.advance(1_000);
    expect(leader.isLeader()).toBe(false);
    await expect(sendState(leader)).rejects.toBeInstanceOf(FencedPublishError);
    await clock.advance(10);
    expect(seen).toEqual([]);
  });
});
