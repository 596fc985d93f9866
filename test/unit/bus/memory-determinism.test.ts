import { describe, expect, it } from "vitest";
import { MemoryBroker } from "../../../bus/memory.ts";
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { MessageFactory } from "../../../bus/messages.ts";

/** Three publishers, three subscribers, interleaved on one seeded broker. */
async function runScenario(seed: number): Promise<{ hash: string; order: string[] }> {
  const clock = new VirtualClock();
  const rng = new SeededRng(seed);
  const broker = new MemoryBroker({ clock, rng, recordLog: true });
  const order: string[] = [];
  const agents = ["cro", "execution", "portfolio"];
  for (const agent of agents) {
    const bus = broker.connect(`${agent}.1`);
    bus.subscribe("hb", (m) => {
      order.push(`${agent}<-${m.source.agent}#${m.seq}`);
    });
  }
  for (const agent of agents) {
    const bus = broker.connect(`${agent}.pub`);
    const factory = new MessageFactory(clock, rng.fork(agent), { agent, instance: "1" });
    for (let seq = 0; seq < 20; seq++) {
      await bus.publish(
        factory.make("hb", {
          agent,
          instance: "1",
          seq,
          lifecycle: "running",
          leader: null,
          pid: 1,
          startedAt: 0,
          mailboxDepth: 0,
          intervalMs: 1000,
        }),
      );
    }
  }
  await clock.runUntilIdle();
  return { hash: broker.logHash(), order };
}

describe("in-memory bus determinism", () => {
  it("delivers in the same order with the same log hash for the same seed", async () => {
    const a = await runScenario(42);
    const b = await runScenario(42);
    expect(a.order).toHaveLength(180);
    expect(b.order).toEqual(a.order);
    expect(b.hash).toBe(a.hash);
  });

  it("interleaves differently for a different seed, keeping each publisher's order", async () => {
    const a = await runScenario(42);
    const c = await runScenario(43);
    expect(c.hash).not.toBe(a.hash);
    expect(c.order).not.toEqual(a.order);
    for (const receiver of ["cro", "execution", "portfolio"]) {
      for (const sender of ["cro", "execution", "portfolio"]) {
        const seqs = c.order
          .filter((l) => l.startsWith(`${receiver}<-${sender}#`))
          .map((l) => Number(l.split("#")[1]));
        expect(seqs).toEqual([...Array(20).keys()]);
      }
    }
  });
});
