/**
 * The bus on a three-node NATS cluster (multi-host deployments; README "Beyond one machine"):
 * the registry's streams at 3 replicas; kill -9 of the node that leads the fills stream while
 * fills are being published → the publisher fails over to the other nodes and resumes on its
 * own, every acknowledged fill is in the stream exactly once and reaches the durable consumer,
 * and the killed node rejoins with its replica current again.
 */
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { serverList } from "../../bus/nats-connection.ts";
import { NatsBus } from "../../bus/nats.ts";
import { STREAMS } from "../../contracts/registry.ts";
import { startNatsCluster, type NatsCluster } from "../harness/nats-cluster.ts";
import { natsTestPrefix } from "../harness/nats.ts";
import { Messages } from "./bus-harness.ts";

const META_LEADER_MS = 30_000;
const PUBLISH_MS = 30_000;
const DELIVERED_MS = 30_000;
const REJOIN_MS = 30_000;
const FILLS = 300;
const KILL_AT = 100;
const clock = new SystemClock();

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("NatsBus on a three-node NATS cluster", () => {
  let cluster: NatsCluster;
  let inspector: NatsConnection;
  let jsm: JetStreamManager;
  const open: NatsBus[] = [];

  beforeAll(async () => {
    cluster = await startNatsCluster();
    inspector = await connect({ servers: serverList(cluster.urls), name: "inspector" });
    jsm = await jetstreamManager(inspector, { timeout: 2_000, checkAPI: false });
    // JetStream answers once the three nodes have elected a meta leader.
    await until("a JetStream meta leader", () => jsm.getAccountInfo(), META_LEADER_MS);
  }, META_LEADER_MS + 20_000);

  afterAll(async () => {
    for (const bus of open) await bus.close();
    await inspector.close();
    await cluster.stop();
  });

  const bus = async (name: string, prefix: string) => {
    const b = await NatsBus.connect({
      servers: cluster.urls,
      name,
      clock,
      prefix,
      streamReplicas: 3,
      reconnectTimeWaitMs: 50,
      durablePublishTimeoutMs: 2_000,
    });
    open.push(b);
    return b;
  };

  it("takes NATS_URL as a comma-separated list of the nodes", () => {
    expect(serverList(" nats://a:4222, nats://b:4222 ,")).toEqual([
      "nats://a:4222",
      "nats://b:4222",
    ]);
  });

  it("creates every registry stream with 3 replicas, one on each node", async () => {
    const prefix = natsTestPrefix();
    await bus("setup.1", prefix);
    for (const name of Object.keys(STREAMS)) {
      const info = await jsm.streams.info(`${prefix}_${name}`);
      expect(info.config.num_replicas).toBe(3);
      const nodes = [info.cluster?.leader, ...(info.cluster?.replicas ?? []).map((r) => r.name)];
      expect(new Set(nodes)).toEqual(new Set(["n1", "n2", "n3"]));
    }
  });

  it(
    "kill -9 of the fills leader while publishing: no acked fill lost or doubled, resumes, rejoins",
    async () => {
      const prefix = natsTestPrefix();
      const publisher = await bus("execution.1", prefix);
      const consumer = await bus("portfolio.1", prefix);
      const received = new Map<string, Set<number>>();
      await consumer.consume(
        "exec.fill",
        { durable: "portfolio-fills", ackWaitMs: 2_000, maxDeliver: 100, deliverPolicy: "all" },
        async (d) => {
          const seqs = received.get(d.message.tradeId) ?? new Set<number>();
          seqs.add(d.streamSeq);
          received.set(d.message.tradeId, seqs);
          await d.ack();
        },
      );
      const stream = `${prefix}_FILLS`;
      const m = new Messages(7);
      const ackedAt: number[] = [];
      let killedAt = 0;
      let killed = -1;
      for (let i = 0; i < FILLS; i++) {
        if (i === KILL_AT) {
          const leader = (await jsm.streams.info(stream)).cluster?.leader;
          killed = cluster.nodes.findIndex((n) => n.name === leader);
          expect(killed).toBeGreaterThanOrEqual(0);
          killedAt = Date.now();
          cluster.kill(killed);
        }
        // Execution's outbox republishes a fill until it is acknowledged, under the same message
        // id: the stream's dedupe window makes a second store of it impossible.
        const fill = m.fill(`t-${i}`);
        const deadline = Date.now() + PUBLISH_MS;
        for (;;) {
          const ack = await publisher.publish(fill).catch(() => null);
          if (ack !== null) break;
          if (Date.now() > deadline)
            throw new Error(`fill t-${i} not acknowledged in ${PUBLISH_MS} ms`);
        }
        ackedAt.push(Date.now());
      }
      const pauseMs = Math.max(
        ...ackedAt.slice(KILL_AT).map((t, k) => t - (ackedAt[KILL_AT + k - 1] ?? killedAt)),
      );

      const info = await until(
        "every fill delivered",
        async () => (received.size >= FILLS ? jsm.streams.info(stream) : undefined),
        DELIVERED_MS,
      ).catch(async (error: unknown) => {
        const c = await jsm.consumers.info(stream, "portfolio-fills").catch((e: unknown) => e);
        throw new Error(
          `${String(error)}: ${received.size}/${FILLS} delivered; consumer ${JSON.stringify(c)}`,
          { cause: error },
        );
      });
      expect(info.state.messages).toBe(FILLS);
      for (let i = 0; i < FILLS; i++) expect(received.get(`t-${i}`)?.size, `t-${i}`).toBe(1);

      const rejoinStart = Date.now();
      await cluster.start(killed);
      await until(
        `${cluster.nodes[killed]?.name ?? "?"} current again`,
        async () => {
          const s = await jsm.streams.info(stream);
          const replicas = s.cluster?.replicas ?? [];
          return replicas.length === 2 && replicas.every((r) => r.current) ? true : undefined;
        },
        REJOIN_MS,
      );
      process.stderr.write(
        `nats cluster: kill -9 of the fills leader → publishing paused ${pauseMs} ms; ` +
          `rejoined and current in ${Date.now() - rejoinStart} ms\n`,
      );
    },
    PUBLISH_MS * 2 + DELIVERED_MS + REJOIN_MS,
  );
});
