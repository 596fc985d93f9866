/**
 * Agent liveness from heartbeats. An instance is alive while its last heartbeat is younger than
 * `agent_timeout_ms`, says `running`, and (for a singleton) says it holds the lease; an agent is
 * alive when one of its instances is. Ages are measured on the CRO's own clock at receipt, so a
 * sender's clock skew cannot make a dead agent look alive. The CRO checks on a timer, so silence is
 * noticed without any new message.
 */
import type { Heartbeat } from "../../contracts/heartbeats.ts";

interface Seen {
  agent: string;
  instance: string;
  receivedAt: number;
  lifecycle: Heartbeat["lifecycle"];
  leader: boolean | null;
  /** Its bus connection closed (a connection event, bus/connection-events.ts): not alive. */
  disconnectedAt: number | null;
  disconnectReason: string | null;
  /** A connection of the same name opened again after the disconnect. */
  reconnected: boolean;
  /** The CRO's own stalled time (`Liveness.stalledMs`) when this heartbeat was received. */
  stalledAtReceipt: number;
}

export interface InstanceLiveness {
  agent: string;
  instance: string;
  alive: boolean;
  lastSeenAgeMs: number | null;
}

/** The placeholder instance name of a required agent never heard from. */
export const NEVER_SEEN = "none";

export class Liveness {
  private readonly seen = new Map<string, Seen>();
  /** When the CRO's check timer last fired, and how long, in all, it fired late (its stalls). */
  private lastTickAt: number | null = null;
  private stalledMs = 0;

  constructor(
    private readonly requiredAgents: readonly string[],
    private readonly forgetMs: number,
  ) {}

  record(hb: Heartbeat, receivedAt: number): void {
    const key = `${hb.agent}.${hb.instance}`;
    const prior = this.seen.get(key);
    // A heartbeat already in flight when the connection dropped must not revive the instance; one
    // after a reconnect, or a full interval after the drop, proves the process is back.
    const gone = prior?.disconnectedAt ?? null;
    const stillGone =
      prior !== undefined &&
      gone !== null &&
      !prior.reconnected &&
      receivedAt - gone < hb.intervalMs;
    this.seen.set(key, {
      agent: hb.agent,
      instance: hb.instance,
      receivedAt,
      lifecycle: hb.lifecycle,
      leader: hb.leader,
      disconnectedAt: stillGone ? gone : null,
      disconnectReason: stillGone ? prior.disconnectReason : null,
      reconnected: false,
      stalledAtReceipt: this.stalledMs,
    });
  }

  /**
   * The CRO's periodic check fired at `now`, every `periodMs`. Time it fired late is the CRO's own
   * stall (a GC pause, a starved CPU): heartbeats that arrived meanwhile are still waiting in its
   * socket (Node runs due timers before it reads sockets), so that time is nobody's silence. A
   * hang is then detected that much later, never falsely (issue 19: hang detection ≤ 1 s with no
   * false halt on a loaded machine).
   */
  tick(now: number, periodMs: number): void {
    if (this.lastTickAt !== null) this.stalledMs += Math.max(0, now - this.lastTickAt - periodMs);
    this.lastTickAt = now;
  }

  /** How long an instance has been silent on the CRO's clock, its own stalls not counted. */
  private silentMs(s: Seen, now: number): number {
    return Math.max(0, now - s.receivedAt - (this.stalledMs - s.stalledAtReceipt));
  }

  /**
   * The instance's bus connection closed: it is dead now, not after the heartbeat timeout.
   * Returns true when that instance was alive (a standby or an unknown one changes nothing).
   */
  disconnected(
    agent: string,
    instance: string,
    at: number,
    timeoutMs: number,
    reason?: string,
  ): boolean {
    const key = `${agent}.${instance}`;
    const s = this.seen.get(key);
    if (s === undefined) return false;
    const wasAlive = instanceAlive(s, this.silentMs(s, at), timeoutMs);
    this.seen.set(key, {
      ...s,
      disconnectedAt: at,
      disconnectReason: reason ?? null,
      reconnected: false,
    });
    return wasAlive;
  }

  /** A connection of that name opened again: its next heartbeat counts. */
  connected(agent: string, instance: string): void {
    const key = `${agent}.${instance}`;
    const s = this.seen.get(key);
    if (s !== undefined && s.disconnectedAt !== null)
      this.seen.set(key, { ...s, reconnected: true });
  }

  /** Every known instance plus a placeholder for each required agent never seen. */
  table(now: number, timeoutMs: number): InstanceLiveness[] {
    this.forget(now);
    const rows: InstanceLiveness[] = [...this.seen.values()]
      .sort((a, b) => compare(a.agent, b.agent) || compare(a.instance, b.instance))
      .map((s) => ({
        agent: s.agent,
        instance: s.instance,
        alive: instanceAlive(s, this.silentMs(s, now), timeoutMs),
        lastSeenAgeMs: this.silentMs(s, now),
      }));
    for (const agent of this.requiredAgents) {
      if (!rows.some((r) => r.agent === agent)) {
        rows.push({ agent, instance: NEVER_SEEN, alive: false, lastSeenAgeMs: null });
      }
    }
    return rows;
  }

  /** Required agents with no live instance, each with the reason. */
  down(now: number, timeoutMs: number): { agent: string; why: string }[] {
    // What table() says of each required agent, without sorting and copying every row: the CRO
    // asks at every evaluation (several times a simulated second).
    this.forget(now);
    const out: { agent: string; why: string }[] = [];
    for (const agent of this.requiredAgents) {
      if (this.anyAlive(agent, now, timeoutMs)) continue;
      out.push({ agent, why: `${agent}: ${this.whyDown(agent, now, timeoutMs)}` });
    }
    return out;
  }

  private anyAlive(agent: string, now: number, timeoutMs: number): boolean {
    for (const s of this.seen.values()) {
      if (s.agent === agent && instanceAlive(s, this.silentMs(s, now), timeoutMs)) return true;
    }
    return false;
  }

  private whyDown(agent: string, now: number, timeoutMs: number): string {
    const instances = [...this.seen.values()].filter((s) => s.agent === agent);
    if (instances.length === 0) return "never seen";
    const dropped = instances.find((s) => s.disconnectedAt !== null && s.leader !== false);
    if (dropped !== undefined && dropped.disconnectedAt !== null) {
      const why = dropped.disconnectReason === null ? "" : ` (${dropped.disconnectReason})`;
      const ago = Math.max(0, now - dropped.disconnectedAt);
      return `instance ${dropped.instance} disconnected from the bus ${ago} ms ago${why}`;
    }
    const freshest = instances.reduce((a, b) => (b.receivedAt > a.receivedAt ? b : a));
    const age = this.silentMs(freshest, now);
    if (age >= timeoutMs) return `silent for ${age} ms (timeout ${timeoutMs} ms)`;
    if (freshest.lifecycle !== "running") return `lifecycle ${freshest.lifecycle}`;
    return "no instance holds the singleton lease";
  }

  private forget(now: number): void {
    for (const [key, s] of this.seen) {
      if (now - s.receivedAt > this.forgetMs) this.seen.delete(key);
    }
  }
}

function instanceAlive(s: Seen, silentMs: number, timeoutMs: number): boolean {
  return (
    s.disconnectedAt === null &&
    silentMs < timeoutMs &&
    s.lifecycle === "running" &&
    s.leader !== false
  );
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
