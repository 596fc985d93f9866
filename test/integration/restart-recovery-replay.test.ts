/**
 * The Bus port's replay option (issue 4, Recovery), on both adapters: a durable consumer resumes
 * after its last ack, so a restarted agent never sees the md.window messages it acked before —
 * a replay reads the stream afresh at every start (from its start, or the last message of each
 * subject), then follows it live, and every replica gets every message.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bus, ConsumeOptions } from "../../bus/port.ts";
import type { MessageType } from "../../contracts/registry.ts";
import { startNatsServer, type NatsServerHandle } from "../harness/nats.ts";
import { memoryHarness, Messages, natsHarness, type BusHarness } from "./bus-harness.ts";
import { sampleOf } from "./bus-samples.ts";

let nats: NatsServerHandle;
beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  await nats.stop();
});

const DURABLE: Omit<ConsumeOptions, "durable"> = {
  ackWaitMs: 5_000,
  maxDeliver: 3,
  deliverPolicy: "all",
};

/** Consumes `type` into a list of "<subject> <id>" strings, acking each. */
async function collect(bus: Bus, type: MessageType, options: ConsumeOptions): Promise<string[]> {
  const seen: string[] = [];
  await bus.consume(type, options, async (d) => {
    seen.push(`${d.subject} ${d.message.id}`);
    await d.ack();
  });
  return seen;
}

const harnesses: [string, () => BusHarness][] = [
  ["memory", () => memoryHarness(11)],
  ["nats", () => natsHarness(nats.url)],
];

describe.each(harnesses)("replay on the %s bus", (_kind, make) => {
  it("re-reads already-acked messages after a restart, where a durable resumes past them", async () => {
    const h = make();
    try {
      const messages = new Messages(5);
      const producer = await h.makeBus("market-data.1");
      const windows = [0, 1, 2].map((i) => sampleOf(messages, "md.window", i));
      for (const w of windows) await producer.publish(w);

      const first = await h.makeBus("strategy.1");
      const acked = await collect(first, "md.window", { durable: "strategy-windows", ...DURABLE });
      await h.waitFor(() => acked.length === 3, 5_000, "first run sees every window");
      await first.close(); // the agent dies

      const restarted = await h.makeBus("strategy.1");
      const resumed = await collect(restarted, "md.window", {
        durable: "strategy-windows",
        ...DURABLE,
      });
      const replayed = await collect(restarted, "md.window", {
        durable: "strategy-windows-replay",
        ...DURABLE,
        replay: true,
      });
      await h.waitFor(() => replayed.length === 3, 5_000, "the replay re-reads every window");
      expect(replayed).toEqual(windows.map((w) => `md.window ${w.id}`));
      expect(resumed).toEqual([]); // the durable already acked them all

      // Then it follows live; and a second replay (another replica) gets everything too.
      const later = sampleOf(messages, "md.window", 3);
      await producer.publish(later);
      const replica = await h.makeBus("strategy.2");
      const other = await collect(replica, "md.window", {
        durable: "strategy-windows-replay",
        ...DURABLE,
        replay: true,
      });
      await h.waitFor(
        () => replayed.length === 4 && resumed.length === 1 && other.length === 4,
        5_000,
        "live message after the replay",
      );
      expect(replayed[3]).toBe(`md.window ${later.id}`);
      expect(other).toEqual(replayed);
    } finally {
      await h.close();
    }
  }, 30_000);

  it("starts from the last message of each subject with last_per_subject", async () => {
    const h = make();
    try {
      const messages = new Messages(6);
      const producer = await h.makeBus("cro.1");
      for (const epoch of [1, 2, 3]) await producer.publish(messages.croState(epoch));
      const accepted = sampleOf(messages, "exec.order.accepted", 1);
      const cancelled = sampleOf(messages, "exec.order.cancelled", 2);
      const accepted2 = sampleOf(messages, "exec.order.accepted", 3);
      for (const m of [accepted, cancelled, accepted2]) await producer.publish(m);

      const reader = await h.makeBus("portfolio.1");
      const states: number[] = [];
      await reader.consume(
        "cro.state",
        { durable: "latest-state", ...DURABLE, deliverPolicy: "last_per_subject", replay: true },
        async (d) => {
          states.push(d.message.epoch);
          await d.ack();
        },
      );
      const orders = await collect(reader, "exec.order.accepted", {
        durable: "latest-orders",
        ...DURABLE,
        deliverPolicy: "last_per_subject",
        replay: true,
      });
      await h.waitFor(() => states.length === 1, 5_000, "the latest cro.state");
      expect(states).toEqual([3]);
      await h.waitFor(() => orders.length === 1, 5_000, "the latest accepted order");
      expect(orders).toEqual([`exec.order.accepted ${accepted2.id}`]);
    } finally {
      await h.close();
    }
  }, 30_000);
});
