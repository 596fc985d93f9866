/**
 * Bus benchmarks. On a private nats-server: (a) request/reply through NatsBus, validation on both
 * ends included; (b) the bare @nats-io client with the same payload bytes; (c) their ratio, whose
 * target is that the adapter adds less than 25%. And (d) the in-memory bus's throughput on a
 * virtual clock. Latencies are the median, over RUNS runs, of each run's percentile.
 */
import { connect } from "@nats-io/transport-node";
import { median, percentile } from "./tick-stats.ts";
import { SystemClock, VirtualClock } from "../bus/clock.ts";
import { encode } from "../bus/codec.ts";
import { MemoryBroker } from "../bus/memory.ts";
import { MessageFactory, type Outgoing } from "../bus/messages.ts";
import { NatsBus } from "../bus/nats.ts";
import { SeededRng } from "../bus/rng.ts";
import { startNatsServer } from "../test/harness/nats.ts";
import type { Bench, BenchResult } from "./types.ts";

const RUNS = 7;
const REQUESTS_PER_RUN = 2_000;
const WARMUP_REQUESTS = 1_000;
const REQUEST_TIMEOUT_MS = 5_000;
const OVERHEAD_TARGET = 1.25;
const MEMORY_MESSAGES_PER_RUN = 20_000;

type Timed = () => Promise<unknown>;

/**
 * One run: `count` sequential round trips. Returns p50 and p99 latency and this process's CPU
 * time per request (requester and responder both live here; the server does not), all in µs.
 * CPU time is much less disturbed than latency by other processes competing for the cores.
 */
async function measure(call: Timed, count: number): Promise<Percentiles> {
  const samples: number[] = new Array<number>(count);
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await call();
    samples[i] = Number(process.hrtime.bigint() - start) / 1_000;
  }
  const cpu = process.cpuUsage(cpuBefore);
  samples.sort((x, y) => x - y);
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    cpu: (cpu.user + cpu.system) / count,
  };
}

function messages(): { command: Outgoing<"ops.command">; reply: Outgoing<"ops.reply"> } {
  const factory = new MessageFactory(new VirtualClock(), new SeededRng(1), {
    agent: "bench",
    instance: "1",
  });
  return {
    command: factory.make("ops.command", {
      command: { kind: "status" },
      actor: "bench",
      reason: "latency benchmark",
    }),
    reply: factory.make("ops.reply", {
      ok: true,
      error: null,
      state: "PAUSED",
      detail: "status: paused since startup; 7 agents alive",
    }),
  };
}

interface Percentiles {
  p50: number;
  p99: number;
  cpu: number;
}

/** A raw request/reply pair on its own subject; `options` are extra client connection options. */
async function rawPair(
  url: string,
  subject: string,
  request: Uint8Array,
  reply: Uint8Array,
  options: { noAsyncTraces?: boolean },
): Promise<{ call: Timed; close: () => Promise<void> }> {
  const responder = await connect({ servers: url, name: `${subject}.responder`, ...options });
  const requester = await connect({ servers: url, name: `${subject}.requester`, ...options });
  responder.subscribe(subject, {
    callback: (_error, msg) => {
      msg.respond(reply);
    },
  });
  await responder.flush();
  return {
    call: () => requester.request(subject, request, { timeout: REQUEST_TIMEOUT_MS }),
    close: async () => {
      await requester.close();
      await responder.close();
    },
  };
}

async function requestReply(): Promise<BenchResult[]> {
  const server = await startNatsServer();
  const clock = new SystemClock();
  const { command, reply } = messages();
  const commandBytes = encode(command);
  const replyBytes = encode(reply);
  const responderBus = await NatsBus.connect({ servers: server.url, name: "cro.bench", clock });
  const requesterBus = await NatsBus.connect({ servers: server.url, name: "ops.bench", clock });
  // (b) gets the client options NatsBus uses (no async stack traces), so (c) measures the
  // adapter's own work; (b0), the client's defaults, is shown for reference.
  const same = await rawPair(server.url, "bench.same", commandBytes, replyBytes, {
    noAsyncTraces: true,
  });
  const defaults = await rawPair(server.url, "bench.defaults", commandBytes, replyBytes, {});
  try {
    responderBus.serve("ops.command", "ops.reply", () => Promise.resolve(reply));
    await responderBus.flush();
    const adapter: Timed = () =>
      requesterBus.request(command, "ops.reply", { timeoutMs: REQUEST_TIMEOUT_MS });
    const variants: Timed[] = [adapter, same.call, defaults.call];
    const results: Percentiles[][] = [[], [], []];
    for (const call of variants) await measure(call, WARMUP_REQUESTS);
    for (let run = 0; run < RUNS; run++) {
      // Rotate which goes first so drift (GC, CPU frequency, neighbours) falls on every side.
      for (let k = 0; k < variants.length; k++) {
        const i = (run + k) % variants.length;
        const call = variants[i];
        if (call !== undefined) results[i]?.push(await measure(call, REQUESTS_PER_RUN));
      }
    }
    const [a = [], b = [], b0 = []] = results;
    return rttRows(a, b, b0, commandBytes.length, replyBytes.length);
  } finally {
    await requesterBus.close();
    await responderBus.close();
    await same.close();
    await defaults.close();
    await server.stop();
  }
}

