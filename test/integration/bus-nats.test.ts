/**
 * What only the NATS adapter has: stream topology on a real server, wire prefixes, the connection
 * lifecycle across a server restart, and durable positions that outlive a process.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { BusError } from "../../bus/errors.ts";
import { NatsBus } from "../../bus/nats.ts";
import type { BusStatus } from "../../bus/port.ts";
import { STREAMS } from "../../contracts/registry.ts";
import {
  externalNatsUrl,
  natsTestPrefix,
  startNatsServer,
  type NatsServerHandle,
} from "../harness/nats.ts";
import { Messages } from "./bus-harness.ts";

const BOUND_MS = 10_000;
const clock = new SystemClock();

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + BOUND_MS;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${BOUND_MS} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let server: NatsServerHandle;
const open: NatsBus[] = [];
beforeAll(async () => {
  server = await startNatsServer();
});
afterEach(async () => {
  for (const bus of open.splice(0)) await bus.close();
});
afterAll(async () => {
  await server.stop();
});

async function bus(name: string, prefix: string): Promise<NatsBus> {
  const b = await NatsBus.connect({
    servers: server.url,
    name,
    clock,
    prefix,
    reconnectTimeWaitMs: 50,
  });
  open.push(b);
  return b;
}

describe("NatsBus on a real nats-server", () => {
  it("creates every registry stream: file storage, limits, 2-minute dedupe window, bounded age and size", async () => {
    const prefix = natsTestPrefix();
    await bus("setup.1", prefix);
    const nc = await connect({ servers: server.url, name: "inspector" });
    try {
      const jsm = await jetstreamManager(nc);
      for (const [name, spec] of Object.entries(STREAMS)) {
        const info = await jsm.streams.info(`${prefix}_${name}`);
        expect(info.config.subjects).toEqual(spec.subjects.map((s) => `${prefix}.${s}`));
        expect(info.config.storage).toBe("file");
        expect(info.config.retention).toBe("limits");
        expect(info.config.duplicate_window).toBe(120_000_000_000);
        expect(info.config.max_age).toBeGreaterThan(0);
        expect(info.config.max_msgs).toBeGreaterThan(0);
      }
    } finally {
      await nc.close();
    }
  });

  it("connects twice to the same prefix without changing its streams (create or update)", async () => {
    const prefix = natsTestPrefix();
    const first = await bus("first.1", prefix);
    const m = new Messages(1);
    const ack = await first.publish(m.croState(1));
    const second = await bus("second.1", prefix);
    const again = await second.publish(m.croState(2));
    expect(again.seq).toBe((ack.seq ?? 0) + 1);
  });

  it("keeps prefixes apart: a bus never sees another prefix's messages", async () => {
    const left = await bus("left.1", natsTestPrefix());
    const right = await bus("right.1", natsTestPrefix());
    const m = new Messages(2);
    const seen: Array<{ by: string; subject: string }> = [];
    left.subscribe("hb", (_msg, subject) => {
      seen.push({ by: "left", subject });
    });
    right.subscribe("hb", (_msg, subject) => {
      seen.push({ by: "right", subject });
    });
    await left.flush();
    await right.flush();
    await right.publish(m.hb(1, "cro", "r1"));
    await left.publish(m.hb(2, "cro", "l1"));
    await until(() => seen.length === 2, "two heartbeats");
    expect(seen).toContainEqual({ by: "right", subject: "hb.cro.r1" });
    expect(seen).toContainEqual({ by: "left", subject: "hb.cro.l1" });
  });

  it("accepts any durable name by sanitizing it into a valid consumer name", async () => {
    const b = await bus("durable.1", natsTestPrefix());
    const m = new Messages(3);
    await b.publish(m.fill("t-1"));
    const got: string[] = [];
    await b.consume(
      "exec.fill",
      { durable: "portfolio/main.v2 *", ackWaitMs: 5_000, maxDeliver: 3, deliverPolicy: "all" },
      async (d) => {
        got.push(d.message.tradeId);
        await d.ack();
      },
    );
    await until(() => got.length === 1, "the fill");
    expect(got).toEqual(["t-1"]);
  });

  it("resumes a durable consumer where the previous process stopped", async () => {
    const prefix = natsTestPrefix();
    const m = new Messages(4);
    const options = { durable: "portfolio", ackWaitMs: 5_000, maxDeliver: 3, deliverPolicy: "all" };
    const first = await bus("portfolio.1", prefix);
    await first.publish(m.fill("a"));
    const got: string[] = [];
    await first.consume("exec.fill", { ...options, deliverPolicy: "all" }, async (d) => {
      got.push(d.message.tradeId);
      await d.ack();
    });
    await until(() => got.length === 1, "the first fill");
    await first.close();
    await first.close(); // idempotent
    const publisher = await bus("execution.1", prefix);
    await publisher.publish(m.fill("b"));
    const restarted = await bus("portfolio.2", prefix);
    await restarted.consume("exec.fill", { ...options, deliverPolicy: "all" }, async (d) => {
      got.push(d.message.tradeId);
      await d.ack();
    });
    await until(() => got.length === 2, "the second fill");
    expect(got).toEqual(["a", "b"]);
  });

  // Restarting needs a server of our own; with TEST_NATS_URL the server is not ours to stop.
  it.skipIf(externalNatsUrl() !== undefined)(
    "reports the outage and recovers subscriptions and consumers across a server restart",
    async () => {
      const prefix = natsTestPrefix();
      const m = new Messages(5);
      const subscriber = await bus("sub.1", prefix);
      const publisher = await bus("pub.1", prefix);
      const statuses: BusStatus[] = [];
      subscriber.onStatus((s) => statuses.push(s));
      const beats: number[] = [];
      const fills: string[] = [];
      subscriber.subscribe("hb", (msg) => {
        beats.push(msg.seq);
      });
      await subscriber.consume(
        "exec.fill",
        { durable: "restart", ackWaitMs: 5_000, maxDeliver: 5, deliverPolicy: "all" },
        async (d) => {
          fills.push(d.message.tradeId);
          await d.ack();
        },
      );
      await subscriber.flush();
      await server.restart();
      await until(
        () => subscriber.status() === "connected" && publisher.status() === "connected",
        "both buses to reconnect",
      );
      expect(statuses).toContain("disconnected");
      expect(statuses.at(-1)).toBe("connected");
      await subscriber.flush();
      await publisher.publish(m.hb(1));
      await publisher.publish(m.fill("after-restart"));
      await until(() => beats.length === 1 && fills.length === 1, "delivery after the restart");
      expect(fills).toEqual(["after-restart"]);
    },
  );

  it("fails to connect to a port with no server with a named BusError", async () => {
    const error: unknown = await NatsBus.connect({
      servers: "nats://127.0.0.1:1",
      name: "nobody.1",
      clock,
      connectTimeoutMs: 1_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BusError);
    expect((error as BusError).code).toBe("CONNECT_FAILED");
  });
});
