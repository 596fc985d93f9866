/**
 * The chaos engine: independent of trading logic, it decides when to inject which fault, records
 * every injection with its heal time, and undoes everything on `heal()` so the system can show it
 * recovers. All timing is on the world's virtual clock and all draws come from forks of its Rng,
 * so the same seed gives the same fault schedule.
 *
 * Per seed (swarm testing): the plan enables a random subset of fault kinds, each with a rate drawn
 * around its base; each enabled kind then runs as a Poisson process of episodes, one episode of a
 * kind at a time (the next is drawn after the current one heals).
 */
import type { TimerHandle } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import {
  BusChaos,
  ProcessChaos,
  VenueChaos,
  faultCatalog,
  type ChaosLevel,
  type ChaosWorld,
  type ControlsLog,
  type FaultKind,
  type FaultRecord,
  type Injection,
} from "./faults/index.ts";
import { LEVELS, scenarioOf } from "./scenarios.ts";

export type { ChaosLevel, ChaosWorld, FaultRecord } from "./faults/index.ts";

export interface ChaosEngine {
  start(untilMs: number): void;
  heal(): Promise<void>;
  records(): readonly FaultRecord[];
}

/** One enabled fault kind in a seed's plan. */
export interface PlannedKind {
  readonly kind: FaultKind;
  /** Mean episodes per simulated day. */
  readonly perDay: number;
  readonly rng: Rng;
  /** A scenario's kinds get one episode early in the run, whatever the rate says. */
  readonly early: boolean;
}

const DAY_MS = 86_400_000;
const DEFAULT_PER_DAY = 2;

export interface ChaosStats {
  bus: BusChaos["counts"];
  process: ProcessChaos["counts"];
  controls: ControlsLog;
  byKind: Record<string, number>;
}

export class Chaos implements ChaosEngine {
  readonly plan: readonly PlannedKind[];
  readonly intensity: number;
  /** The level's floor: injections each enabled kind gets at least (scenarios.ts). */
  readonly minPerKind: number;
  private readonly injected = new Map<PlannedKind, number>();
  private readonly bus: BusChaos;
  private readonly venue: VenueChaos;
  private readonly process: ProcessChaos;
  private readonly controls: ControlsLog = { sent: 0, accepted: 0, refused: 0, failed: 0 };
  private readonly log: FaultRecord[] = [];
  private readonly active = new Map<FaultRecord, { injection: Injection; timer: TimerHandle }>();
  private readonly scheduled = new Map<PlannedKind, TimerHandle>();
  private untilMs = 0;
  private startedAt = 0;
  private stopped = false;

  constructor(
    level: ChaosLevel,
    scenario: string | undefined,
    private readonly world: ChaosWorld,
  ) {
    const rng = world.rng.fork("chaos");
    const mix = LEVELS[scenario !== undefined && level === "none" ? "medium" : level];
    this.intensity = mix.intensity;
    this.minPerKind = mix.minPerKind;
    this.bus = new BusChaos(world.broker, world.clock, rng.fork("bus"));
    this.venue = new VenueChaos(world.venue, rng.fork("venue"));
    this.process = new ProcessChaos(world);
    const catalog = faultCatalog({
      bus: () => this.bus,
      venue: () => this.venue,
      process: () => this.process,
      controls: this.controls,
    });
    this.plan = planKinds(catalog, mix, scenario, rng.fork("plan"));
  }

  start(untilMs: number): void {
    this.untilMs = untilMs;
    this.startedAt = this.world.clock.now();
    for (const planned of this.plan) {
      const span = Math.max(1, untilMs - this.startedAt);
      const first = planned.early
        ? planned.rng.int(0, Math.max(0, Math.floor(Math.min(span / 4, DAY_MS / 4))))
        : this.floorGap(planned, this.nextGap(planned));
      this.schedule(planned, first);
    }
  }

  async heal(): Promise<void> {
    this.stopped = true;
    for (const timer of this.scheduled.values()) this.world.clock.clearTimer(timer);
    this.scheduled.clear();
    for (const record of [...this.active.keys()]) this.healOne(record);
    this.bus.clear();
    this.venue.clear();
    this.process.restartAll();
    for (const host of this.world.fleet.hosts.values()) {
      host.resume();
      host.setProcessingDelay(null);
    }
    this.world.venue.setPriceScenario({ volMultiplier: 1, driftAnnual: 0 });
    return Promise.resolve();
  }

  records(): readonly FaultRecord[] {
    return this.log;
  }

  /** Faults injected and what they did, for a run's summary. */
  stats(): ChaosStats {
    const byKind: Record<string, number> = {};
    for (const r of this.log) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    return {
      bus: { ...this.bus.counts },
      process: { ...this.process.counts },
      controls: { ...this.controls },
      byKind,
    };
  }

