/**
 * A private, throwaway nats-server (JetStream on, loopback only, temp store) for one test file,
 * started from the Debian `nats-server` binary. With TEST_NATS_URL (or NATS_URL) set, that server
 * is used instead and isolation comes from a unique prefix per test (`natsTestPrefix()`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface NatsServerHandle {
  url: string;
  /** True when TEST_NATS_URL / NATS_URL was given: stop/restart/kill are then not ours to do. */
  external: boolean;
  stop(): Promise<void>;
  /** Stops and starts again on the same port and store dir (JetStream state survives). */
  restart(): Promise<void>;
  /** SIGKILL, no goodbye: the crash case. Start again with `restart()`. */
  kill(): void;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const POLL_MS = 10;

const INSTALL_HINT =
  "nats-server was not found on PATH. Install it (Debian/Ubuntu: `apt-get install -y nats-server`) " +
  "or point TEST_NATS_URL at a running nats-server started with -js.";

let prefixCounter = 0;

/** A subject-token-safe prefix unique to this process and call: `t<pid>_<n>_<random>`. */
export function natsTestPrefix(): string {
  prefixCounter += 1;
  return `t${process.pid}_${prefixCounter}_${randomBytes(3).toString("hex")}`;
}

export function externalNatsUrl(): string | undefined {
  const url = process.env.TEST_NATS_URL ?? process.env.NATS_URL;
  return url === undefined || url === "" ? undefined : url;
}

export async function startNatsServer(): Promise<NatsServerHandle> {
  const external = externalNatsUrl();
  if (external !== undefined) return externalHandle(external);
  const port = await freePort();
  const storeDir = await mkdtemp(join(tmpdir(), "predator-nats-"));
  let child: ChildProcess;
  try {
    child = await launch(port, storeDir);
  } catch (error) {
    await rm(storeDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    external: false,
    async stop() {
      await terminate(child);
      await rm(storeDir, { recursive: true, force: true });
    },
    async restart() {
      await terminate(child);
      child = await launch(port, storeDir);
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

function externalHandle(url: string): NatsServerHandle {
  const refuse = (what: string) => {
    throw new Error(`cannot ${what} an external nats-server (${url}); unset TEST_NATS_URL`);
  };
  return {
    url,
    external: true,
    stop: () => Promise.resolve(),
    restart: () => Promise.reject(new Error(`cannot restart external nats-server ${url}`)),
    kill: () => {
      refuse("kill");
    },
  };
}

async function launch(port: number, storeDir: string): Promise<ChildProcess> {
  const args = ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir];
  const child = spawn("nats-server", args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "ENOENT" ? new Error(INSTALL_HINT, { cause: error }) : error);
    });
  });
  await spawned;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await acceptsTcp(port))) {
    if (child.exitCode !== null) {
      throw new Error(`nats-server exited with ${child.exitCode} before listening:\n${stderr}`);
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`nats-server did not listen on ${port} within ${READY_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return child;
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      resolve();
    }),
  );
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function acceptsTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => {
        if (port > 0) resolve(port);
        else reject(new Error("no free port"));
      });
    });
  });
}
