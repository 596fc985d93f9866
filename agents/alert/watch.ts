/**
 * The conditions the Alert agent watches between messages: which agents are alive, how each feed
 * is doing, the trading state, and the day's PnL against the drawdown limit. Pure state, time
 * passed in; each method returns the incidents it found.
 */
import type { CroState } from "../../contracts/cro.ts";
import type { Heartbeat } from "../../contracts/heartbeats.ts";
import type { MdHealth } from "../../contracts/market-data.ts";
import type { Position } from "../../contracts/positions.ts";
import {
  agentBackIncident,
  agentDeadIncident,
  agentStoppedIncident,
  croStateIncident,
  drawdownIncident,
  feedIncident,
  feedRecoveredIncident,
  strategyHaltIncident,
  strategyLossLimitIncident,
  strategyResumedIncident,
  utcDay,
  type Incident,
} from "./incidents.ts";

const DAY_MS = 86_400_000;

interface Instance {
  lastSeenAt: number;
  dead: boolean;
}

/** Agent instances by heartbeat: dead past the timeout, back when heartbeats resume. */
export class Liveness {
  private readonly instances = new Map<string, Instance>();

  constructor(
    private readonly bounds: {
      agentTimeoutMs: number;
      instanceForgetMs: number;
      instancesMax: number;
    },
  ) {}

  onHeartbeat(m: Heartbeat, now: number): Incident | null {
    const key = `${m.agent}.${m.instance}`;
    const was = this.instances.get(key);
    this.instances.delete(key);
    if (m.lifecycle === "stopped") return agentStoppedIncident(key);
    if (this.instances.size >= this.bounds.instancesMax) {
      const oldest = this.instances.keys().next();
      if (oldest.done !== true) this.instances.delete(oldest.value);
    }
    this.instances.set(key, { lastSeenAt: now, dead: false });
    return was?.dead === true ? agentBackIncident(key) : null;
  }

  check(now: number): Incident[] {
    const out: Incident[] = [];
    for (const [key, seen] of this.instances) {
      const silentMs = now - seen.lastSeenAt;
      if (seen.dead && silentMs > this.bounds.instanceForgetMs) this.instances.delete(key);
      else if (!seen.dead && silentMs > this.bounds.agentTimeoutMs) {
        seen.dead = true;
        out.push(agentDeadIncident(key, silentMs));
      }
    }
    return out;
  }
}

/** Feed health: STALE or DOWN raise an incident, the return to OK another. */
export class FeedWatch {
  private readonly last = new Map<string, string>();

  onHealth(m: MdHealth): Incident | null {
    const before = this.last.get(m.feed);
    this.last.set(m.feed, m.status);
    const bad = feedIncident(m);
    if (bad !== null) return bad;
    const wasBad = before === "STALE" || before === "DOWN";
    return m.status === "OK" && wasBad ? feedRecoveredIncident(m.feed, before) : null;
  }
}

/**
 * Trading-state changes only (the CRO republishes its state every 500 ms). The first state seen is
 * worth telling unless it is ACTIVE: starting up into a healthy fleet is not news.
 */
export class CroWatch {
  private last: { state: string; since: number; epoch: number } | null = null;
  /** Halted strategies by name → since; null until a state that carries them. */
  private halts: Map<string, number> | null = null;
  /** Strategies at their session max loss in the last state that carried the list. */
  private lossLimits = new Set<string>();

  onState(m: CroState): Incident | null {
    const prev = this.last;
    this.last = { state: m.state, since: m.since, epoch: m.epoch };
    if (prev === null) return m.state === "ACTIVE" ? null : croStateIncident(m);
    const same = prev.state === m.state && prev.since === m.since && prev.epoch === m.epoch;
    return same ? null : croStateIncident(m);
  }

  /**
   * Strategy halts: each new one (a halt already in force when the Alert agent starts included:
   * the incident key dedupes a repeat), and each lifted one.
   */
  /** A strategy newly at its manifest's session max loss (its entries are vetoed from now). */
  onStrategyLossLimits(m: CroState): Incident[] {
    if (m.strategyLossLimits === undefined) return [];
    const out: Incident[] = [];
    for (const l of m.strategyLossLimits) {
      if (!this.lossLimits.has(l.strategy)) out.push(strategyLossLimitIncident(l, m.ts));
    }
    this.lossLimits = new Set(m.strategyLossLimits.map((l) => l.strategy));
    return out;
  }

  onStrategyHalts(m: CroState): Incident[] {
    if (m.strategyHalts === undefined) return [];
    const before = this.halts ?? new Map<string, number>();
    const now = new Map(m.strategyHalts.map((h) => [h.strategy, h.since]));
    this.halts = now;
    const out: Incident[] = [];
    for (const h of m.strategyHalts) {
      if (before.get(h.strategy) !== h.since) out.push(strategyHaltIncident(h));
    }
    for (const [strategy, since] of before) {
      if (!now.has(strategy)) out.push(strategyResumedIncident(strategy, since));
    }
    return out;
  }
}

/**
 * The day's PnL as the alert sees it: realized plus unrealized PnL of every position open now or
 * closed today (UTC). Each threshold fires once per day.
 */
export class Drawdown {
  private readonly positions = new Map<
    string,
    Pick<Position, "realizedPnl" | "unrealizedPnl" | "closedAt">
  >();
  private readonly fired = new Set<string>();

  constructor(private readonly thresholdsPct: readonly number[]) {}

  onPosition(p: Pick<Position, "positionId" | "realizedPnl" | "unrealizedPnl" | "closedAt">): void {
    this.positions.set(p.positionId, {
      realizedPnl: p.realizedPnl,
      unrealizedPnl: p.unrealizedPnl,
      closedAt: p.closedAt,
    });
  }

  dailyPnl(now: number): number {
    const dayStart = now - (now % DAY_MS);
    let pnl = 0;
    for (const [id, p] of this.positions) {
      if (p.closedAt !== null && p.closedAt < dayStart) this.positions.delete(id);
      else pnl += p.realizedPnl + p.unrealizedPnl;
    }
    return pnl;
  }

  check(now: number, limitMicro: number): Incident[] {
    const loss = -this.dailyPnl(now);
    const day = utcDay(now);
    const out: Incident[] = [];
    for (const pct of [...this.thresholdsPct].sort((a, b) => a - b)) {
      const key = `${day}:${pct}`;
      if (limitMicro <= 0 || loss * 100 < limitMicro * pct || this.fired.has(key)) continue;
      this.fired.add(key);
      out.push(drawdownIncident(day, pct, loss, limitMicro));
    }
    for (const key of this.fired) if (!key.startsWith(day)) this.fired.delete(key);
    return out;
  }
}
