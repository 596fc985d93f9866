/**
 * The operator's tools against real processes: `predator up` (migrations, the simulated venue and
 * every agent as its own process, a standby replica, the console and HTTP API) over a private
 * nats-server and a fresh PostgreSQL database. The fleet reaches ACTIVE; `status --json` shows
 * pids and leader/standby; halt, resume and control changes via the CLI and via HTTP change the state and
 * are audited with who and why; HTTP refuses without the token; /metrics exposes the series;
 * `predator kill` takes an agent down, /health turns 503, the supervisor restarts it and the
 * fleet is healthy and ACTIVE again; SIGTERM stops everything cleanly.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import type { FleetStatus } from "../../infra/app/fleet-status.ts";
import { startNatsServer, type NatsServerHandle } from "../harness/nats.ts";
import { createTestDatabase } from "../harness/postgres.ts";
import { logTails, makeLogDir, PREDATOR_CLI, waitFor } from "../support/processes.ts";

const run = promisify(execFile);
const TOKEN = "ops-test-token-0123456789abcdef";
const AUTH = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
const CLI_TIMEOUT_MS = 30_000;
/** Bounds (wall time) on a loaded 2-core machine. */
const API_UP_MS = 45_000;
const ACTIVE_MS = 75_000;
const HEALTH_DOWN_MS = 10_000;
const RECOVERED_MS = 60_000;
const STOP_MS = 30_000;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe("predator up and the operator's controls, as real processes", () => {
  let nats: NatsServerHandle | undefined;
  let db: { url: string; drop(): Promise<void> } | undefined;
  let logDir = "";
  let up: ChildProcess | null = null;
  let sql: pg.Client | null = null;
  let passed = false;
  const followers: ChildProcess[] = [];

  const env = (): Record<string, string | undefined> => ({
    ...process.env,
    NATS_URL: nats?.url,
    DATABASE_URL: db?.url,
    PREDATOR_API_TOKEN: TOKEN,
    LOG_LEVEL: "warn",
  });

  async function cli(args: string[]): Promise<CliResult> {
    try {
      const r = await run(process.execPath, [PREDATOR_CLI, ...args], {
        env: env(),
        timeout: CLI_TIMEOUT_MS,
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
  }

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase();
    logDir = await makeLogDir();
  });

  afterAll(async () => {
    if (up?.pid !== undefined && up.exitCode === null && up.signalCode === null) {
      // `up` leads its own process group: take the whole fleet down.
      try {
        process.kill(-up.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    for (const f of followers) f.kill("SIGKILL");
    await sql?.end().catch(() => undefined);
    await db?.drop();
    await nats?.stop();
    if (passed) await rm(logDir, { recursive: true, force: true });
  });

  it(
    "supervises the fleet; CLI and HTTP halt, resume and set controls, audited; kill → 503 → restarted",
    async () => {
      onTestFailed(async () => {
        process.stderr.write(`${await logTails(logDir, 80)}\n`);
      });
      const logFile = join(logDir, "up.log");
      const out = openSync(logFile, "a");
      up = spawn(
        process.execPath,
        [
          PREDATOR_CLI,
          "up",
          "--api-port",
          "0",
          "--replicas",
          "reconciler=2",
          "--window-seconds",
          "70",
          "--seed",
          "11",
          "--status-every-s",
          "3600",
        ],
        { env: env(), stdio: ["ignore", out, out], detached: true },
      );
      closeSync(out);
      const upExit = new Promise<number | null>((resolve) => up?.once("exit", resolve));

      // 1. The API comes up; the fleet reaches ACTIVE and healthy.
      const base = await waitFor(
        "predator up to serve its API",
        async () =>
          /API at (http:\/\/[^\s]+?)\.? Ctrl-C/.exec(await readFile(logFile, "utf8"))?.[1],
        { timeoutMs: API_UP_MS, describe: () => readFile(logFile, "utf8") },
      );
      const api = async (method: string, path: string, body?: unknown, auth = true) => {
        const r = await fetch(`${base}${path}`, {
          method,
          headers: auth ? AUTH : { "content-type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: r.status, text: await r.text() };
      };
      // The console is served with the API: one line with the URL to open, the app at /.
      await waitFor(
        "predator up to print the console's URL",
        async () =>
          (await readFile(logFile, "utf8")).includes(
            `predator up: console at ${base}/#token=${encodeURIComponent(TOKEN)}\n`,
          ),
        { timeoutMs: 5_000, describe: () => readFile(logFile, "utf8") },
      );
      const app = await fetch(`${base}/`);
      expect(app.status).toBe(200);
      expect(app.headers.get("content-type")).toMatch(/^text\/html/);
      const apiStatus = async () =>
        JSON.parse((await api("GET", "/api/status")).text) as FleetStatus;
      await waitFor(
        "ACTIVE and healthy",
        async () => {
          const s = await apiStatus();
          return s.cro?.state === "ACTIVE" && s.healthy;
        },
        {
          timeoutMs: ACTIVE_MS,
          pollMs: 500,
          describe: async () => (await api("GET", "/api/status")).text,
        },
      );

      // 2. `predator status --json`: pids, alive, leader/standby, the trading state.
      const statusRun = await cli(["status", "--json"]);
      expect(statusRun.code, statusRun.stderr).toBe(0);
      const status = JSON.parse(statusRun.stdout) as FleetStatus;
      expect(status.cro?.state).toBe("ACTIVE");
      expect(status.healthy).toBe(true);
      const names = status.agents.map((a) => `${a.agent}.${a.instance}`);
      expect(names).toEqual(
        expect.arrayContaining([
          "market-data.1",
          "strategy.1",
          "cro.1",
          "execution.1",
          "portfolio.1",
          "reconciler.1",
          "reconciler.2",
          "alert.1",
        ]),
      );
      for (const a of status.agents) {
        expect(a.alive, `${a.agent}.${a.instance}`).toBe(true);
        expect(a.pid).toBeGreaterThan(0);
        expect(() => process.kill(a.pid ?? 0, 0)).not.toThrow();
      }
      const roles = (agent: string) =>
        status.agents
          .filter((a) => a.agent === agent)
          .map((a) => a.role)
          .sort();
      expect(roles("reconciler")).toEqual(["leader", "standby"]);
      expect(roles("cro")).toEqual(["leader"]);
      expect(roles("strategy")).toEqual(["replica"]);

      // `events --follow` is listening (it prints the current state first) before anything changes.
      const follow = spawn(
        process.execPath,
        [PREDATOR_CLI, "events", "--follow", "--json", "--for-s", "120"],
        {
          env: env(),
          stdio: ["ignore", "pipe", "ignore"],
        },
      );
      followers.push(follow);
      let followed = "";
      follow.stdout.on("data", (chunk: Buffer) => {
        followed += chunk.toString("utf8");
      });
      await waitFor(
        "events --follow to print the current state",
        () => followed.includes('"kind":"state"'),
        {
          timeoutMs: CLI_TIMEOUT_MS,
        },
      );

      // 3. Halt from the CLI.
      // The bad one runs alongside; the audit check below proves it sent nothing.
      const [bad, halt] = await Promise.all([
        cli(["halt", "--level", "panic", "--reason", "x"]),
        cli(["halt", "--level", "pause", "--reason", "ops test: pause from the CLI"]),
      ]);
      expect(bad.code).toBe(2);
      expect(halt.code, halt.stderr).toBe(0);
      expect(halt.stdout).toMatch(/^ok: .*PAUSED/);
      expect((await apiStatus()).cro?.state).toBe("PAUSED");

      await waitFor(
        "events --follow to show the halt",
        () => /"kind":"state"[^\n]*PAUSED/.test(followed),
        {
          timeoutMs: 10_000,
          describe: () => followed,
        },
      );

      // 4. HTTP without (or with a wrong) token: 401, nothing changes.
      expect((await api("POST", "/api/resume", { reason: "no token" }, false)).status).toBe(401);
      const wrong = await fetch(`${base}/api/resume`, {
        method: "POST",
        headers: { ...AUTH, authorization: "Bearer not-the-token-at-all" },
        body: JSON.stringify({ reason: "wrong token" }),
      });
      expect(wrong.status).toBe(401);
      const badBody = await api("POST", "/api/halt", { level: "pause" });
      expect(badBody.status).toBe(400);
      expect(badBody.text).toMatch(/reason: required/);
      expect((await apiStatus()).cro?.state).toBe("PAUSED");

      // 5. Resume over HTTP; controls via the CLI and via HTTP.
      const resume = await api("POST", "/api/resume", { reason: "ops test: resume over HTTP" });
      expect(resume.status, resume.text).toBe(200);
      await waitFor(
        "ACTIVE after the HTTP resume",
        async () => (await apiStatus()).cro?.state === "ACTIVE",
        {
          timeoutMs: 20_000,
        },
      );
      const set = await cli([
        "controls",
        "set",
        "order_rate_per_min",
        "20",
        "--reason",
        "ops test: CLI control",
      ]);
      expect(set.code, set.stderr).toBe(0);
      const setHttp = await api("POST", "/api/controls", {
        key: "orders_per_window_max",
        value: "1",
        reason: "ops test: HTTP control",
      });
      expect(setHttp.status, setHttp.text).toBe(200);
      const [get, events] = await Promise.all([
        cli(["controls", "get", "order_rate_per_min", "--json"]),
        cli(["events", "--json"]),
      ]);
      expect(get.code, get.stderr).toBe(0);
      expect(JSON.parse(get.stdout)).toMatchObject({
        key: "order_rate_per_min",
        value: "20",
        source: "stored",
      });

      // 6. Every operator action is in the CRO's audit log with who and why.
      sql = new pg.Client({ connectionString: db?.url });
      await sql.connect();
      const audit = await sql.query<{
        kind: string;
        detail: { actor: string; reason: string; outcome: { ok: boolean } };
      }>("SELECT kind, detail FROM audit_log WHERE kind LIKE 'operator.%' ORDER BY id");
      const rows = audit.rows.map((r) => [
        r.kind,
        r.detail.actor,
        r.detail.reason,
        r.detail.outcome.ok,
      ]);
      const cliActor = `cli:${userInfo().username}`;
      expect(rows).toEqual([
        ["operator.halt", cliActor, "ops test: pause from the CLI", true],
        [
          "operator.resume",
          expect.stringMatching(/^http:token-[0-9a-f]{8}@127\.0\.0\.1$/),
          "ops test: resume over HTTP",
          true,
        ],
        ["operator.controls.set", cliActor, "ops test: CLI control", true],
        [
          "operator.controls.set",
          expect.stringMatching(/^http:token-/),
          "ops test: HTTP control",
          true,
        ],
      ]);
      expect(events.code, events.stderr).toBe(0);
      expect(events.stdout).toContain(`(by ${cliActor})`);

      // 7. /metrics (no token needed).
      const metrics = await api("GET", "/metrics", undefined, false);
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain('predator_trading_state{state="ACTIVE"} 1');
      expect(metrics.text).toMatch(/predator_agent_up\{agent="cro",instance="1",role="leader"\} 1/);
      expect(metrics.text).toMatch(
        /predator_agent_up\{agent="reconciler",instance="[12]",role="standby"\} 1/,
      );
      for (const series of [
        "predator_orders_total",
        "predator_fills_total",
        "predator_rejections_total",
        "predator_decision_latency_seconds",
        "predator_venue_latency_seconds",
        "predator_agent_heartbeat_age_seconds",
        "predator_bus_delivery_lag_seconds",
      ])
        expect(metrics.text).toContain(`# HELP ${series} `);

      // 8. kill -9 portfolio: /health 503 naming it, then restarted, healthy and ACTIVE again.
      const before = status.agents.find((a) => a.agent === "portfolio")?.pid;
      const kill = await cli(["kill", "portfolio", "--json"]);
      expect(kill.code, kill.stderr).toBe(0);
      expect(JSON.parse(kill.stdout)).toMatchObject({
        agent: "portfolio",
        instance: "1",
        pid: before,
      });
      const down = await waitFor(
        "/health 503",
        async () => {
          const h = await api("GET", "/health", undefined, false);
          return h.status === 503 ? h.text : null;
        },
        { timeoutMs: HEALTH_DOWN_MS, pollMs: 50 },
      );
      expect(JSON.parse(down)).toMatchObject({ healthy: false, unhealthy: ["portfolio"] });
      await waitFor(
        "portfolio restarted under a new pid, healthy and ACTIVE",
        async () => {
          const h = await api("GET", "/health", undefined, false);
          if (h.status !== 200) return false;
          const s = await apiStatus();
          const pid = s.agents.find((a) => a.agent === "portfolio" && a.alive)?.pid;
          return s.cro?.state === "ACTIVE" && pid !== undefined && pid !== before;
        },
        {
          timeoutMs: RECOVERED_MS,
          pollMs: 500,
          describe: async () => (await api("GET", "/api/status")).text,
        },
      );

      // 9. SIGTERM: everything stops cleanly.
      up.kill("SIGTERM");
      const code = await Promise.race([
        upExit,
        new Promise<string>((resolve) => {
          setTimeout(() => {
            resolve("timeout");
          }, STOP_MS);
        }),
      ]);
      expect(code).toBe(0);
      expect(await readFile(logFile, "utf8")).toContain("predator up: stopped cleanly");
      passed = true;
    },
    4 * 60_000,
  );
});
