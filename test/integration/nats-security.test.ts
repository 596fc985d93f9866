/**
 * NATS security against a real nats-server started with the users and permissions of
 * infra/nats/permissions.ts (issue 4, "Security"): every agent connects with its own user; the
 * server itself refuses a strategy publishing an approval or an order, and any agent publishing an
 * operator command, so no subscriber ever sees them; the operator's command reaches the CRO and
 * its reply comes back. And the CRO's system-account watcher sees a kill -9'd client's connection
 * close within milliseconds (measured over KILLS kills; printed).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import type { ConnectionEvent } from "../../bus/connection-events.ts";
import { MessageFactory } from "../../bus/messages.ts";
import { NatsBus } from "../../bus/nats.ts";
import { NatsConnectionEvents } from "../../bus/nats-system.ts";
import { SystemRng } from "../../bus/rng.ts";
import { AGENT_NAMES } from "../../agents/catalog.ts";
import { intentHash, type Intent } from "../../contracts/intents.ts";
import { startNatsServer, type NatsServerHandle, type SecureNats } from "../harness/nats.ts";
import { waitFor } from "../support/processes.ts";

const external = (process.env.TEST_NATS_URL ?? process.env.NATS_URL ?? "") !== "";
const KILLS = 20;
const clock = new SystemClock();
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

let server: (NatsServerHandle & { secure: SecureNats }) | undefined;
const buses: NatsBus[] = [];

function secure(): { url: string; nats: SecureNats } {
  if (server === undefined) throw new Error("no server");
  return { url: server.url, nats: server.secure };
}

async function busAs(user: string, instance = "1"): Promise<NatsBus> {
  const { url, nats } = secure();
  const bus = await NatsBus.connect({
    servers: url,
    name: `${user}.${instance}`,
    clock,
    ...nats.credentials(user),
    durablePublishTimeoutMs: 2_000,
  });
  buses.push(bus);
  return bus;
}

const intent: Intent = {
  intentId: "int-forged",
  strategy: "canary",
  windowId: "btc-updown-15m-1767225600",
  tokenId: "123",
  kind: "ENTRY",
  side: "BUY",
  orderType: "GTC",
  limitPrice: 550_000,
  size: 5_000_000,
  expiresAt: null,
  positionId: "pos-1",
  exitReason: null,
  bookSeq: 7,
  reason: "forged",
};

function approval(decisionId: string) {
  const cro = new MessageFactory(clock, new SystemRng(), { agent: "cro", instance: "1" });
  return cro.make("cro.decision", {
    decisionId,
    intentHash: intentHash(intent),
    intent,
    approved: true,
    reasons: [],
    checks: [],
    epoch: 1,
    expiresAt: clock.now() + 60_000,
  });
}

const violationsOf = (user: string, subject: string) =>
  secure()
    .nats.violations()
    .filter((l) => l.includes(`User "${user}", Subject "${subject}"`));

describe.skipIf(external)("NATS with per-agent users and least privilege", () => {
  beforeAll(async () => {
    server = await startNatsServer({ secure: true });
  });

  afterAll(async () => {
    for (const b of buses) await b.close().catch(() => undefined);
    await server?.stop();
  });

  it("every agent, the venue and the operator connect with their own user and set up streams", async () => {
    for (const user of [...AGENT_NAMES, "venue-sim", "ops"]) {
      const bus = await busAs(user, "setup");
      expect(bus.status()).toBe("connected");
      await bus.close();
    }
    const { url } = secure();
    await expect(
      NatsBus.connect({ servers: url, name: "strategy.x", clock, user: "strategy", pass: "wrong" }),
    ).rejects.toThrow(/cannot connect/);
    await expect(NatsBus.connect({ servers: url, name: "anon.x", clock })).rejects.toThrow();
  });

  it("a strategy cannot publish an approval: the server refuses it and no subscriber sees it", async () => {
    const execution = await busAs("execution");
    const seen: string[] = [];
    execution.subscribe("cro.decision", (m) => {
      seen.push(m.decisionId);
    });
    await execution.flush();
    const strategy = await busAs("strategy");
    // Through JetStream (the way approvals travel) and as a plain core publish.
    await expect(strategy.publish(approval("dec-forged-js"))).rejects.toThrow(
      /durable publish on "cro.decision" failed/,
    );
    await strategy.publishRaw("cro.decision", JSON.stringify(approval("dec-forged-core")));
    await strategy.flush().catch(() => undefined);
    // The control: the CRO's own approval does arrive, after the forged ones were sent.
    const cro = await busAs("cro");
    await cro.publish(approval("dec-real"));
    await waitFor("the CRO's approval", () => seen.includes("dec-real"), { timeoutMs: 5_000 });
    expect(seen).toEqual(["dec-real"]);
    expect(violationsOf("strategy", "cro.decision").length).toBeGreaterThanOrEqual(2);
  });

  it("a strategy cannot publish an order event or a fill", async () => {
    const portfolio = await busAs("portfolio");
    const seen: string[] = [];
    portfolio.subscribe("exec.fill", (m) => {
      seen.push(m.tradeId);
    });
    portfolio.subscribe("exec.order.accepted", (m) => {
      seen.push(m.orderId);
    });
    await portfolio.flush();
    const strategy = await busAs("strategy", "2");
    for (const subject of ["exec.order.accepted", "exec.fill", "exec.order.submitted"]) {
      await strategy.publishRaw(subject, "{}");
    }
    await strategy.flush().catch(() => undefined);
    await waitFor(
      "the server to log three violations",
      () => violationsOf("strategy", "exec.fill").length > 0,
      { timeoutMs: 5_000 },
    );
    expect(violationsOf("strategy", "exec.order.accepted")).toHaveLength(1);
    expect(violationsOf("strategy", "exec.order.submitted")).toHaveLength(1);
    expect(seen).toEqual([]);
  });

  it("no agent may send an operator command; the operator's reaches the CRO and is answered", async () => {
    const cro = await busAs("cro", "ops");
    const ops = new MessageFactory(clock, new SystemRng(), { agent: "ops", instance: "t" });
    const served: string[] = [];
    cro.serve("ops.command", "ops.reply", (cmd) => {
      served.push(cmd.actor);
      return Promise.resolve(
        ops.make("ops.reply", { ok: true, error: null, detail: "", state: "PAUSED" }, cmd),
      );
    });
    await cro.flush();
    for (const agent of ["strategy", "execution", "portfolio", "market-data"]) {
      const bus = await busAs(agent, "ops");
      const cmd = ops.make("ops.command", {
        command: { kind: "status" },
        actor: agent,
        reason: "forged",
      });
      await expect(bus.request(cmd, "ops.reply", { timeoutMs: 2_000 })).rejects.toThrow();
      await waitFor(
        `the server to log ${agent}'s violation`,
        () => {
          return violationsOf(agent, "ops.command").length === 1;
        },
        { timeoutMs: 5_000 },
      );
    }
    const operator = await busAs("ops", "cli");
    const cmd = ops.make("ops.command", {
      command: { kind: "status" },
      actor: "alice",
      reason: "test",
    });
    const reply = await operator.request(cmd, "ops.reply", { timeoutMs: 5_000 });
    expect(reply.ok).toBe(true);
    expect(served).toEqual(["alice"]);
  });

  it(`the system account sees a kill -9'd client's disconnect within milliseconds (${KILLS} kills)`, async () => {
    const { url, nats } = secure();
    const events = await NatsConnectionEvents.connect({
      servers: url,
      ...nats.credentials("sys"),
      name: "cro.test.sys",
    });
    const connected = new Set<string>();
    const disconnected = new Map<string, { event: ConnectionEvent; at: number }>();
    events.onConnect((e) => connected.add(e.name));
    events.onDisconnect((e) => disconnected.set(e.name, { event: e, at: performance.now() }));
    const latencies: number[] = [];
    try {
      for (let i = 0; i < KILLS; i++) {
        const name = `execution.k${i}`;
        const child = spawnClient(url, name, nats.credentials("execution"));
        await waitFor(`${name} connected`, () => connected.has(name), { timeoutMs: 10_000 });
        const killedAt = performance.now();
        child.kill("SIGKILL");
        const seen = await waitFor(`${name} disconnect event`, () => disconnected.get(name), {
          timeoutMs: 5_000,
          pollMs: 1,
        });
        latencies.push(seen.at - killedAt);
        expect(seen.event.reason).toBeDefined();
      }
    } finally {
      await events.close();
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const pct = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
    process.stdout.write(
      `$SYS disconnect after kill -9 (${KILLS} kills): p50 ${pct(0.5).toFixed(2)} ms, ` +
        `p99 ${pct(0.99).toFixed(2)} ms, max ${Math.max(...sorted).toFixed(2)} ms\n`,
    );
    // The heartbeat timeout is 2500 ms; the event must beat it by far.
    expect(pct(0.99)).toBeLessThan(250);
  }, 120_000);
});

/** A bare NATS client in its own process, named like an agent, idle until killed. */
function spawnClient(
  url: string,
  name: string,
  cred: { user: string; pass: string },
): ChildProcess {
  const code = [
    `import { connect } from "@nats-io/transport-node";`,
    `await connect({ servers: process.env.URL, name: process.env.NAME, user: process.env.U, pass: process.env.P });`,
    `setInterval(() => {}, 60_000);`,
  ].join("\n");
  return spawn(process.execPath, ["--input-type=module", "-e", code], {
    cwd: ROOT,
    stdio: "ignore",
    env: { ...process.env, URL: url, NAME: name, U: cred.user, P: cred.pass },
  });
}
