/**
 * A private, throwaway nats-server (JetStream on, loopback only, temp store) for one test file,
 * started from the Debian `nats-server` binary, or as a container (testcontainers, the image the
 * compose file names) when the service switch (./services.ts) says `containers`. With
 * TEST_NATS_URL (or NATS_URL) set, that server is used instead and isolation comes from a unique
 * prefix per test (`natsTestPrefix()`). A secured server (`secure: true`) is always a private
 * process: its tests read the server's own log for permission violations.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  NATS_USERS,
  SYS_USER,
  passwordEnvOf,
  renderAuthBlock,
} from "../../infra/nats/permissions.ts";
import { NATS_IMAGE, serviceBackend } from "./services.ts";

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
const PORT_ATTEMPTS = 5;

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

export async function startNatsServer(): Promise<NatsServerHandle>;
export async function startNatsServer(options: {
  secure: true;
}): Promise<NatsServerHandle & { secure: SecureNats }>;
export async function startNatsServer(options: {
  secure?: boolean;
}): Promise<NatsServerHandle & { secure?: SecureNats }>;
/**
 * `secure: true` starts the server with the accounts, per-agent users and permissions of
 * infra/nats/permissions.ts (random passwords) and returns them in `secure`; it needs a private
 * server, so it refuses when TEST_NATS_URL / NATS_URL is set.
 */
export async function startNatsServer(
  options: { secure?: boolean } = {},
): Promise<NatsServerHandle & { secure?: SecureNats }> {
  const external = externalNatsUrl();
  if (external !== undefined && options.secure === true) {
    throw new Error(`a secured nats-server must be private; unset TEST_NATS_URL (${external})`);
  }
  if (external !== undefined) return externalHandle(external);
  if (options.secure !== true && (await serviceBackend()) === "containers") {
    return startNatsContainer();
  }
  // A port found free can be taken by a parallel test before nats-server binds it; only that
  // exact failure ("address already in use") picks another port, a bounded number of times.
  let port = 0;
  let storeDir = "";
  let secure: Awaited<ReturnType<typeof secureSetup>> | undefined;
  let child: ChildProcess | undefined;
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    storeDir = await mkdtemp(join(tmpdir(), "predator-nats-"));
    secure = options.secure === true ? await secureSetup(port, storeDir) : undefined;
    try {
      child = await launch(port, storeDir, secure?.launch);
    } catch (error) {
      await rm(storeDir, { recursive: true, force: true });
      if (attempt >= PORT_ATTEMPTS || !/address already in use/i.test(String(error))) throw error;
    }
  }
  let proc: ChildProcess = child;
  return {
    url: `nats://127.0.0.1:${port}`,
    external: false,
    ...(secure === undefined ? {} : { secure: secure.nats }),
    async stop() {
      await terminate(proc);
      await rm(storeDir, { recursive: true, force: true });
    },
    async restart() {
      await terminate(proc);
      proc = await launch(port, storeDir, secure?.launch);
    },
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    },
  };
}

/** The same server as a container; its store lives in the container, so a restart keeps it. */
async function startNatsContainer(): Promise<NatsServerHandle> {
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import("testcontainers");
  const runtime = await getContainerRuntimeClient();
  // A fixed host port, so that a restart keeps the URL the test's clients reconnect to.
  const port = await freePort();
  const container = await new GenericContainer(NATS_IMAGE)
    .withCommand(["-js", "-sd", "/data", "-p", "4222"])
    .withExposedPorts({ container: 4222, host: port })
    .withWaitStrategy(Wait.forListeningPorts())
    .withStartupTimeout(READY_TIMEOUT_MS)
    .start();
  let killed: Promise<unknown> = Promise.resolve();
  const ready = async () => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await acceptsTcp(port))) {
      if (Date.now() > deadline) throw new Error(`nats container did not listen on ${port}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    external: false,
    async stop() {
      await killed.catch(() => undefined);
      await container.stop({ timeout: STOP_TIMEOUT_MS });
    },
    async restart() {
      await killed;
      await container.restart({ timeout: STOP_TIMEOUT_MS });
      await ready();
    },
    kill() {
      killed = runtime.container.getById(container.getId()).kill({ signal: "SIGKILL" });
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

interface SecureLaunch {
  configFile: string;
  env: Record<string, string>;
  /** Every line the server logs (permission violations are logged as errors). */
  onLog(line: string): void;
}

async function launch(
  port: number,
  storeDir: string,
  secure?: SecureLaunch,
): Promise<ChildProcess> {
  const args =
    secure === undefined
      ? ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir]
      : ["-c", secure.configFile];
  const child = spawn("nats-server", args, {
    stdio: ["ignore", "ignore", "pipe"],
    ...(secure === undefined ? {} : { env: { ...process.env, ...secure.env } }),
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    const text = chunk.toString();
    stderr = (stderr + text).slice(-4000);
    if (secure !== undefined)
      for (const line of text.split("\n")) if (line !== "") secure.onLog(line);
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

/** SIGTERM, then SIGKILL after a bound; resolves once the process has exited. */
export async function terminate(child: ChildProcess): Promise<void> {
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

export function acceptsTcp(port: number): Promise<boolean> {
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

export function freePort(): Promise<number> {
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

/** Credentials of a secured test server (see infra/nats/permissions.ts). */
export interface SecureNats {
  /** user → password, for every user of the config (agents, venue-sim, ops, sys). */
  passwords: Readonly<Record<string, string>>;
  /** The environment that gives a spawned `predator` process every user's password. */
  env: Readonly<Record<string, string>>;
  /** The connect options of one user: `{ user, pass }`. */
  credentials(user: string): { user: string; pass: string };
  /** Server log lines mentioning a permission violation, so far. */
  violations(): string[];
}

async function secureSetup(
  port: number,
  storeDir: string,
): Promise<{ nats: SecureNats; launch: SecureLaunch }> {
  const passwords: Record<string, string> = {};
  const env: Record<string, string> = {};
  for (const u of NATS_USERS) {
    // nats-server parses a `$VAR` value like config: one starting with a digit or "-" is read as
    // a number and the server refuses to start. A letter first keeps it a string.
    const password = `p${randomBytes(18).toString("hex")}`;
    passwords[u.user] = password;
    env[u.passwordEnv] = password;
  }
  const configFile = `${storeDir}.conf`;
  const config = [
    `listen: "127.0.0.1:${port}"`,
    `jetstream { store_dir: ${JSON.stringify(storeDir)} }`,
    renderAuthBlock(),
    ``,
  ].join("\n");
  await writeFile(configFile, config);
  const violations: string[] = [];
  const nats: SecureNats = {
    passwords,
    env,
    credentials(user) {
      const pass = passwords[user];
      if (pass === undefined) throw new Error(`no NATS user "${user}" (sys is "${SYS_USER}")`);
      return { user, pass };
    },
    violations: () => [...violations],
  };
  const launch: SecureLaunch = {
    configFile,
    env,
    onLog(line) {
      if (/violation/i.test(line)) violations.push(line);
    },
  };
  return { nats, launch };
}

/** The environment variable a process reads its NATS password from, per user. */
export { passwordEnvOf };
