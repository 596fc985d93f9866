/**
 * Fuzzing the bus boundary (invariant 8: bad input never crashes an agent). Thousands of random and
 * mutated messages go out as raw bytes on every registered subject, against both adapters. A
 * subscriber on every type and a durable consumer on every stream type must receive exactly the
 * valid ones (re-validated on arrival), dead-letter and count exactly the invalid ones, and never
 * let a throw escape. The seed is printed on failure.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { decode } from "../../bus/codec.ts";
import type { Bus } from "../../bus/port.ts";
import { SeededRng, type Rng } from "../../bus/rng.ts";
import {
  parseMessage,
  specOf,
  typeForSubject,
  type MessageType,
} from "../../contracts/registry.ts";
import { startNatsServer, type NatsServerHandle } from "../harness/nats.ts";
import { memoryHarness, Messages, natsHarness, type BusHarness } from "./bus-harness.ts";
import { sampledTypes, sampleOf, unsampledTypes } from "./bus-samples.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_121);
const MESSAGES_PER_RUN = 2_400;
const BOUND_MS = 30_000;

interface Case {
  subject: string;
  data: string | Uint8Array;
  mutation: string;
}

const MUTATIONS = [
  "valid",
  "valid+extra",
  "drop",
  "wrong-type",
  "huge-string",
  "negative",
  "nan-ish",
  "fraction",
  "truncated",
  "random-bytes",
  "non-object",
  "bad-source",
  "other-subject",
] as const;
type Mutation = (typeof MUTATIONS)[number];
/** Mutations that can never produce a valid message, whatever field they hit. */
const ALWAYS_INVALID = new Set<Mutation>(["truncated", "non-object", "bad-source"]);

function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[rng.int(0, items.length - 1)];
  if (item === undefined) throw new Error("pick from empty list");
  return item;
}

function mutate(rng: Rng, obj: Record<string, unknown>, mutation: Mutation): string | Uint8Array {
  const keys = Object.keys(obj).filter((k) => k !== "type");
  const key = pick(rng, keys);
  const copy: Record<string, unknown> = { ...obj };
  switch (mutation) {
    case "valid":
      return JSON.stringify(copy);
    case "valid+extra":
      return JSON.stringify({ ...copy, unexpected: { nested: [1, 2, 3] } });
    case "drop":
      return JSON.stringify(Object.fromEntries(Object.entries(copy).filter(([k]) => k !== key)));
    case "wrong-type":
      copy[key] = typeof copy[key] === "string" ? 12345 : ["not", "a", key];
      return JSON.stringify(copy);
    case "huge-string":
      copy[pick(rng, keys)] = "x".repeat(rng.int(5_000, 60_000));
      return JSON.stringify(copy);
    case "negative":
      copy[pickNumeric(rng, copy) ?? key] = -rng.int(1, 2_000_000);
      return JSON.stringify(copy);
    case "nan-ish":
      copy[pickNumeric(rng, copy) ?? key] = pick(rng, ["NaN", "Infinity", "-0", "1e309", "0x10"]);
      return JSON.stringify(copy).replace('"1e309"', "1e309");
    case "fraction":
      copy[pickNumeric(rng, copy) ?? key] = 0.5;
      return JSON.stringify(copy);
    case "truncated": {
      const text = JSON.stringify(copy);
      return text.slice(0, rng.int(0, text.length - 1));
    }
    case "random-bytes":
      return Uint8Array.from({ length: rng.int(1, 300) }, () => rng.int(0, 255));
    case "non-object":
      return pick(rng, ["null", "[]", "42", '"hb"', "true", ""]);
    case "bad-source":
      return JSON.stringify({ ...copy, source: { agent: "Bad Agent!", instance: "1" } });
    case "other-subject":
      return JSON.stringify(copy);
  }
}

function pickNumeric(rng: Rng, obj: Record<string, unknown>): string | undefined {
  const numeric = Object.keys(obj).filter((k) => typeof obj[k] === "number");
  return numeric.length === 0 ? undefined : pick(rng, numeric);
}

function generate(seed: number): Case[] {
  const rng = new SeededRng(seed);
  const messages = new Messages(seed, "fuzz", "1");
  const cases: Case[] = [];
  for (let i = 0; i < MESSAGES_PER_RUN; i++) {
    const type = pick(rng, sampledTypes);
    const sample = sampleOf(messages, type, i) as unknown as Record<string, unknown>;
    const mutation = pick(rng, MUTATIONS);
    let subject = specOf(type).subject(sampleOf(messages, type, i));
    if (mutation === "other-subject") {
      const other = pick(
        rng,
        sampledTypes.filter((t) => t !== type),
      );
      subject = specOf(other).subject(sampleOf(messages, other, i));
    }
    cases.push({ subject, data: mutate(rng, sample, mutation), mutation });
  }
  // Subjects that no type owns: nobody may ever receive these.
  for (const subject of ["fuzz.nowhere", "md.book", "hb.too.many.tokens", "exec.orders"]) {
    cases.push({ subject, data: JSON.stringify(sampleOf(messages, "hb", 0)), mutation: "valid" });
  }
  return cases;
}

function isStreamSubject(subject: string): boolean {
  const type = typeForSubject(subject);
  return type !== null && specOf(type).delivery.kind === "stream";
}

let server: NatsServerHandle | undefined;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
});

