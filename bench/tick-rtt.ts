/**
 * The raw NATS round trip the tick-to-order figure is compared with: the bare @nats-io client,
 * the same payloads and client options as bench/bus.ts's row (b), on the same nats-server as the
 * pipeline. Measured twice: with the responder in this process (bench/bus.ts's method: nobody
 * ever sleeps), and with the responder in a process of its own, which, like each agent on the
 * tick's path, has to be woken up for every message.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "@nats-io/transport-node";
import { VirtualClock } from "../bus/clock.ts";
import { encode } from "../bus/codec.ts";
import { MessageFactory } from "../bus/messages.ts";
import { SeededRng } from "../bus/rng.ts";
import { percentiles, type Percentiles } from "./tick-stats.ts";

const LOCAL = "bench.tick.rtt.local";
const REMOTE = "bench.tick.rtt.remote";
const REQUEST_TIMEOUT_MS = 5_000;
const READY_TIMEOUT_MS = 30_000;
const REPO = dirname(dirname(fileURLToPath(import.meta.url)));

/** The responder process: answers REMOTE with the reply bytes it is given. */
const RESPONDER = `
import { connect } from "@nats-io/transport-node";
const nc = await connect({ servers: process.env.RTT_URL, name: "bench.rtt.responder", noAsyncTraces: true });
const reply = Buffer.from(process.env.RTT_REPLY, "base64");
nc.subscribe(process.env.RTT_SUBJECT, { callback: (_e, m) => { m.respond(reply); } });
await nc.flush();
process.stdout.write("ready\\n");
process.once("SIGTERM", () => { void nc.close().then(() => process.exit(0)); });
`;

export interface RawRoundTrip {
  /** `count` sequential requests to each responder; latencies in ms. */
  measure(count: number): Promise<{ local: Percentiles; remote: Percentiles }>;
  close(): Promise<void>;
}

function payloads(): { request: Uint8Array; reply: Uint8Array } {
  const factory = new MessageFactory(new VirtualClock(), new SeededRng(1), {
    agent: "bench",
    instance: "1",
  });
  const command = factory.make("ops.command", {
    command: { kind: "status" },
    actor: "bench",
    reason: "latency benchmark",
  });
  const reply = factory.make("ops.reply", {
    ok: true,
    error: null,
    state: "PAUSED",
    detail: "status: paused since startup; 7 agents alive",
  });
  return { request: encode(command), reply: encode(reply) };
}

export async function rawRoundTrip(url: string): Promise<RawRoundTrip> {
  const { request, reply } = payloads();
  const options = { servers: url, noAsyncTraces: true };
  const responder = await connect({ ...options, name: "bench.rtt.local-responder" });
  const requester = await connect({ ...options, name: "bench.rtt.requester" });
  responder.subscribe(LOCAL, {
    callback: (_error, msg) => {
      msg.respond(reply);
    },
  });
  await responder.flush();
  const child = await startResponder(url, reply);
  const series = async (subject: string, count: number) => {
    const samples: number[] = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await requester.request(subject, request, { timeout: REQUEST_TIMEOUT_MS });
      samples[i] = performance.now() - start;
    }
    return percentiles(samples);
  };
  return {
    async measure(count) {
      return { local: await series(LOCAL, count), remote: await series(REMOTE, count) };
    },
    async close() {
      child.kill("SIGTERM");
      await requester.close();
      await responder.close();
    },
  };
}

async function startResponder(url: string, reply: Uint8Array): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", RESPONDER], {
    cwd: REPO,
    env: {
      ...process.env,
      RTT_URL: url,
      RTT_SUBJECT: REMOTE,
      RTT_REPLY: Buffer.from(reply).toString("base64"),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the round-trip responder did not start within ${READY_TIMEOUT_MS} ms`));
    }, READY_TIMEOUT_MS);
    child.stdout.once("data", () => {
      clearTimeout(timer);
      resolve();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the round-trip responder exited with ${String(code)}`));
    });
  });
  return child;
}