function rttRows(
  a: Percentiles[],
  b: Percentiles[],
  b0: Percentiles[],
  requestBytes: number,
  replyBytes: number,
): BenchResult[] {
  const runs = `median of ${RUNS} runs × ${REQUESTS_PER_RUN} sequential requests`;
  const note = `${runs}; ${requestBytes} B request, ${replyBytes} B reply; responder in-process`;
  const p = (rows: Percentiles[], key: keyof Percentiles) => median(rows.map((r) => r[key]));
  const target = `< ${OVERHEAD_TARGET.toFixed(2)}`;
  const ratio50 = p(a, "p50") / p(b, "p50");
  const ratio99 = p(a, "p99") / p(b, "p99");
  return [
    { metric: "request/reply p50, NatsBus (a)", value: p(a, "p50"), unit: "µs", note },
    { metric: "request/reply p99, NatsBus (a)", value: p(a, "p99"), unit: "µs" },
    { metric: "request/reply p50, raw client (b)", value: p(b, "p50"), unit: "µs" },
    { metric: "request/reply p99, raw client (b)", value: p(b, "p99"), unit: "µs" },
    {
      metric: "overhead p50 (a)/(b)",
      value: ratio50,
      unit: "×",
      target,
      pass: ratio50 < OVERHEAD_TARGET,
    },
    {
      metric: "overhead p99 (a)/(b)",
      value: ratio99,
      unit: "×",
      target,
      pass: ratio99 < OVERHEAD_TARGET,
    },
    { metric: "CPU per request in this process, NatsBus (a)", value: p(a, "cpu"), unit: "µs" },
    { metric: "CPU per request in this process, raw client (b)", value: p(b, "cpu"), unit: "µs" },
    { metric: "request/reply p50, raw client defaults (b0)", value: p(b0, "p50"), unit: "µs" },
    { metric: "request/reply p99, raw client defaults (b0)", value: p(b0, "p99"), unit: "µs" },
  ];
}

/**
 * Publish + deliver of heartbeats through MemoryBroker on a VirtualClock, one subscriber. The
 * clock runs after every `batch` publishes: 1 is an agent reacting message by message, the whole
 * run is a burst that piles up a backlog before anything is delivered.
 */
/** The bench's message: heartbeat number `seq` of one bench instance. */
function beat(factory: MessageFactory, seq: number): Outgoing<"hb"> {
  return factory.make("hb", {
    agent: "bench",
    instance: "1",
    seq,
    lifecycle: "running",
    leader: null,
    pid: 1,
    startedAt: 0,
    mailboxDepth: 0,
    intervalMs: 1000,
  });
}

async function memoryRun(seed: number, batch: number): Promise<number> {
  const clock = new VirtualClock();
  const rng = new SeededRng(seed);
  const broker = new MemoryBroker({ clock, rng });
  const publisher = broker.connect("md.bench");
  const subscriber = broker.connect("strategy.bench");
  const factory = new MessageFactory(clock, rng.fork("factory"), {
    agent: "bench",
    instance: "1",
  });
  const beats = Array.from({ length: MEMORY_MESSAGES_PER_RUN }, (_, seq) => beat(factory, seq));
  let received = 0;
  subscriber.subscribe("hb", () => {
    received += 1;
  });
  const start = process.hrtime.bigint();
  for (let i = 0; i < beats.length; i += batch) {
    for (const beat of beats.slice(i, i + batch)) await publisher.publish(beat);
    await clock.runUntilIdle();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (received !== beats.length) throw new Error(`memory bench lost messages: ${received}`);
  return beats.length / seconds;
}

async function memoryThroughput(): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  for (const batch of [1, 100, MEMORY_MESSAGES_PER_RUN]) {
    const rates: number[] = [];
    for (let run = 0; run < RUNS; run++) rates.push(await memoryRun(run, batch));
    rows.push({
      metric: `in-memory publish+deliver, clock run every ${batch} (d)`,
      value: Math.round(median(rates)),
      unit: "msgs/s",
      note: `median of ${RUNS} runs × ${MEMORY_MESSAGES_PER_RUN} heartbeats, validated on both ends`,
    });
  }
  return rows;
}

/** The embedded fleet's floor: deliveries per second must leave room for 1,000 console events/s. */
const SYSTEM_CLOCK_TARGET = 5_000;

/**
 * (e) The same heartbeats through MemoryBroker on the SystemClock, as `npm start` runs it: every
 * delivery is its own zero-delay timer, so this is bounded by how fast the clock turns those.
 */
async function systemClockRun(seed: number): Promise<number> {
  const clock = new SystemClock();
  const rng = new SeededRng(seed);
  const broker = new MemoryBroker({ clock, rng });
  const publisher = broker.connect("md.bench");
  const subscriber = broker.connect("strategy.bench");
  const factory = new MessageFactory(clock, rng.fork("factory"), { agent: "bench", instance: "1" });
  const count = MEMORY_MESSAGES_PER_RUN / 4;
  let received = 0;
  const all = new Promise<void>((resolve) => {
    subscriber.subscribe("hb", () => {
      received += 1;
      if (received === count) resolve();
    });
  });
  const start = process.hrtime.bigint();
  for (let seq = 0; seq < count; seq++) {
    await publisher.publish(beat(factory, seq));
  }
  await all;
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function systemClockThroughput(): Promise<BenchResult[]> {
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) rates.push(await systemClockRun(run));
  const value = Math.round(median(rates));
  return [
    {
      metric: "in-memory publish+deliver on the system clock (e)",
      value,
      unit: "msgs/s",
      target: `≥ ${SYSTEM_CLOCK_TARGET}`,
      pass: value >= SYSTEM_CLOCK_TARGET,
      note: `median of ${RUNS} runs × ${MEMORY_MESSAGES_PER_RUN / 4} heartbeats; what npm start's embedded fleet can move (was ~1,000/s while zero-delay timers went through setTimeout's 1 ms clamp)`,
    },
  ];
}

export const benches: Bench[] = [
  { name: "bus.nats.request-reply", run: requestReply },
  { name: "bus.memory.throughput", run: memoryThroughput },
  { name: "bus.memory.system-clock", run: systemClockThroughput },
];