const adapters: Array<{ kind: string; make: () => BusHarness }> = [
  { kind: "memory", make: () => memoryHarness(SEED) },
  {
    kind: "nats",
    make: () => {
      if (server === undefined) throw new Error("nats-server did not start");
      return natsHarness(server.url);
    },
  },
];

describe("bus fuzz corpus", () => {
  it("has a valid sample of every registered message type", () => {
    expect(unsampledTypes).toEqual([]);
    const messages = new Messages(1, "fuzz", "1");
    for (const type of sampledTypes) {
      const sample = sampleOf(messages, type, 1);
      const subject = specOf(type).subject(sample);
      expect(parseMessage(subject, sample), type).toMatchObject({ ok: true, type });
    }
  });
});

describe.each(adapters)("bus fuzz on the $kind adapter", ({ make }) => {
  let h: BusHarness | undefined;
  const escaped: unknown[] = [];
  const onEscape = (error: unknown) => escaped.push(error);

  afterEach(async () => {
    process.off("uncaughtException", onEscape);
    process.off("unhandledRejection", onEscape);
    await h?.close();
  });

  it(`delivers exactly the valid messages and dead-letters every invalid one (FUZZ_SEED=${SEED})`, async () => {
    process.on("uncaughtException", onEscape);
    process.on("unhandledRejection", onEscape);
    const harness = make();
    h = harness;
    const cases = generate(SEED);
    const verdicts = cases.map((c) => decode(c.subject, c.data).ok);
    const registered = cases.filter((c) => typeForSubject(c.subject) !== null);
    for (const [i, c] of cases.entries()) {
      if (ALWAYS_INVALID.has(c.mutation as Mutation)) expect(verdicts[i], c.mutation).toBe(false);
    }
    const expectValid = registered.filter((c) => decode(c.subject, c.data).ok).length;
    const expectInvalid = registered.length - expectValid;
    const streamCases = registered.filter((c) => isStreamSubject(c.subject));
    const streamValid = streamCases.filter((c) => decode(c.subject, c.data).ok).length;
    expect(expectInvalid).toBeGreaterThan(MESSAGES_PER_RUN / 2);
    expect(expectValid).toBeGreaterThan(MESSAGES_PER_RUN / 10);

    const sender = await harness.makeBus("fuzzer.1");
    const subscriber = await harness.makeBus("listener.1");
    const consumer = await harness.makeBus("durable.1");
    const received = subscribeEverything(subscriber);
    const durable = await consumeEverything(consumer);
    await harness.sync(subscriber, consumer);

    for (const c of cases) await sender.publishRaw(c.subject, c.data);

    const done = () =>
      received.valid + subscriber.stats().deadLettered >= registered.length &&
      durable.valid + consumer.stats().deadLettered >= streamCases.length;
    await harness.waitFor(done, BOUND_MS, "every fuzz message to be handled");
    // Barrier: one valid sentinel per type, sent last. Each subscription sees its messages in
    // order, so once every sentinel is in, nothing from the fuzz run is still on its way.
    const sentinels = new Messages(SEED + 1, "fuzz", "1");
    const streamTypes = sampledTypes.filter((t) => specOf(t).delivery.kind === "stream");
    for (const type of sampledTypes) await sender.publish(sampleOf(sentinels, type, 1_000_000));
    const sentinelsIn = () =>
      received.valid === expectValid + sampledTypes.length &&
      durable.valid === streamValid + streamTypes.length;
    await harness.waitFor(sentinelsIn, BOUND_MS, "the sentinels");

    expect(received.invalid).toEqual([]);
    expect(durable.invalid).toEqual([]);
    expect(received.valid).toBe(expectValid + sampledTypes.length);
    expect(subscriber.stats().deadLettered).toBe(expectInvalid);
    expect(durable.valid).toBe(streamValid + streamTypes.length);
    expect(consumer.stats().deadLettered).toBe(streamCases.length - streamValid);
    expect(sender.stats().deadLettered).toBe(0);
    expect(escaped).toEqual([]);
  });
});

/** A subscriber on every type whose handler re-validates what it got. */
function subscribeEverything(bus: Bus): { valid: number; invalid: string[] } {
  const tally = { valid: 0, invalid: [] as string[] };
  for (const type of sampledTypes) {
    bus.subscribe(type, (message, subject) => {
      recheck(tally, type, message, subject);
    });
  }
  return tally;
}

async function consumeEverything(bus: Bus): Promise<{ valid: number; invalid: string[] }> {
  const tally = { valid: 0, invalid: [] as string[] };
  for (const type of sampledTypes) {
    if (specOf(type).delivery.kind !== "stream") continue;
    await bus.consume(
      type,
      { durable: `fuzz-${type}`, ackWaitMs: 30_000, maxDeliver: 3, deliverPolicy: "all" },
      async (d) => {
        recheck(tally, type, d.message, d.subject);
        await d.ack();
      },
    );
  }
  return tally;
}

function recheck(
  tally: { valid: number; invalid: string[] },
  type: MessageType,
  message: unknown,
  subject: string,
): void {
  const again = parseMessage(subject, JSON.parse(JSON.stringify(message)));
  if (again.ok && again.type === type) tally.valid += 1;
  else tally.invalid.push(`${type} on ${subject}: ${again.ok ? again.type : again.reason}`);
}
