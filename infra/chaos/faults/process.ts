/**
 * Process faults on the embedded fleet: crash (kill -9, then a restart after the downtime, the CRO
 * included), pause (a hang: no mailbox processing, no heartbeats) and a slow leak (each mailbox item
 * waits a little longer than the last). One process fault per agent at a time.
 */
import { AGENT_NAMES, type AgentName } from "../../../agents/catalog.ts";
import type { ChaosWorld, FaultContext, FaultKind, Injection } from "./types.ts";

/** Which agents are dead or held, so episodes do not stack on one agent and heal finds them. */
export class ProcessChaos {
  private readonly busy = new Set<AgentName>();
  private readonly dead = new Set<AgentName>();
  readonly counts = { killed: 0, restarted: 0, restartFailures: 0 };

  constructor(private readonly world: ChaosWorld) {}

  /** A free agent drawn by the seeded rng, or null when all are already affected. */
  pick(ctx: FaultContext): AgentName | null {
    const free = AGENT_NAMES.filter((a) => !this.busy.has(a));
    return free.length === 0 ? null : (free[ctx.rng.int(0, free.length - 1)] ?? null);
  }

  claim(agent: AgentName): void {
    this.busy.add(agent);
  }

  release(agent: AgentName): void {
    this.busy.delete(agent);
  }

  kill(agent: AgentName): void {
    this.dead.add(agent);
    this.counts.killed++;
    // Killing only closes an in-memory connection; nothing here waits on virtual time.
    void this.world.fleet.kill(agent);
  }

  /**
   * Starts a killed agent again. Not awaited: a singleton waits for its lease and an actor's start
   * may call the venue, both on the virtual clock that only moves once this callback returns.
   */
  restart(agent: AgentName): void {
    if (!this.dead.delete(agent)) return;
    this.counts.restarted++;
    this.world.fleet.start(this.world.definition(agent)).catch(() => {
      this.counts.restartFailures++;
    });
  }

  restartAll(): void {
    for (const agent of [...this.dead]) this.restart(agent);
    this.busy.clear();
  }
}

export function processFaults(chaos: () => ProcessChaos): FaultKind[] {
  const crash: FaultKind = {
    kind: "process.crash",
    family: "process",
    durationMs: [1_000, 30_000],
    inject(ctx: FaultContext): Injection | null {
      const p = chaos();
      const agent = p.pick(ctx);
      if (agent === null || ctx.world.fleet.host(agent) === undefined) return null;
      p.claim(agent);
      p.kill(agent);
      return {
        target: agent,
        detail: "killed (kill -9); restarts when healed",
        heal: () => {
          p.restart(agent);
          p.release(agent);
        },
      };
    },
  };
  const pause: FaultKind = {
    kind: "process.pause",
    family: "process",
    durationMs: [2_000, 60_000],
    inject(ctx: FaultContext): Injection | null {
      const p = chaos();
      const agent = p.pick(ctx);
      if (agent === null || ctx.world.fleet.host(agent) === undefined) return null;
      p.claim(agent);
      ctx.world.fleet.pause(agent);
      return {
        target: agent,
        detail: "hung: no mailbox processing, no heartbeats",
        heal: () => {
          ctx.world.fleet.resume(agent);
          p.release(agent);
        },
      };
    },
  };
  const leak: FaultKind = {
    kind: "process.leak",
    perDay: 0.5,
    family: "process",
    durationMs: [60_000, 1_800_000],
    inject(ctx: FaultContext): Injection | null {
      const p = chaos();
      const agent = p.pick(ctx);
      const host = agent === null ? undefined : ctx.world.fleet.host(agent);
      if (agent === null || host === undefined) return null;
      p.claim(agent);
      const clock = ctx.world.clock;
      const since = clock.now();
      // +1 ms of latency per 10 s of leak, up to 500 ms × intensity per item.
      const maxMs = Math.round(500 * ctx.intensity);
      host.setProcessingDelay(() => Math.min(maxMs, Math.floor((clock.now() - since) / 10_000)));
      return {
        target: agent,
        detail: `mailbox latency growing 1 ms / 10 s up to ${maxMs} ms`,
        heal: () => {
          host.setProcessingDelay(null);
          p.release(agent);
        },
      };
    },
  };
  return [crash, pause, leak];
}
