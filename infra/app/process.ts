/**
 * Runs one agent as its own process on NATS and PostgreSQL: connects with the connection named
 * `<agent>.<instance>` (so the NATS server's disconnect event names it), starts the ActorHost, stops
 * gracefully on SIGTERM/SIGINT (drain, ack, close) and exits non-zero on a crash so the supervisor
 * (or Docker's restart policy) restarts it. Startup and recovery are the same code path.
 */
import { hostname } from "node:os";
import { SystemClock } from "../../bus/clock.ts";
import { SystemRng } from "../../bus/rng.ts";
import { NatsBus } from "../../bus/nats.ts";
import { PgStore } from "../store/pg.ts";
import type { Mode } from "../../contracts/common.ts";
import type { AgentDefinition } from "../../agents/runtime/actor.ts";
import { loadConfig, runtimeSettings, type RuntimeSettings } from "../../agents/runtime/config.ts";
import { ConfigError } from "../../agents/runtime/errors.ts";
import { ActorHost, DEFAULT_HOST_SETTINGS } from "../../agents/runtime/host.ts";
import { createLogger, type Logger } from "../../agents/runtime/logger.ts";
import { natsCredentials } from "../nats/auth.ts";
import type { Bus } from "../../bus/port.ts";
import type { Store } from "../../agents/runtime/store.ts";

/** Exit code of a crashed agent (EX_SOFTWARE). */
export const CRASH_EXIT_CODE = 70;

export function modeOf(setting: RuntimeSettings["PREDATOR_MODE"]): Mode {
  switch (setting) {
    case "paper":
      return "PAPER";
    case "dry-run":
      return "DRY_RUN";
    case "live":
      return "LIVE";
    case "sim":
      return "SIM";
  }
}

export interface ProcessServices {
  bus: Bus;
  store: Store;
  clock: SystemClock;
  rng: SystemRng;
  log: Logger;
  settings: RuntimeSettings;
  instance: string;
}

/** The hostname as an instance id (letters, digits, _ and -; at most 64). */
function hostInstance(): string {
  const id = hostname()
    .replace(/[^A-Za-z0-9_-]/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "");
  return id === "" ? "p1" : id.slice(0, 64);
}

/** Connects to NATS and PostgreSQL for a process named `<agent>.<instance>`. */
export async function connectServices(
  agent: string,
  env: Record<string, string | undefined> = process.env,
): Promise<ProcessServices> {
  const settings = loadConfig(runtimeSettings, env);
  // In a container every process is pid 1: the hostname (the container id) tells replicas apart.
  const instance =
    settings.PREDATOR_INSTANCE ?? (process.pid === 1 ? hostInstance() : `p${process.pid}`);
  if (settings.NATS_URL === undefined)
    throw new ConfigError("NATS_URL", "required to run an agent as its own process");
  if (settings.DATABASE_URL === undefined)
    throw new ConfigError("DATABASE_URL", "required to run an agent as its own process");
  const log = createLogger({ agent, instance });
  const clock = new SystemClock();
  const bus = await NatsBus.connect({
    servers: settings.NATS_URL,
    name: `${agent}.${instance}`,
    clock,
    logger: log,
    ...(settings.PREDATOR_NATS_REPLICAS === undefined
      ? {}
      : { streamReplicas: settings.PREDATOR_NATS_REPLICAS }),
    ...natsCredentials(agent, env),
    ...(env.PREDATOR_NATS_PREFIX === undefined ? {} : { prefix: env.PREDATOR_NATS_PREFIX }),
  });
  let store: PgStore;
  try {
    store = await PgStore.open(settings.DATABASE_URL);
  } catch (error) {
    // An open NATS connection would keep this failed process alive (hung, never restarted).
    await bus.close().catch(() => undefined);
    throw error;
  }
  return { bus, store, clock, rng: new SystemRng(), log, settings, instance };
}

/** Runs `definition` until a signal or a crash; resolves with the exit code. */
export async function runAgentProcess(
  definition: AgentDefinition,
  services: ProcessServices,
): Promise<number> {
  const { bus, store, clock, rng, log, settings, instance } = services;
  const host = new ActorHost(
    definition,
    instance,
    { bus, clock, rng, store, log, mode: modeOf(settings.PREDATOR_MODE), pid: process.pid },
    {
      ...DEFAULT_HOST_SETTINGS,
      heartbeatMs: settings.PREDATOR_HEARTBEAT_MS,
      mailboxCapacity: settings.PREDATOR_MAILBOX_CAPACITY,
      stopTimeoutMs: settings.PREDATOR_STOP_TIMEOUT_MS,
      leaseTtlMs: settings.PREDATOR_LEASE_TTL_MS,
    },
  );
  const done = new Promise<number>((resolve) => {
    host.onCrash(() => {
      resolve(CRASH_EXIT_CODE);
    });
    const stop = (signal: string) => {
      log.info({ signal }, "stopping");
      void host.stop().then(() => {
        resolve(0);
      });
    };
    process.once("SIGTERM", () => {
      stop("SIGTERM");
    });
    process.once("SIGINT", () => {
      stop("SIGINT");
    });
  });
  await host.start();
  const code = await done;
  await bus.close().catch(() => undefined);
  await store.close().catch(() => undefined);
  return code;
}
