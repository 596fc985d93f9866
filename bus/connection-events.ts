/**
 * Connection events: the moment a bus connection opens or closes, by its name
 * (`<agent>.<instance>`). On NATS they come from the server's system account
 * (`$SYS.ACCOUNT.*.DISCONNECT`, bus/nats-system.ts): a kill -9 closes the socket and the server
 * announces it within milliseconds, long before a heartbeat could time out. In memory, the embedded
 * fleet announces the connections it opens and kills (`MemoryConnectionEvents`).
 */

export interface ConnectionEvent {
  /** The connection name, normally `<agent>.<instance>`. */
  name: string;
  /** When it happened, ms since the epoch (the server's clock on NATS). */
  at: number;
  /** Why the connection closed (the server's words, e.g. "Client Closed"). */
  reason?: string;
}

export type Unsubscribe = () => void;

export interface ConnectionEvents {
  onDisconnect(cb: (e: ConnectionEvent) => void): Unsubscribe;
  onConnect(cb: (e: ConnectionEvent) => void): Unsubscribe;
}

/** Splits `<agent>.<instance>`; null for any other form (system and tool connections). */
export function parseConnectionName(name: string): { agent: string; instance: string } | null {
  const match = /^([a-z][a-z0-9-]*)\.([A-Za-z0-9][A-Za-z0-9_-]*)$/.exec(name);
  return match === null ? null : { agent: match[1] ?? "", instance: match[2] ?? "" };
}

/** The in-memory source: whoever opens and kills connections calls `connected`/`disconnected`. */
export class MemoryConnectionEvents implements ConnectionEvents {
  private readonly disconnects = new Set<(e: ConnectionEvent) => void>();
  private readonly connects = new Set<(e: ConnectionEvent) => void>();

  onDisconnect(cb: (e: ConnectionEvent) => void): Unsubscribe {
    this.disconnects.add(cb);
    return () => this.disconnects.delete(cb);
  }

  onConnect(cb: (e: ConnectionEvent) => void): Unsubscribe {
    this.connects.add(cb);
    return () => this.connects.delete(cb);
  }

  connected(name: string, at: number): void {
    for (const cb of [...this.connects]) cb({ name, at });
  }

  disconnected(name: string, at: number, reason?: string): void {
    const event = reason === undefined ? { name, at } : { name, at, reason };
    for (const cb of [...this.disconnects]) cb(event);
  }
}
