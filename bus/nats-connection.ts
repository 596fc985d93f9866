/**
 * Opening a NATS connection for the adapter: explicit bounds on every timeout, reconnects that
 * never give up (fixed wait plus the client's jitter), JetStream streams set up before the bus
 * is handed out, and the client's status events mapped to `BusStatus`.
 */
import { connect, type NatsConnection, type Status } from "@nats-io/transport-node";
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import type { Clock } from "./clock.ts";
import { BusError } from "./errors.ts";
import { ensureStreams, WireNames } from "./nats-streams.ts";
import type { BusStatus } from "./port.ts";

/** The subset of pino the adapter uses. */
export interface BusLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export const silentLogger: BusLogger = { warn: () => undefined, info: () => undefined };

export interface NatsBusOptions {
  /** One URL, a comma-separated list (a cluster: `nats://a:4222,nats://b:4222`), or an array. */
  servers: string | string[];
  /** `<agent>.<instance>`: the NATS connection name and the `receivedBy` of dead letters. */
  name: string;
  clock: Clock;
  /** User and password for a server with per-agent users (infra/nats/); never logged. */
  user?: string;
  pass?: string;
  /** Namespaces subjects (`<prefix>.x.y`) and streams (`<prefix>_NAME`) on the wire. */
  prefix?: string;
  /** Wait between reconnect attempts (plus up to RECONNECT_JITTER_MS); attempts never stop. */
  reconnectTimeWaitMs?: number;
  /** Bound on the TCP + protocol handshake, and on each JetStream API call. */
  connectTimeoutMs?: number;
  /** Bound on waiting for JetStream's PubAck. */
  durablePublishTimeoutMs?: number;
  /** Bound on waiting for the server to confirm a durable ack. */
  ackTimeoutMs?: number;
  logger?: BusLogger;
  /**
   * Replicas of every registry stream: 1 on a single server, 3 on a three-node cluster (a stream
   * then survives the loss of one node with nothing acknowledged lost). Applied when the streams
   * are created or updated at connect; unset keeps what existing streams have (1 when new).
   */
  streamReplicas?: number;
}

export const RECONNECT_TIME_WAIT_MS = 500;
export const RECONNECT_JITTER_MS = 250;
export const CONNECT_TIMEOUT_MS = 5_000;
export const DURABLE_PUBLISH_TIMEOUT_MS = 5_000;
export const ACK_TIMEOUT_MS = 5_000;
/** Client pings: a silent server is declared stale after PING_INTERVAL_MS × MAX_PINGS_OUT. */
const PING_INTERVAL_MS = 10_000;
const MAX_PINGS_OUT = 3;

export interface OpenConnection {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: WireNames;
}

/** `"nats://a:4222, nats://b:4222"` → both URLs: NATS_URL may name every node of a cluster. */
export function serverList(servers: string | string[]): string[] {
  const list = typeof servers === "string" ? servers.split(",") : servers;
  return list.map((s) => s.trim()).filter((s) => s !== "");
}

export async function openConnection(options: NatsBusOptions): Promise<OpenConnection> {
  const names = new WireNames(options.prefix);
  const timeout = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: serverList(options.servers),
      name: options.name,
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.pass === undefined ? {} : { pass: options.pass }),
      timeout,
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? RECONNECT_TIME_WAIT_MS,
      reconnectJitter: RECONNECT_JITTER_MS,
      pingInterval: PING_INTERVAL_MS,
      maxPingOut: MAX_PINGS_OUT,
      // Otherwise the client builds an Error per request to keep the caller's stack in case it
      // fails: 15% of a request's CPU in bench/bus.ts. Our failures become named BusErrors that
      // carry the subject, so that context is not needed.
      noAsyncTraces: true,
    });
  } catch (error) {
    throw new BusError("CONNECT_FAILED", `cannot connect to ${String(options.servers)}`, {
      cause: error,
    });
  }
  try {
    const jsm = await jetstreamManager(nc, { timeout });
    await ensureStreams(jsm, names, options.streamReplicas);
    return { nc, js: jetstream(nc, { timeout }), jsm, names };
  } catch (error) {
    await nc.close();
    throw error instanceof BusError
      ? error
      : new BusError("JETSTREAM_UNAVAILABLE", "JetStream is not available", { cause: error });
  }
}

const STATUS_OF: Partial<Record<Status["type"], BusStatus>> = {
  disconnect: "disconnected",
  reconnecting: "reconnecting",
  reconnect: "connected",
  close: "closed",
};

/** Follows the client's status events until the connection closes. */
export async function watchStatus(
  nc: NatsConnection,
  name: string,
  logger: BusLogger,
  onStatus: (status: BusStatus) => void,
): Promise<void> {
  for await (const s of nc.status()) {
    const next = STATUS_OF[s.type];
    if (next !== undefined) onStatus(next);
    if (s.type === "reconnect" || s.type === "disconnect") {
      logger.info({ bus: name, server: s.server }, `nats ${s.type}`);
    } else if (s.type === "error") {
      logger.warn({ bus: name, err: s.error }, "nats error");
    }
  }
  onStatus("closed");
}
