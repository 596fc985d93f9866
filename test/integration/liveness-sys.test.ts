/**
 * The whole fleet as OS processes on a nats-server secured with infra/nats/permissions.ts (every
 * agent its own user, the CRO also a system-account watcher, approvals signed with
 * PREDATOR_APPROVAL_KEY), over a fresh PostgreSQL:
 *  - it still trades (the probe buys once the CRO is ACTIVE), with no permission violation logged;
 *  - an approval forged with publish rights to cro.decision (a misconfigured user) is refused by
 *    Execution (SIGNATURE) and never reaches the venue;
 *  - a kill -9 of an agent process is seen by the CRO through `$SYS` disconnect events: the trading
 *    state leaves ACTIVE within milliseconds (far under the 2.5 s heartbeat timeout), with a reason
 *    naming the agent and instance (latencies printed).
 */
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { NatsBus } from "../../bus/nats.ts";
import type { CroDecision, CroState } from "../../contracts/cro.ts";
import { intentHash } from "../../contracts/intents.ts";
import { orderIdFor } from "../../agents/execution/orders.ts";
import { PgStore } from "../../infra/store/pg.ts";
import { windowInstrument } from "../../infra/venue-sim/index.ts";
import { startNatsServer, type NatsServerHandle, type SecureNats } from "../harness/nats.ts";
import { createTestDatabase } from "../harness/postgres.ts";
import { AGENT_NAMES } from "../../agents/catalog.ts";
import {
  addPredatorChild,
  logTails,
  makeLogDir,
  runCli,
  stopAll,
  testSupervisor,
  waitFor,
  type FleetEnv,
} from "../support/processes.ts";

const external = (process.env.TEST_NATS_URL ?? process.env.NATS_URL ?? "") !== "";
const WINDOW_SECONDS = 70;
const CONTROLS = {
  allowed_instruments: windowInstrument("btc", WINDOW_SECONDS * 1_000),
  allowed_strategies: "canary,momentum,probe",
};
/** The probe buys the minimum size as soon as an ask is at or below this: at once. */
const STRATEGY_CONFIG = { enabled: ["probe"], params: { probe: { askMax: 990_000 } } };
const ACTIVE_MS = 90_000;
const HEARTBEAT_TIMEOUT_MS = 2_500;
const KILLED = ["portfolio", "execution"] as const;

interface StateSeen {
  receivedAt: number;
  state: CroState["state"];
  reason: string;
}

