/**
 * What the operator sees of the fleet: every agent instance heard on `hb.>` (pid, leader or
 * standby, heartbeat age) merged with the CRO's own liveness table (which still lists an instance
 * that went silent) and, inside `predator up`, with the supervisor's knowledge of its children (a
 * killed child is dead at once, before its heartbeat ages out).
 */
import type { Bus, Subscription } from "../../bus/port.ts";
import type { Clock } from "../../bus/clock.ts";
import type { Heartbeat } from "../../contracts/heartbeats.ts";

export interface HeardInstance {
  agent: string;
  instance: string;
  pid: number;
  leader: boolean | null;
  lifecycle: Heartbeat["lifecycle"];
  intervalMs: number;
  receivedAt: number;
  /** receipt − send time of the last heartbeat (bus delivery lag, clock skew included). */
  deliveryLagMs: number;
}

export type Role = "leader" | "standby" | "replica";

export interface AgentRow {
  agent: string;
  instance: string;
  pid: number | null;
  alive: boolean;
  heartbeatAgeMs: number | null;
  role: Role | null;
  lifecycle: Heartbeat["lifecycle"] | null;
}

/** A row of the CRO's liveness table (cro.state / status `agents`). */
export interface CroLivenessRow {
  agent: string;
  instance: string;
  alive: boolean;
  lastSeenAgeMs: number | null;
}

/** What the supervisor knows about one child (`<agent>.<instance>`). */
export interface LocalChild {
  name: string;
  pid: number | null;
  alive: boolean;
}

/** An instance is silent after this many of its own heartbeat intervals. */
export const SILENT_AFTER_INTERVALS = 3;
/** Instances not heard for this long are dropped from the view. */
const FORGET_AFTER_MS = 10 * 60_000;

export class HeartbeatTracker {
  private readonly heard = new Map<string, HeardInstance>();
  private sub: Subscription | null = null;

  constructor(private readonly clock: Clock) {}

  start(bus: Bus): void {
    this.sub = bus.subscribe("hb", (m) => {
      this.record(m, this.clock.now());
    });
  }

  record(m: Heartbeat, receivedAt: number): void {
    this.heard.set(`${m.agent}.${m.instance}`, {
      agent: m.agent,
      instance: m.instance,
      pid: m.pid,
      leader: m.leader,
      lifecycle: m.lifecycle,
      intervalMs: m.intervalMs,
      receivedAt,
      deliveryLagMs: Math.max(0, receivedAt - m.ts),
    });
  }

  instances(): HeardInstance[] {
    const now = this.clock.now();
    for (const [key, h] of this.heard)
      if (now - h.receivedAt > FORGET_AFTER_MS) this.heard.delete(key);
    return [...this.heard.values()];
  }

  async stop(): Promise<void> {
    await this.sub?.unsubscribe();
    this.sub = null;
  }
}

/** Merges the three sources into one row per instance, sorted by agent then instance. */
export function agentRows(
  heard: readonly HeardInstance[],
  cro: readonly CroLivenessRow[],
  local: readonly LocalChild[],
  now: number,
): AgentRow[] {
  const rows = new Map<string, AgentRow>();
  for (const h of heard) {
    const ageMs = Math.max(0, now - h.receivedAt);
    rows.set(`${h.agent}.${h.instance}`, {
      agent: h.agent,
      instance: h.instance,
      pid: h.pid,
      alive: ageMs < h.intervalMs * SILENT_AFTER_INTERVALS && healthyLifecycle(h),
      heartbeatAgeMs: ageMs,
      role: h.leader === null ? "replica" : h.leader ? "leader" : "standby",
      lifecycle: h.lifecycle,
    });
  }
  for (const c of cro) {
    const key = `${c.agent}.${c.instance}`;
    if (rows.has(key) || c.instance === "none") continue;
    // Known to the CRO but not heard while we listened: silent, so not alive.
    rows.set(key, {
      agent: c.agent,
      instance: c.instance,
      pid: null,
      alive: false,
      heartbeatAgeMs: c.lastSeenAgeMs,
      role: null,
      lifecycle: null,
    });
  }
  for (const child of local) {
    const row = rows.get(child.name);
    // A dead child, or a new pid whose first heartbeat has not arrived: the row is not alive.
    if (row !== undefined && (!child.alive || child.pid !== row.pid)) row.alive = false;
  }
  return [...rows.values()].sort(
    (a, b) => compare(a.agent, b.agent) || compare(a.instance, b.instance),
  );
}

/**
 * Agents with no healthy instance: none alive, or (for a singleton) no live leader. An agent is
 * a singleton when any of its instances reports a leader flag.
 */
export function unhealthyAgents(rows: readonly AgentRow[], required: readonly string[]): string[] {
  return required.filter((agent) => {
    const mine = rows.filter((r) => r.agent === agent);
    const singleton = mine.some((r) => r.role === "leader" || r.role === "standby");
    return !mine.some((r) => r.alive && (!singleton || r.role === "leader"));
  });
}

/** Running, or a singleton's hot standby, which stays "starting" while it waits for the lease. */
function healthyLifecycle(h: HeardInstance): boolean {
  return h.lifecycle === "running" || (h.leader === false && h.lifecycle === "starting");
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
