import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";
import { EmbeddedFleet } from "../../../infra/app/embedded.ts";
import { silentLogger } from "../../../agents/runtime/logger.ts";
import { Actor, type ActorContext, type AgentDefinition } from "../../../agents/runtime/actor.ts";
import { InvariantError } from "../../../agents/runtime/errors.ts";
import { Mailbox } from "../../../agents/runtime/mailbox.ts";
import type { Heartbeat } from "../../../contracts/heartbeats.ts";
import type { CroState } from "../../../contracts/cro.ts";

/** Counts the cro.state messages it sees; crashes on reason "break". */
class Probe extends Actor {
  seen: string[] = [];
  override async start(): Promise<void> {
    await Promise.resolve();
    this.ctx.on("cro.state", (m) => {
      if (m.reason === "break") throw new InvariantError("probe saw a broken world");
      if (m.reason === "bad") throw new Error("ordinary handler failure");
      this.seen.push(m.reason);
    });
  }
}

function probeDefinition(singleton: boolean, instances: Probe[]): AgentDefinition {
  return {
    name: "probe",
    singleton,
    create: (ctx: ActorContext) => {
      const p = new Probe(ctx);
      instances.push(p);
      return p;
    },
  };
}

function setup() {
  const clock = new VirtualClock(0);
  const fleet = new EmbeddedFleet({
    clock,
    rng: new SeededRng(1),
    store: new MemoryStore(),
    log: silentLogger(),
    mode: "SIM",
    settings: { heartbeatMs: 100, leaseTtlMs: 600 },
  });
  const ops = fleet.connect("test.1");
  const heartbeats: Heartbeat[] = [];
  ops.subscribe("hb", (m) => {
    heartbeats.push(m);
  });
  let n = 0;
  const sendState = (reason: string) => {
    const state: CroState = {
      id: `s${++n}`,
      type: "cro.state",
      v: 1,
      ts: clock.now(),
      source: { agent: "cro", instance: "1" },
      correlationId: `s${n}`,
      causationId: null,
      state: "ACTIVE",
      reason,
      since: 0,
      epoch: 1,
      blockers: [],
      operatorHold: false,
      agents: [],
    };
    return ops.publish(state);
  };
  return { clock, fleet, heartbeats, sendState };
}

describe("ActorHost", () => {
  it("goes starting → running → stopping → stopped and heartbeats at its interval", async () => {
    const { clock, fleet, heartbeats } = setup();
    const host = await fleet.start(probeDefinition(false, []));
    expect(host.state()).toBe("running");
    await clock.advance(1_000);
    const mine = heartbeats.filter((h) => h.agent === "probe");
    expect(mine.length).toBeGreaterThanOrEqual(10);
    expect(mine.at(-1)).toMatchObject({ lifecycle: "running", leader: null, intervalMs: 100 });
    const stopping = host.stop();
    await clock.runUntilIdle(1_000);
    await stopping;
    expect(host.state()).toBe("stopped");
    expect(heartbeats.at(-1)?.lifecycle).toBe("stopped");
  });

  it("keeps running after an ordinary handler error, and crashes on a broken invariant", async () => {
    const { clock, fleet, sendState } = setup();
    const probes: Probe[] = [];
    const host = await fleet.start(probeDefinition(false, probes));
    const crashes: Error[] = [];
    host.onCrash((e) => crashes.push(e));
    await sendState("one");
    await sendState("bad");
    await sendState("two");
    await clock.advance(10);
    expect(probes[0]?.seen).toEqual(["one", "two"]);
    expect(crashes).toHaveLength(0);
    await sendState("break");
    await sendState("three");
    await clock.advance(10);
    expect(crashes[0]?.message).toMatch(/^Invariant: probe saw a broken world/);
    expect(host.state()).toBe("stopped");
    expect(probes[0]?.seen).toEqual(["one", "two"]);
  });

  it("runs a singleton's second replica as a standby that takes over when the leader dies", async () => {
    const { clock, fleet, heartbeats } = setup();
    const probes: Probe[] = [];
    const leader = await fleet.start(probeDefinition(true, probes), "a");
    const standby = await fleet.start(probeDefinition(true, probes), "b");
    await clock.advance(300);
    expect(leader.isLeader()).toBe(true);
    expect(standby.isLeader()).toBe(false);
    expect(probes).toHaveLength(1);
    const epochBefore = leader.fence()?.epoch ?? 0;
    await fleet.kill("probe", "a");
    await clock.advance(2_000);
    expect(standby.isLeader()).toBe(true);
    expect(standby.state()).toBe("running");
    expect(probes).toHaveLength(2);
    expect(standby.fence()?.epoch).toBeGreaterThan(epochBefore);
    expect(heartbeats.filter((h) => h.instance === "b").at(-1)?.leader).toBe(true);
  });
});

/** Its mailbox handler blocks until released; its control handler only records. */
class Blocked extends Actor {
  processed: string[] = [];
  heard: string[] = [];
  unblock: () => void = () => undefined;
  override async start(): Promise<void> {
    await Promise.resolve();
    this.ctx.onControl("cro.state", (m) => {
      this.heard.push(m.reason);
    });
    this.ctx.on("cro.state", async (m) => {
      await new Promise<void>((resolve) => {
        this.unblock = resolve;
      });
      this.processed.push(m.reason);
    });
  }
}

describe("ActorHost incarnations", () => {
  it("a restarted singleton is a new term: it waits out its predecessor's lease and gets a new epoch", async () => {
    const { clock, fleet } = setup();
    const first = await fleet.start(probeDefinition(true, []), "a");
    await clock.advance(300);
    const epochBefore = first.fence()?.epoch ?? 0;
    expect(epochBefore).toBeGreaterThan(0);
    await fleet.kill("probe", "a");
    const again = await fleet.start(probeDefinition(true, []), "a");
    await clock.advance(100);
    expect(again.isLeader()).toBe(false);
    await clock.advance(1_000);
    expect(again.isLeader()).toBe(true);
    expect(again.fence()?.epoch).toBeGreaterThan(epochBefore);
  });
});

describe("ActorHost control plane", () => {
  it("applies a control message at delivery, while the mailbox is still busy with older work", async () => {
    const { clock, fleet, sendState } = setup();
    const actors: Blocked[] = [];
    await fleet.start({
      name: "probe",
      singleton: false,
      create: (ctx) => {
        const a = new Blocked(ctx);
        actors.push(a);
        return a;
      },
    });
    const a = actors[0];
    if (a === undefined) throw new Error("actor not created");
    await sendState("one");
    await sendState("halt");
    await clock.advance(10);
    expect(a.processed).toEqual([]);
    expect(a.heard).toEqual(["one", "halt"]);
    a.unblock();
    await clock.advance(10);
    a.unblock();
    await clock.advance(10);
    expect(a.processed).toEqual(["one", "halt"]);
  });
});

describe("Mailbox", () => {
  it("runs one item at a time, in order, and refuses when full", async () => {
    const order: string[] = [];
    let active = 0;
    let maxActive = 0;
    const box = new Mailbox(3, () => undefined);
    const item = (label: string) => ({
      label,
      run: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await Promise.resolve();
        order.push(label);
        active--;
      },
    });
    expect(box.offer(item("a"))).toBe(true);
    expect(box.offer(item("b"))).toBe(true);
    expect(box.offer(item("c"))).toBe(true);
    expect(box.offer(item("d"))).toBe(true);
    expect(box.offer(item("e"))).toBe(false);
    await box.idle();
    expect(order).toEqual(["a", "b", "c", "d"]);
    expect(maxActive).toBe(1);
  });
});