describe.skipIf(external)("the secured fleet as processes: trading, forged approvals, $SYS", () => {
  let nats: (NatsServerHandle & { secure: SecureNats }) | undefined;
  let db: { url: string; drop(): Promise<void> } | undefined;
  let env: FleetEnv = { natsUrl: "", databaseUrl: "", logDir: "" };
  const venueProcess = testSupervisor();
  const agentProcesses = testSupervisor();
  const cleanups: Array<() => Promise<unknown>> = [];
  let passed = false;

  beforeAll(async () => {
    nats = await startNatsServer({ secure: true });
    db = await createTestDatabase();
    env = { natsUrl: nats.url, databaseUrl: db.url, logDir: await makeLogDir() };
  });

  afterAll(async () => {
    await agentProcesses.stop();
    await venueProcess.stop();
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await db?.drop();
    await nats?.stop();
    if (passed) await rm(env.logDir, { recursive: true, force: true });
  });

  it("trades, refuses a forged approval, and halts within ms of a kill -9", async () => {
    onTestFailed(async () => {
      process.stderr.write(`${await logTails(env.logDir)}\n`);
    });
    if (nats === undefined) throw new Error("no server");
    const secure = nats.secure;
    const secrets = {
      ...secure.env,
      PREDATOR_APPROVAL_KEY: randomBytes(32).toString("hex"),
    };

    await runCli(["migrate"], env);
    const store = await PgStore.open(env.databaseUrl);
    cleanups.push(() => store.close());
    for (const [key, value] of Object.entries(CONTROLS))
      await store.setControl(key, value, "test", Date.now());

    const clock = new SystemClock();
    const observer = await NatsBus.connect({
      servers: env.natsUrl,
      name: "ops.observer",
      clock,
      ...secure.credentials("ops"),
    });
    cleanups.push(() => observer.close());
    const states: StateSeen[] = [];
    observer.subscribe("cro.state", (m) => {
      const last = states.at(-1);
      if (last?.state !== m.state || last.reason !== m.reason)
        states.push({ receivedAt: Date.now(), state: m.state, reason: m.reason });
    });
    const decisions: CroDecision[] = [];
    observer.subscribe("cro.decision", (m) => {
      decisions.push(m);
    });
    const refused = new Map<string, string>();
    observer.subscribe("exec.order.refused", (m) => {
      refused.set(m.orderId, m.reason ?? "");
    });

    addPredatorChild(
      venueProcess,
      "venue-sim.1",
      ["venue-sim", "--seed", "11", "--window-seconds", String(WINDOW_SECONDS)],
      env,
      secrets,
    );
    for (const name of AGENT_NAMES) {
      const extra =
        name === "strategy" ? { PREDATOR_STRATEGY_CONFIG: JSON.stringify(STRATEGY_CONFIG) } : {};
      addPredatorChild(agentProcesses, `${name}.1`, ["agent", name, "--instance", "1"], env, {
        ...secrets,
        ...extra,
      });
    }

    // 1. ACTIVE, and the probe's order fills at the venue: the fleet trades with security on.
    const active = () => states.at(-1)?.state === "ACTIVE";
    await waitFor("cro.state ACTIVE", active, {
      timeoutMs: ACTIVE_MS,
      describe: () => JSON.stringify(states.slice(-3)),
    });
    const filled = await waitFor(
      "an order filled",
      async () => (await store.listOrders()).find((o) => o.filledSize > 0),
      { timeoutMs: 60_000, describe: () => `${decisions.length} decisions` },
    );
    const real = decisions.find((d) => d.approved && d.intent.intentId === filled.intentId);
    expect(real?.signature, "approvals are signed").toMatch(/^[0-9a-f]{64}$/);

    // 2. A forged approval from a connection that may publish cro.decision (a misconfiguration).
    if (real === undefined) throw new Error("no approval seen");
    const forger = await NatsBus.connect({
      servers: env.natsUrl,
      name: "forger.1",
      clock,
      ...secure.credentials("cro"),
    });
    cleanups.push(() => forger.close());
    const forgedIntent = { ...real.intent, intentId: `forged-${real.intent.intentId}` };
    const forged: CroDecision = {
      ...real,
      id: `forged-${real.id}`,
      decisionId: `forged-${real.decisionId}`,
      intent: forgedIntent,
      intentHash: intentHash(forgedIntent),
      expiresAt: Date.now() + 3_000,
      // The real approval's signature, reused: it does not cover the forged intent.
    };
    await forger.publish(forged);
    const forgedOrder = orderIdFor(forgedIntent.intentId);
    const reason = await waitFor(
      "Execution to refuse the forged approval",
      () => {
        return refused.get(forgedOrder);
      },
      { timeoutMs: 10_000 },
    );
    expect(reason).toMatch(/SIGNATURE/);
    // Refused before any order existed: nothing was sent to the venue; the refusal is audited.
    expect(await store.getOrder(forgedOrder)).toBeNull();
    const audited = await store.auditFor(forgedIntent.intentId, 100);
    expect(audited.map((e) => e.kind)).toContain("execution.refused");

    // 3. kill -9: the CRO sees the disconnect through $SYS and leaves ACTIVE at once.
    const latencies: string[] = [];
    for (const agent of KILLED) {
      await waitFor(`ACTIVE before killing ${agent}`, active, {
        timeoutMs: ACTIVE_MS,
        describe: () => JSON.stringify(states.slice(-3)),
      });
      const pid = agentProcesses.status().find((s) => s.name === `${agent}.1`)?.pid;
      if (pid === undefined || pid === null) throw new Error(`no pid for ${agent}`);
      const from = states.length;
      const killedAt = Date.now();
      process.kill(pid, "SIGKILL");
      const left = await waitFor(
        `the CRO to leave ACTIVE after ${agent} was killed`,
        () => states.slice(from).find((s) => s.state !== "ACTIVE"),
        { timeoutMs: 10_000, pollMs: 1 },
      );
      const ms = left.receivedAt - killedAt;
      latencies.push(`${agent} ${ms} ms (${left.reason})`);
      expect(left.reason).toMatch(new RegExp(`${agent}: instance 1 disconnected from the bus`));
      expect(ms).toBeLessThan(HEARTBEAT_TIMEOUT_MS / 2);
    }
    process.stdout.write(
      `kill -9 → cro.state not ACTIVE (seen on the bus): ${latencies.join("; ")}\n`,
    );

    // 4. No agent needed more than its permissions.
    await stopAll(agentProcesses);
    await stopAll(venueProcess);
    expect(secure.violations()).toEqual([]);
    passed = true;
  }, 300_000);
});
