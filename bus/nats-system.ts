/**
 * Connection events from the NATS server's system account: the server publishes
 * `$SYS.ACCOUNT.<account>.CONNECT` and `.DISCONNECT` for every client, carrying the connection name
 * (`<agent>.<instance>`), so a subscriber with system-account credentials learns of a killed
 * process about as fast as the server notices its socket close (a few ms on loopback), not after a
 * heartbeat timeout. The CRO holds this second connection (infra/nats/permissions.ts, user "sys").
 */
import { connect, type Msg, type NatsConnection } from "@nats-io/transport-node";
import type { ConnectionEvent, ConnectionEvents, Unsubscribe } from "./connection-events.ts";
import { BusError } from "./errors.ts";
import {
  CONNECT_TIMEOUT_MS,
  RECONNECT_JITTER_MS,
  RECONNECT_TIME_WAIT_MS,
} from "./nats-connection.ts";
import type { BusLogger } from "./nats-connection.ts";

export const CONNECT_SUBJECT = "$SYS.ACCOUNT.*.CONNECT";
export const DISCONNECT_SUBJECT = "$SYS.ACCOUNT.*.DISCONNECT";

export interface SystemEventsOptions {
  servers: string | string[];
  user: string;
  pass: string;
  /** This connection's own name, e.g. `cro.1.sys` (not `<agent>.<instance>`: it is no agent). */
  name: string;
  logger?: BusLogger;
  connectTimeoutMs?: number;
}

interface Advisory {
  timestamp?: unknown;
  reason?: unknown;
  client?: { name?: unknown; acc?: unknown };
}

const decoder = new TextDecoder();

/** Reads one advisory; null when it is not one we can use (no client name). */
export function parseAdvisory(data: Uint8Array): ConnectionEvent | null {
  let json: Advisory;
  try {
    json = JSON.parse(decoder.decode(data)) as Advisory;
  } catch {
    return null;
  }
  const name = json.client?.name;
  if (typeof name !== "string" || name === "") return null;
  const at = typeof json.timestamp === "string" ? Date.parse(json.timestamp) : Number.NaN;
  const event: ConnectionEvent = { name, at: Number.isFinite(at) ? at : 0 };
  if (typeof json.reason === "string" && json.reason !== "") event.reason = json.reason;
  return event;
}

export class NatsConnectionEvents implements ConnectionEvents {
  private readonly disconnects = new Set<(e: ConnectionEvent) => void>();
  private readonly connects = new Set<(e: ConnectionEvent) => void>();

  /** Connects with system-account credentials and subscribes before resolving. */
  static async connect(options: SystemEventsOptions): Promise<NatsConnectionEvents> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: options.servers,
        name: options.name,
        user: options.user,
        pass: options.pass,
        timeout: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
        maxReconnectAttempts: -1,
        reconnectTimeWait: RECONNECT_TIME_WAIT_MS,
        reconnectJitter: RECONNECT_JITTER_MS,
      });
    } catch (error) {
      throw new BusError("CONNECT_FAILED", `cannot connect to the system account`, {
        cause: error,
      });
    }
    const events = new NatsConnectionEvents(nc, options.logger);
    try {
      await nc.flush();
    } catch (error) {
      await nc.close();
      throw new BusError("CONNECT_FAILED", "system-account subscriptions failed", { cause: error });
    }
    return events;
  }

  private constructor(
    private readonly nc: NatsConnection,
    logger: BusLogger | undefined,
  ) {
    const listen = (subject: string, targets: Set<(e: ConnectionEvent) => void>) => {
      nc.subscribe(subject, {
        callback: (error, msg: Msg) => {
          if (error !== null) {
            logger?.warn({ err: error, subject }, "system event subscription failed");
            return;
          }
          const event = parseAdvisory(msg.data);
          if (event === null) return;
          for (const cb of [...targets]) cb(event);
        },
      });
    };
    listen(DISCONNECT_SUBJECT, this.disconnects);
    listen(CONNECT_SUBJECT, this.connects);
  }

  onDisconnect(cb: (e: ConnectionEvent) => void): Unsubscribe {
    this.disconnects.add(cb);
    return () => this.disconnects.delete(cb);
  }

  onConnect(cb: (e: ConnectionEvent) => void): Unsubscribe {
    this.connects.add(cb);
    return () => this.connects.delete(cb);
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.close();
  }
}
