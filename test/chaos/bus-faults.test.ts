import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../bus/clock.ts";
import { MemoryBroker } from "../../bus/memory.ts";
import { MessageFactory } from "../../bus/messages.ts";
import { SeededRng } from "../../bus/rng.ts";
import type { DeadLetter } from "../../contracts/ops.ts";
import { BusChaos } from "../../infra/chaos/faults/index.ts";

function setup() {
  const clock = new VirtualClock();
  const broker = new MemoryBroker({ clock, rng: new SeededRng(1) });
  const chaos = new BusChaos(broker, clock, new SeededRng(2));
  const letters: DeadLetter[] = [];
  broker.addDeadLetterListener((l) => letters.push(l));
  const strategy = broker.connect("strategy.1");
  const cro = broker.connect("cro.1");
  const observer = broker.connect("test.observer");
  const make = new MessageFactory(clock, new SeededRng(3), { agent: "strategy", instance: "1" });
  const hb = (seq: number) =>
    make.make("hb", {
      agent: "strategy",
      instance: "1",
      seq,
      lifecycle: "running",
      leader: null,
      pid: 1,
      startedAt: clock.now(),
      mailboxDepth: 0,
      intervalMs: 500,
    });
  const intent = (n: number) =>
    make.make("strategy.intent", {
      intentId: `i-${n}`,
      strategy: "canary",
      windowId: "w-1",
      tokenId: "1001",
      kind: "ENTRY",
      side: "BUY",
      orderType: "GTC",
      limitPrice: 500_000,
      size: 5_000_000,
      expiresAt: null,
      positionId: null,
      exitReason: null,
      bookSeq: null,
      reason: "test",
    });
  const received = { cro: [] as number[], observer: [] as number[] };
  cro.subscribe("hb", (m) => {
    received.cro.push(m.seq);
  });
  observer.subscribe("hb", (m) => {
    received.observer.push(m.seq);
  });
  return { clock, broker, chaos, letters, strategy, cro, observer, hb, intent, received };
}

async function consumeIntents(w: ReturnType<typeof setup>, ackWaitMs = 1_000) {
  const got: Array<{ id: string; deliveryCount: number }> = [];
  await w.cro.consume(
    "strategy.intent",
    { durable: "cro-intents", ackWaitMs, maxDeliver: 5, deliverPolicy: "all" },
    async (d) => {
      got.push({ id: d.message.intentId, deliveryCount: d.deliveryCount });
      await d.ack();
    },
  );
  return got;
}

describe("bus faults through the MemoryBroker fault injector", () => {
  it("a corrupted core message is dead-lettered, never handled", async () => {
    const w = setup();
    w.chaos.add({ kind: "corrupt", probability: 1 });
    await w.strategy.publish(w.hb(1));
    await w.clock.advance(10);
    expect(w.received.cro).toEqual([]);
    expect(w.letters.map((l) => l.receivedBy)).toEqual(["cro.1"]);
    expect(w.letters[0]?.reason).toMatch(/not JSON/);
    // Observers outside the fleet (the invariant checker) always see the truth.
    expect(w.received.observer).toEqual([1]);
    expect(w.cro.stats().deadLettered).toBe(1);
  });

  it("a corrupted durable delivery is dead-lettered and the intact message still arrives once", async () => {
    const w = setup();
    const got = await consumeIntents(w);
    w.chaos.add({ kind: "corrupt", probability: 1 });
    await w.strategy.publish(w.intent(1));
    await w.clock.advance(5_000);
    expect(w.letters).toHaveLength(1);
    expect(got.map((g) => g.id)).toEqual(["i-1"]);
  });

  it("a dropped durable delivery is redelivered after ack-wait, as NATS would", async () => {
    const w = setup();
    const got = await consumeIntents(w, 1_000);
    const remove = w.chaos.add({ kind: "drop", probability: 1 });
    await w.strategy.publish(w.intent(1));
    await w.clock.advance(500);
    expect(got).toEqual([]);
    remove();
    await w.clock.advance(1_000);
    expect(got).toEqual([{ id: "i-1", deliveryCount: 2 }]);
  });

  it("a dropped core message is gone; a duplicate arrives twice; a delay arrives late", async () => {
    const w = setup();
    const drop = w.chaos.add({ kind: "drop", probability: 1 });
    await w.strategy.publish(w.hb(1));
    await w.clock.advance(10);
    drop();
    const dup = w.chaos.add({ kind: "duplicate", probability: 1 });
    await w.strategy.publish(w.hb(2));
    await w.clock.advance(10);
    dup();
    w.chaos.add({ kind: "delay", probability: 1, minMs: 7_000, maxMs: 7_000 });
    await w.strategy.publish(w.hb(3));
    await w.clock.advance(6_900);
    expect(w.received.cro).toEqual([2, 2]);
    await w.clock.advance(200);
    expect(w.received.cro).toEqual([2, 2, 3]);
    expect(w.chaos.counts).toMatchObject({ dropped: 1, duplicated: 1, delayed: 1 });
  });

  it("a short delay reorders core messages", async () => {
    const w = setup();
    const remove = w.chaos.add({ kind: "delay", probability: 1, minMs: 300, maxMs: 300 });
    await w.strategy.publish(w.hb(1));
    remove();
    await w.strategy.publish(w.hb(2));
    await w.clock.advance(1_000);
    expect(w.received.cro).toEqual([2, 1]);
  });

  it("a partition cuts one agent off both ways; its stream messages wait for the heal", async () => {
    const w = setup();
    const got = await consumeIntents(w, 1_000);
    const heard: number[] = [];
    w.strategy.subscribe("hb", (m) => {
      heard.push(m.seq);
    });
    const remove = w.chaos.add({
      kind: "partition",
      agent: "cro",
      untilMs: w.clock.now() + 20_000,
    });
    await w.strategy.publish(w.hb(1)); // to the CRO: dropped
    const croHb = new MessageFactory(w.clock, new SeededRng(9), { agent: "cro", instance: "1" });
    await w.cro.publish(
      croHb.make("hb", {
        agent: "cro",
        instance: "1",
        seq: 7,
        lifecycle: "running",
        leader: true,
        pid: 2,
        startedAt: 0,
        mailboxDepth: 0,
        intervalMs: 500,
      }),
    ); // from the CRO: dropped for strategy.1, seen by the observer
    await w.strategy.publish(w.intent(1)); // durable: held, not lost
    await w.clock.advance(10_000);
    expect(w.received.cro).toEqual([]);
    expect(heard).toEqual([1]);
    expect(w.received.observer).toEqual([1, 7]);
    expect(got).toEqual([]);
    await w.clock.advance(10_100);
    remove();
    await w.clock.advance(1_000);
    expect(got.map((g) => g.id)).toContain("i-1");
    await w.strategy.publish(w.hb(2));
    await w.clock.advance(10);
    expect(w.received.cro).toEqual([2]);
  });

  it("clear() removes every rule and the broker hook", async () => {
    const w = setup();
    w.chaos.add({ kind: "drop", probability: 1 });
    w.chaos.add({ kind: "partition", agent: "cro", untilMs: w.clock.now() + 60_000 });
    w.chaos.clear();
    await w.strategy.publish(w.hb(1));
    await w.clock.advance(10);
    expect(w.received.cro).toEqual([1]);
  });
});