  /** Faults not yet healed (empty after `heal()`). */
  activeFaults(): readonly FaultRecord[] {
    return [...this.active.keys()];
  }

  private schedule(planned: PlannedKind, delayMs: number): void {
    if (this.stopped || this.world.clock.now() + delayMs >= this.untilMs) return;
    const timer = this.world.clock.setTimer(delayMs, () => {
      this.scheduled.delete(planned);
      this.fire(planned);
    });
    this.scheduled.set(planned, timer);
  }

  private fire(planned: PlannedKind): void {
    const clock = this.world.clock;
    const now = clock.now();
    if (this.stopped || now >= this.untilMs) return;
    const [lo, hi] = planned.kind.durationMs;
    const drawn = Math.round(planned.rng.int(lo, hi) * Math.max(0.5, this.intensity));
    // Below the floor an episode is squeezed so the floor's episodes all fit in the run.
    const lengthMs = Math.max(
      1,
      this.belowFloor(planned) ? Math.min(drawn, this.floorSlot()) : drawn,
    );
    const healAt = Math.min(now + lengthMs, this.untilMs);
    const injection = planned.kind.inject({
      world: this.world,
      rng: planned.rng,
      intensity: this.intensity,
      healAt,
    });
    if (injection === null) {
      this.schedule(planned, this.floorGap(planned, this.nextGap(planned)));
      return;
    }
    this.injected.set(planned, (this.injected.get(planned) ?? 0) + 1);
    const record: FaultRecord = {
      at: now,
      kind: planned.kind.kind,
      target: injection.target,
      detail: injection.detail,
      healedAt: null,
    };
    this.log.push(record);
    const timer = clock.setTimer(healAt - now, () => {
      this.healOne(record);
      this.schedule(planned, this.floorGap(planned, this.nextGap(planned)));
    });
    this.active.set(record, { injection, timer });
  }

  private healOne(record: FaultRecord): void {
    const entry = this.active.get(record);
    if (entry === undefined) return;
    this.active.delete(record);
    this.world.clock.clearTimer(entry.timer);
    entry.injection.heal();
    record.healedAt = this.world.clock.now();
  }

  /** Injections per enabled kind so far, for the summary and the floor check. */
  injectedByKind(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const planned of this.plan) out[planned.kind.kind] = this.injected.get(planned) ?? 0;
    return out;
  }

  private belowFloor(planned: PlannedKind): boolean {
    return (this.injected.get(planned) ?? 0) < this.minPerKind;
  }

  /**
   * A quarter of the run's span divided among the floor's episodes: gaps and squeezed episodes
   * this long let every floor episode start and heal before the run's end.
   */
  private floorSlot(): number {
    const span = Math.max(1, this.untilMs - this.startedAt);
    return Math.max(1, Math.floor(span / (4 * Math.max(1, this.minPerKind))));
  }

  /** The drawn gap, shortened while the kind is below the level's floor. */
  private floorGap(planned: PlannedKind, gap: number): number {
    return this.belowFloor(planned) ? Math.min(gap, this.floorSlot()) : gap;
  }

  /** Exponential gap with the kind's mean, so episodes form a Poisson process. */
  private nextGap(planned: PlannedKind): number {
    const meanMs = DAY_MS / planned.perDay;
    return Math.max(1, Math.round(-Math.log(1 - planned.rng.float()) * meanMs));
  }
}

/** The seed's plan: which kinds are on, and how often. */
function planKinds(
  catalog: readonly FaultKind[],
  mix: (typeof LEVELS)[ChaosLevel],
  scenario: string | undefined,
  rng: Rng,
): PlannedKind[] {
  const chosen = scenario === undefined ? null : scenarioOf(scenario);
  const plan: PlannedKind[] = [];
  for (const kind of catalog) {
    // Every kind draws the same numbers whether or not it is enabled, so plans stay comparable.
    const enableDraw = rng.float();
    const rateDraw = rng.float();
    const kindRng = rng.fork(kind.kind);
    const inScenario = chosen?.kinds.includes(kind.kind) ?? false;
    const enabled = chosen === null ? enableDraw < mix.enableProbability : inScenario;
    if (!enabled || mix.rateMultiplier <= 0) continue;
    const base = (kind.perDay ?? DEFAULT_PER_DAY) * mix.rateMultiplier;
    const perDay =
      base * (0.25 + 1.5 * rateDraw) * (inScenario ? (chosen?.rateMultiplier ?? 1) : 1);
    plan.push({ kind, perDay, rng: kindRng, early: inScenario });
  }
  return plan;
}

export function createChaosEngine(o: {
  level: ChaosLevel;
  scenario?: string;
  world: ChaosWorld;
}): Chaos {
  return new Chaos(o.level, o.scenario, o.world);
}
