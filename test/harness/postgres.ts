/**
 * PostgreSQL for tests. The global setup starts ONE private server per run from the binaries on
 * the machine (or uses TEST_DATABASE_URL / DATABASE_URL); each test file then takes a fresh,
 * uniquely named database on it with `createTestDatabase()`. Chaos tests that need to kill and
 * restart the server itself can start their own with `startPostgresServer()`.
 *
 * PostgreSQL refuses to run as root, so as root the binaries run through `runuser -u postgres`
 * on a temp dir owned by postgres (reference/dependencies.md §4). fsync is off: test data need
 * not survive a power cut, only a server crash.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chown, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin URL of the run's PostgreSQL server (database `postgres`). */
    pgUrl: string;
  }
}

const run = promisify(execFile);

/** Bounds of server management; startup measured at about 0.7 s here (initdb 0.5 s). */
const INITDB_TIMEOUT_MS = 60_000;
const PG_CTL_TIMEOUT_S = 30;
const ADMIN_CONNECT_TIMEOUT_MS = 5_000;

export interface PostgresServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Milliseconds from nothing to accepting connections. */
  readonly startMs: number;
  /** Starts the server again on the same data and port (after `stop`). */
  start(): Promise<void>;
  /** `fast` disconnects clients cleanly; `immediate` is the nearest thing to kill -9. */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** Stops the server and deletes its files. */
  destroy(): Promise<void>;
}

export async function startPostgresServer(): Promise<PostgresServer> {
  const t0 = performance.now();
  const bin = await findPgBin();
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(join(tmpdir(), "predator-pg-"));
  if (asRoot) {
    const [uid, gid] = await Promise.all([idOf("-u"), idOf("-g")]);
    await chown(dir, uid, gid);
  }
  const exec = (file: string, args: string[], timeoutMs: number) =>
    asRoot
      ? run("runuser", ["-u", "postgres", "--", join(bin, file), ...args], { timeout: timeoutMs })
      : run(join(bin, file), args, { timeout: timeoutMs });
  const data = join(dir, "data");
  const log = join(dir, "postgres.log");
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    // fsync off only risks data on an OS crash. synchronous_commit stays on: with it off, an
    // immediate stop (the kill -9 of chaos tests) loses the last commits, which is not a test.
    "-c fsync=off",
    "-c full_page_writes=off",
    "-c max_connections=300",
  ].join(" ");
  const pgCtl = async (args: string[]) => {
    try {
      await exec(
        "pg_ctl",
        ["-D", data, "-w", "-t", String(PG_CTL_TIMEOUT_S), ...args],
        (PG_CTL_TIMEOUT_S + 5) * 1000,
      );
    } catch (err) {
      const tail = (await readFile(log, "utf8").catch(() => "")).split("\n").slice(-20).join("\n");
      throw new Error(`pg_ctl ${args.at(-1) ?? ""} failed: ${String(err)}\n${tail}`, {
        cause: err,
      });
    }
  };
  const start = () => pgCtl(["-l", log, "-o", settings, "start"]);
  await exec(
    "initdb",
    ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"],
    INITDB_TIMEOUT_MS,
  );
  await start();
  const startMs = Math.round(performance.now() - t0);
  let running = true;
  const stop = async (mode: "fast" | "immediate" = "fast") => {
    if (!running) return;
    await pgCtl(["-m", mode, "stop"]);
    running = false;
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    startMs,
    start: async () => {
      await start();
      running = true;
    },
    stop,
    destroy: async () => {
      await stop("immediate");
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** PG_BIN, else the newest /usr/lib/postgresql/<version>/bin with an initdb. */
async function findPgBin(): Promise<string> {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const root = "/usr/lib/postgresql";
  const versions = await readdir(root).catch(() => [] as string[]);
  const newest = versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) {
    throw new Error(
      `no PostgreSQL binaries under ${root} (install the Debian package "postgresql", ` +
        "set PG_BIN, or set TEST_DATABASE_URL to a server)",
    );
  }
  return join(root, newest, "bin");
}

async function idOf(flag: "-u" | "-g"): Promise<number> {
  const { stdout } = await run("id", [flag, "postgres"], { timeout: 5_000 });
  return Number(stdout.trim());
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

let databases = 0;

/**
 * A fresh, empty database on the run's server, named uniquely so test files (and runs sharing an
 * external server) never see each other's rows. `drop()` removes it, closing stray connections.
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = inject("pgUrl");
  if (serverUrl === "") throw new Error("no PostgreSQL server: see test/harness/global-setup.ts");
  const name = `predator_test_${process.pid}_${++databases}_${randomBytes(4).toString("hex")}`;
  await admin(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({
    connectionString: serverUrl,
    connectionTimeoutMillis: ADMIN_CONNECT_TIMEOUT_MS,
  });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
