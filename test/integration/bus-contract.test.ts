/**
 * The Bus contract: one suite, two adapters. Whatever an agent may rely on — delivery classes,
 * queue groups, request/reply and its typed failures, JetStream dedupe, explicit ack, bounded
 * redelivery, dead-lettering of bad input — must hold for the in-memory broker and for NATS alike.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DeadLetter } from "../../contracts/ops.ts";
import type { MessageOf } from "../../contracts/registry.ts";
import {
  BusError,
  InvalidMessageError,
  NoRespondersError,
  RequestTimeoutError,
} from "../../bus/errors.ts";
import type { Bus } from "../../bus/port.ts";
import { startNatsServer, type NatsServerHandle } from "../harness/nats.ts";
import { memoryHarness, Messages, natsHarness, track, type BusHarness } from "./bus-harness.ts";

const BOUND_MS = 5_000;
const ACK_WAIT_MS = 300;

let server: NatsServerHandle | undefined;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
});

const adapters: Array<{ kind: string; make: () => BusHarness }> = [
  { kind: "memory", make: () => memoryHarness(7) },
  {
    kind: "nats",
    make: () => {
      if (server === undefined) throw new Error("nats-server did not start");
      return natsHarness(server.url);
    },
  },
];

function collectDeadLetters(bus: Bus): DeadLetter[] {
  const letters: DeadLetter[] = [];
  bus.onDeadLetter((letter) => {
    if (letter.receivedBy === bus.name) letters.push(letter);
  });
  return letters;
}

describe.each(adapters)("Bus contract on the $kind adapter", ({ make }) => {
  let h: BusHarness;
  let m: Messages;
  let a: Bus;
  let b: Bus;

  beforeEach(async () => {
    h = make();
    m = new Messages(42);
    a = await h.makeBus("alpha.1");
    b = await h.makeBus("beta.1");
  });
  afterEach(async () => {
    await h.close();
  });

  describe("publish / subscribe", () => {
    it("delivers a core message to its subscriber with the concrete subject", async () => {
      const got: Array<{ seq: number; subject: string }> = [];
      b.subscribe("hb", (msg, subject) => {
        got.push({ seq: msg.seq, subject });
      });
      await h.sync(b);
      const ack = await a.publish(m.hb(1, "cro", "a1"));
      expect(ack).toEqual({ seq: null, duplicate: false });
      await h.waitFor(() => got.length === 1, BOUND_MS, "the heartbeat");
      expect(got).toEqual([{ seq: 1, subject: "hb.cro.a1" }]);
    });

    it("delivers a stream message to core subscribers and acks it with a stream sequence", async () => {
      const got: number[] = [];
      b.subscribe("cro.state", (msg) => {
        got.push(msg.epoch);
      });
      await h.sync(b);
      const ack = await a.publish(m.croState(3));
      expect(ack.duplicate).toBe(false);
      expect(ack.seq).toBe(1);
      await h.waitFor(() => got.length === 1, BOUND_MS, "the cro.state");
      expect(got).toEqual([3]);
    });

    it("only delivers the concrete subject asked for", async () => {
      const got: string[] = [];
      b.subscribe(
        "md.book",
        (msg) => {
          got.push(msg.tokenId);
        },
        { subject: "md.book.tokB" },
      );
      await h.sync(b);
      await a.publish(m.book("tokA", 1));
      await a.publish(m.book("tokB", 2));
      await a.publish(m.book("tokA", 3));
      await a.publish(m.book("tokB", 4));
      await h.waitFor(() => got.length === 2, BOUND_MS, "two tokB books");
      expect(got).toEqual(["tokB", "tokB"]);
    });

    it("gives each message to exactly one member of a queue group", async () => {
      const c = await h.makeBus("gamma.1");
      const members: Record<string, number[]> = { b: [], c: [] };
      const everyone: number[] = [];
      b.subscribe(
        "hb",
        (msg) => {
          members.b?.push(msg.seq);
        },
        { queue: "workers" },
      );
      c.subscribe(
        "hb",
        (msg) => {
          members.c?.push(msg.seq);
        },
        { queue: "workers" },
      );
      a.subscribe("hb", (msg) => {
        everyone.push(msg.seq);
      });
      await h.sync(a, b, c);
      for (let seq = 0; seq < 40; seq++) await a.publish(m.hb(seq));
      const total = () => (members.b?.length ?? 0) + (members.c?.length ?? 0);
      await h.waitFor(() => total() === 40 && everyone.length === 40, BOUND_MS, "40 deliveries");
      const seen = [...(members.b ?? []), ...(members.c ?? [])].sort((x, y) => x - y);
      expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i));
      expect(everyone).toHaveLength(40);
    });

    it("keeps a subscription alive when its handler throws or rejects", async () => {
      const got: number[] = [];
      b.subscribe("hb", (msg) => {
        got.push(msg.seq);
        if (msg.seq === 0) throw new Error("boom");
        if (msg.seq === 1) return Promise.reject(new Error("async boom"));
        return undefined;
      });
      await h.sync(b);
      for (let seq = 0; seq < 3; seq++) await a.publish(m.hb(seq));
      await h.waitFor(() => got.length === 3, BOUND_MS, "three heartbeats");
      expect(got).toEqual([0, 1, 2]);
    });
  });

  describe("request / reply", () => {
    it("answers a request with a validated reply", async () => {
      b.serve("ops.command", "ops.reply", (cmd) => Promise.resolve(m.reply(`re: ${cmd.reason}`)));
      await h.sync(b);
      const outcome = track(a.request(m.command("why"), "ops.reply", { timeoutMs: BOUND_MS }));
      await h.waitFor(outcome.settled, BOUND_MS, "the reply");
      expect(outcome.error()).toBeUndefined();
      const reply: MessageOf<"ops.reply"> | undefined = outcome.value();
      expect(reply?.type).toBe("ops.reply");
      expect(reply?.detail).toBe("re: why");
    });

    it("fails a request nobody answers in time with a typed RequestTimeoutError", async () => {
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      b.serve("ops.command", "ops.reply", async () => {
        await held;
        return m.reply("too late");
      });
      await h.sync(b);
      const outcome = track(a.request(m.command("slow"), "ops.reply", { timeoutMs: 200 }));
      await h.waitFor(outcome.settled, BOUND_MS, "the request to time out");
      release();
      const error = outcome.error();
      expect(error).toBeInstanceOf(RequestTimeoutError);
      expect(error).toBeInstanceOf(BusError);
      expect((error as RequestTimeoutError).code).toBe("REQUEST_TIMEOUT");
      expect((error as RequestTimeoutError).timeoutMs).toBe(200);
      expect((error as RequestTimeoutError).subject).toBe("ops.command");
    });

    it("fails a request with no responder with a typed NoRespondersError", async () => {
      const outcome = track(a.request(m.command("anyone?"), "ops.reply", { timeoutMs: 2_000 }));
      await h.waitFor(outcome.settled, BOUND_MS, "the request to fail");
      expect(outcome.error()).toBeInstanceOf(NoRespondersError);
      expect((outcome.error() as NoRespondersError).code).toBe("NO_RESPONDERS");
    });

    it("never sends a handler's invalid reply: the responder dead-letters it", async () => {
      const letters = collectDeadLetters(b);
      b.serve("ops.command", "ops.reply", () =>
        Promise.resolve({ ...m.reply("bad"), detail: 42 } as unknown as MessageOf<"ops.reply"> & {
          type: "ops.reply";
        }),
      );
      await h.sync(b);
      const outcome = track(a.request(m.command("x"), "ops.reply", { timeoutMs: 300 }));
      await h.waitFor(outcome.settled, BOUND_MS, "the request to fail");
      expect(outcome.error()).toBeInstanceOf(RequestTimeoutError);
      await h.waitFor(() => letters.length === 1, BOUND_MS, "the dead letter");
      expect(letters[0]?.reason).toMatch(/^invalid reply ops\.reply/);
      expect(b.stats().deadLettered).toBe(1);
    });
  });

  describe("durable streams", () => {
    const consumeOptions = (durable: string) => ({
      durable,
      ackWaitMs: ACK_WAIT_MS,
      maxDeliver: 3,
      deliverPolicy: "all" as const,
    });

    it("deduplicates a re-published message by its dedupe key", async () => {
      const fill = m.fill("trade-1");
      const first = await a.publish(fill);
      const second = await a.publish(fill);
      expect(first.duplicate).toBe(false);
      expect(second).toEqual({ seq: first.seq, duplicate: true });
      await a.publish(m.fill("trade-2"));
      const seen: string[] = [];
      await b.consume("exec.fill", consumeOptions("portfolio"), async (d) => {
        seen.push(d.message.tradeId);
        await d.ack();
      });
      await h.waitFor(() => seen.includes("trade-2"), BOUND_MS, "the sentinel fill");
      expect(seen).toEqual(["trade-1", "trade-2"]);
    });

    it("delivers in stream order with explicit ack, and an acked message is not redelivered", async () => {
      for (const id of ["t1", "t2", "t3"]) await a.publish(m.fill(id));
      const seen: Array<{ id: string; count: number; seq: number }> = [];
      const sub = await b.consume("exec.fill", consumeOptions("portfolio"), async (d) => {
        seen.push({ id: d.message.tradeId, count: d.deliveryCount, seq: d.streamSeq });
        await d.ack();
      });
      await h.waitFor(() => seen.length === 3, BOUND_MS, "three fills");
      expect(seen).toEqual([
        { id: "t1", count: 1, seq: 1 },
        { id: "t2", count: 1, seq: 2 },
        { id: "t3", count: 1, seq: 3 },
      ]);
      await sub.unsubscribe();
      const after: string[] = [];
      await b.consume("exec.fill", consumeOptions("portfolio"), async (d) => {
        after.push(d.message.tradeId);
        await d.ack();
      });
      await a.publish(m.fill("t4"));
      await h.waitFor(() => after.length >= 1, BOUND_MS, "the next fill");
      expect(after).toEqual(["t4"]);
    });

    it("redelivers an un-acked message to the next consumer with the same durable name", async () => {
      await a.publish(m.fill("lost"));
      const first: number[] = [];
      const dying = await b.consume("exec.fill", consumeOptions("execution"), () => {
        first.push(1);
        return Promise.resolve(); // received, never acked: the process "dies" here
      });
      await h.waitFor(() => first.length === 1, BOUND_MS, "the first delivery");
      await dying.unsubscribe();
      const c = await h.makeBus("beta.2");
      const second: Array<{ id: string; count: number }> = [];
      await c.consume("exec.fill", consumeOptions("execution"), async (d) => {
        second.push({ id: d.message.tradeId, count: d.deliveryCount });
        await d.ack();
      });
      await h.waitFor(() => second.length === 1, BOUND_MS, "the redelivery");
      expect(second).toEqual([{ id: "lost", count: 2 }]);
    });

    it("delivers a message whose handler always throws exactly maxDeliver times, then dead-letters it", async () => {
      const letters = collectDeadLetters(b);
      await a.publish(m.fill("poison"));
      await a.publish(m.fill("good"));
      const counts: number[] = [];
      const good: string[] = [];
      await b.consume("exec.fill", consumeOptions("portfolio"), async (d) => {
        if (d.message.tradeId === "poison") {
          counts.push(d.deliveryCount);
          throw new Error("cannot process");
        }
        good.push(d.message.tradeId);
        await d.ack();
      });
      await h.waitFor(() => letters.length === 1 && good.length === 1, BOUND_MS, "dead letter");
      expect(counts).toEqual([1, 2, 3]);
      expect(letters[0]?.reason).toMatch(/^max deliveries/);
      expect(letters[0]?.subject).toBe("exec.fill");
      expect(b.stats().deadLetterReasons["max deliveries"]).toBe(1);
    });

    it("filters a durable consumer to its own type within a shared stream", async () => {
      await a.publish(m.order("accepted", "o-1"));
      await a.publish(m.order("filled", "o-1"));
      await a.publish(m.order("accepted", "o-2"));
      const seen: string[] = [];
      await b.consume("exec.order.accepted", consumeOptions("acc"), async (d) => {
        seen.push(`${d.subject}:${d.message.orderId}`);
        await d.ack();
      });
      await h.waitFor(() => seen.length === 2, BOUND_MS, "two accepted orders");
      expect(seen).toEqual(["exec.order.accepted:o-1", "exec.order.accepted:o-2"]);
    });

    it("dead-letters and terminates a malformed message captured by a stream, then goes on", async () => {
      const letters = collectDeadLetters(b);
      await a.publishRaw("exec.fill", "{ not json");
      await a.publish(m.fill("after"));
      const seen: Array<{ id: string; count: number }> = [];
      await b.consume("exec.fill", consumeOptions("portfolio"), async (d) => {
        seen.push({ id: d.message.tradeId, count: d.deliveryCount });
        await d.ack();
      });
      await h.waitFor(() => seen.length === 1 && letters.length === 1, BOUND_MS, "the good fill");
      expect(seen).toEqual([{ id: "after", count: 1 }]);
      expect(letters[0]?.reason).toMatch(/^not JSON/);
      expect(b.stats().deadLettered).toBe(1);
    });
  });

  describe("bad input", () => {
    it("dead-letters malformed messages with their reason and keeps delivering good ones", async () => {
      const letters = collectDeadLetters(b);
      const got: number[] = [];
      b.subscribe("hb", (msg) => {
        got.push(msg.seq);
      });
      await h.sync(b);
      const wrongSource = m.hb(9, "cro", "a1");
      await a.publishRaw("hb.cro.a1", "{ truncated");
      await a.publishRaw("hb.cro.a1", JSON.stringify({ ...m.hb(1, "cro", "a1"), seq: -1 }));
      await a.publishRaw("hb.cro.a1", JSON.stringify(m.croState(1)));
      await a.publishRaw("hb.exec.b2", JSON.stringify(wrongSource));
      await a.publishRaw("nobody.listens.here", JSON.stringify(m.hb(2)));
      await a.publish(m.hb(7, "cro", "a1"));
      await h.waitFor(() => got.length === 1 && letters.length === 4, BOUND_MS, "all outcomes");
      expect(got).toEqual([7]);
      expect(letters.map((l) => l.subject)).toEqual([
        "hb.cro.a1",
        "hb.cro.a1",
        "hb.cro.a1",
        "hb.exec.b2",
      ]);
      expect(letters[0]?.reason).toMatch(/^not JSON/);
      expect(letters[1]?.reason).toMatch(/^invalid hb: seq/);
      expect(letters[2]?.reason).toMatch(/^invalid hb/);
      expect(letters[3]?.reason).toMatch(/addressed to "hb\.cro\.a1" arrived on "hb\.exec\.b2"/);
      expect(letters[0]?.raw).toBe("{ truncated");
      const stats = b.stats();
      expect(stats.deadLettered).toBe(4);
      expect(stats.deadLetterReasons["not JSON"]).toBe(1);
      expect(stats.deadLetterReasons["invalid hb"]).toBe(2);
    });

    it("refuses an invalid outgoing message with InvalidMessageError and delivers nothing", async () => {
      const letters = collectDeadLetters(a);
      const got: number[] = [];
      const fills: string[] = [];
      b.subscribe("hb", (msg) => {
        got.push(msg.seq);
      });
      b.subscribe("exec.fill", (msg) => {
        fills.push(msg.tradeId);
      });
      await h.sync(b);
      const badHb = { ...m.hb(1), mailboxDepth: -5 };
      await expect(async () => a.publish(badHb)).rejects.toBeInstanceOf(InvalidMessageError);
      const badFill = m.fill("neg", -1);
      const error: unknown = await (async () => a.publish(badFill))().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidMessageError);
      expect((error as InvalidMessageError).code).toBe("INVALID_MESSAGE");
      await a.publish(m.hb(2));
      await a.publish(m.fill("ok"));
      await h.waitFor(() => got.length === 1 && fills.length === 1, BOUND_MS, "the sentinels");
      expect(got).toEqual([2]);
      expect(fills).toEqual(["ok"]);
      await h.waitFor(() => letters.length === 2, BOUND_MS, "two dead letters");
      expect(a.stats().deadLettered).toBe(2);
      expect(letters.map((l) => l.receivedBy)).toEqual(["alpha.1", "alpha.1"]);
    });
  });

  describe("lifecycle", () => {
    it("reports connected, then closed, and refuses to publish once closed", async () => {
      expect(a.status()).toBe("connected");
      const seen: string[] = [];
      a.onStatus((s) => seen.push(s));
      await a.close();
      expect(a.status()).toBe("closed");
      expect(seen).toContain("closed");
      await expect(async () => a.publish(m.hb(1))).rejects.toBeInstanceOf(BusError);
    });
  });
});
