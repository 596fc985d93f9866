/**
 * The memory broker's streams keep what a NATS stream with the same limits keeps: messages for
 * `max_age`, dedupe keys for the duplicate window. Without these limits a long simulation grows
 * without bound (a year of `cro.state`), and a consumer could replay what NATS would have dropped.
 */
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../bus/clock.ts";
import { DUPLICATE_WINDOW_MS, MemoryBroker } from "../../../bus/memory.ts";
import { MessageFactory } from "../../../bus/messages.ts";
import { SeededRng } from "../../../bus/rng.ts";

const HOUR = 3_600_000;

function setup(streamMaxAgeMs: number) {
  const clock = new VirtualClock();
  const broker = new MemoryBroker({ clock, rng: new SeededRng(1), streamMaxAgeMs });
  const strategy = broker.connect("strategy.1");
  const cro = broker.connect("cro.1");
  const make = new MessageFactory(clock, new SeededRng(3), { agent: "strategy", instance: "1" });
  const intent = (id: string) =>
    make.make("strategy.intent", {
      intentId: id,
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
  const replay = async (durable: string): Promise<string[]> => {
    const got: string[] = [];
    await cro.consume(
      "strategy.intent",
      { durable, ackWaitMs: 1_000, maxDeliver: 5, deliverPolicy: "all" },
      async (d) => {
        got.push(d.message.intentId);
        await d.ack();
      },
    );
    await clock.advance(10);
    return got;
  };
  return { clock, strategy, intent, replay };
}

describe("memory broker stream limits", () => {
  it("drops messages past the max age: a new consumer replays only what is still retained", async () => {
    const w = setup(2 * HOUR);
    await w.strategy.publish(w.intent("old"));
    await w.clock.advance(1.5 * HOUR);
    await w.strategy.publish(w.intent("middle"));
    // Past max age plus the trim slack for "old" (3 h + 1 ms), inside max age for "middle".
    await w.clock.advance(1.5 * HOUR + 1);
    await w.strategy.publish(w.intent("new"));
    expect(await w.replay("late-reader")).toEqual(["middle", "new"]);
  });

  it("keeps everything inside the max age, sequence numbers unchanged", async () => {
    const w = setup(7 * 24 * HOUR);
    for (const id of ["a", "b", "c"]) {
      await w.strategy.publish(w.intent(id));
      await w.clock.advance(HOUR);
    }
    expect(await w.replay("reader")).toEqual(["a", "b", "c"]);
  });

  it("forgets a dedupe key after the duplicate window, remembers it inside", async () => {
    const w = setup(7 * 24 * HOUR);
    const first = await w.strategy.publish(w.intent("same"));
    const again = await w.strategy.publish(w.intent("same"));
    expect(again).toEqual({ seq: first.seq, duplicate: true });
    await w.clock.advance(DUPLICATE_WINDOW_MS);
    const later = await w.strategy.publish(w.intent("same"));
    expect(later.duplicate).toBe(false);
    expect(later.seq).toBe((first.seq ?? 0) + 1);
  });
});
