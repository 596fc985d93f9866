/**
 * The services and processes behind the tick-to-order bench: a private nats-server and a private
 * PostgreSQL (the test harness's, fsync off), migrated, with the runtime controls the bench needs;
 * and Strategy, CRO and Execution each as its own `predator agent` process, logs to files.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { migrate } from "../infra/store/migrate.ts";
import { PgStore } from "../infra/store/pg.ts";
import { startNatsServer, type NatsServerHandle } from "../test/harness/nats.ts";
import { startPostgresServer, type PostgresServer } from "../test/harness/postgres.ts";

const CLI = fileURLToPath(new URL("../infra/cli/predator.js", import.meta.url));
const STOP_TIMEOUT_MS = 10_000;
/** Extra node options for the agents, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile. */
const AGENT_NODE_ARGS = (process.env.TICK_AGENT_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");

export type FleetAgent = "strategy" | "cro" | "execution";

export interface TickFleet {
  readonly natsUrl: string;
  readonly databaseUrl: string;
  readonly logDir: string;
  /** Starts `predator agent <name> --instance 1` with the fleet's NATS and PostgreSQL. */
  spawn(name: FleetAgent, env?: Record<string, string>): void;
  /** pid of each running agent process. */
  pids(): Map<FleetAgent, number>;
  /**
   * Refreshes the planner's statistics. The bench writes in a minute what a fleet writes in days,
   * faster than autovacuum re-analyses; stale statistics make PostgreSQL scan the whole orders
   * table for the CRO's working-orders read instead of using its status index.
   */
  analyze(): Promise<void>;
  /** The last lines of every agent's log, for a failure message. */
  logTail(lines: number): Promise<string>;
  /** Stops the agents (SIGTERM, then SIGKILL), the servers, and deletes the logs unless `keepLogs`. */
  stop(keepLogs: boolean): Promise<void>;
}

export async function startFleet(controls: Record<string, string>): Promise<TickFleet> {
  const logDir = await mkdtemp(join(tmpdir(), "predator-tick-"));
  let nats: NatsServerHandle | null = null;
  let postgres: PostgresServer | null = null;
  try {
    nats = await startNatsServer();
    postgres = await startPostgresServer();
    await migrate(postgres.url);
    const store = await PgStore.open(postgres.url);
    try {
      for (const [key, value] of Object.entries(controls)) {
        await store.setControl(key, value, "bench", Date.now());
      }
    } finally {
      await store.close();
    }
  } catch (error) {
    await nats?.stop();
    await postgres?.destroy();
    await rm(logDir, { recursive: true, force: true });
    throw error;
  }
  return fleet(nats, postgres, logDir);
}

function fleet(nats: NatsServerHandle, postgres: PostgresServer, logDir: string): TickFleet {
  const children = new Map<FleetAgent, ChildProcess>();
  const logOf = (name: FleetAgent) => join(logDir, `${name}.log`);
  return {
    natsUrl: nats.url,
    databaseUrl: postgres.url,
    logDir,
    spawn(name, env = {}) {
      const fd = openSync(logOf(name), "a");
      const args = [...AGENT_NODE_ARGS, CLI, "agent", name, "--instance", "1"];
      const child = spawn(process.execPath, args, {
        env: {
          // The operator's PREDATOR_* settings (a bus prefix, a mode…) are not the bench's.
          ...Object.fromEntries(
            Object.entries(process.env).filter(([key]) => !key.startsWith("PREDATOR_")),
          ),
          NATS_URL: nats.url,
          DATABASE_URL: postgres.url,
          // What `predator start` gives its agents unless told otherwise.
          LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
          ...env,
        },
        stdio: ["ignore", fd, fd],
      });
      closeSync(fd);
      children.set(name, child);
    },
    async analyze() {
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      try {
        await client.query("ANALYZE");
      } finally {
        await client.end();
      }
    },
    pids() {
      const out = new Map<FleetAgent, number>();
      for (const [name, child] of children) if (child.pid !== undefined) out.set(name, child.pid);
      return out;
    },
    async logTail(lines) {
      const parts: string[] = [];
      for (const name of children.keys()) {
        const text = await readFile(logOf(name), "utf8").catch(() => "");
        parts.push(`--- ${name} (${logOf(name)})\n${text.split("\n").slice(-lines).join("\n")}`);
      }
      return parts.join("\n");
    },
    async stop(keepLogs) {
      await Promise.all([...children.values()].map(terminate));
      children.clear();
      await nats.stop();
      await postgres.destroy();
      if (!keepLogs) await rm(logDir, { recursive: true, force: true });
    },
  };
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      resolve();
    });
  });
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
