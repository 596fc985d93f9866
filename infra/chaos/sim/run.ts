/**
 * One seeded simulation run (issue 6): the world starts, the chaos engine injects faults for
 * `days` of virtual time while the invariant checker watches every message, then the faults heal
 * and the system must come back to ACTIVE with a clean reconciliation within a bound, after which
 * fills, positions and fees are compared with the venue. A violation stops the run at once and
 * leaves a post-mortem behind.
 */
import { performance } from "node:perf_hooks";
import { createChaosEngine, type ChaosLevel, type FaultRecord } from "../engine.ts";
import { SCENARIO_NAMES } from "../scenarios.ts";
import { InvariantChecker, DEFAULT_CHECKER_SETTINGS } from "./invariants.ts";
import { isPlant } from "./plants.ts";
import { Sampler, type Samples } from "./samples.ts";
import { SimWorld } from "./world.ts";
import { CADENCE_NAMES, isCadence, type Cadence } from "./cadence.ts";
import { writePostMortem, writeReport } from "./report.ts";
import { DAY_MS, verdictOf, type SimResult } from "./result.ts";
import { SimOperator, type OperatorStats } from "./operator.ts";

export const CHAOS_LEVEL_NAMES: readonly ChaosLevel[] = [
  "none",
  "light",
  "medium",
  "heavy",
  "extreme",
];
/** After the heal, ACTIVE and a clean reconciliation must come within this much virtual time. */
export const HEAL_BOUND_MS = 15 * 60_000;
/** Trades and orders that changed this recently at rest are still travelling; older must agree. */
const SETTLE_MS = 30_000;
const WINDOW_MS = 900_000;
/** A window's resolution (payouts, positions closed) is left this long to settle on both sides. */
const RESOLVE_QUIET_MS = 60_000;
/** Samples for the report: one per simulated interval. */
const SAMPLE_EVERY_MS = 60_000;
/** The progress bar moves in this many steps. */
const PROGRESS_STEPS = 200;

interface Counters {
  steps: number;
  progressEveryMs: number;
}

export interface SimOptions {
  seed: number;
  days: number;
  chaos: ChaosLevel;
  scenario?: string;
  reportDir?: string;
  plant?: string;
  /**
   * Market density: how often the generator requotes each book (default 3000 ms, i.e. about 3.4
   * book updates per token per 10 s). The speed target needs at least one per 10 s.
   */
  requoteMs?: number;
  /** Liveness cadence (cadence.ts): production (default) or relaxed. */
  cadence?: Cadence;
  onProgress?(done: number, total: number): void;
  /**
   * Stops the run at the next clock step (Ctrl-C, a session's end): no heal, no at-rest checks;
   * the result is `interrupted`, with everything counted up to then.
   */
  signal?: AbortSignal;
}

export class SimOptionsError extends Error {
  readonly code = "CONFIG";
}

export function validateSimOptions(o: SimOptions): void {
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) {
    throw new SimOptionsError(`--seed must be an integer in [0, 4294967295], got ${o.seed}`);
  }
  if (!Number.isFinite(o.days) || o.days <= 0 || o.days > 3650) {
    throw new SimOptionsError(`--days must be a number in (0, 3650], got ${o.days}`);
  }
  if (!CHAOS_LEVEL_NAMES.includes(o.chaos)) {
    throw new SimOptionsError(
      `--chaos must be one of ${CHAOS_LEVEL_NAMES.join("|")}, got ${o.chaos}`,
    );
  }
  if (o.scenario !== undefined && !SCENARIO_NAMES.includes(o.scenario)) {
    throw new SimOptionsError(
      `unknown scenario "${o.scenario}" (known: ${SCENARIO_NAMES.join(", ")})`,
    );
  }
  if (
    o.requoteMs !== undefined &&
    (!Number.isInteger(o.requoteMs) || o.requoteMs < 100 || o.requoteMs > 60_000)
  ) {
    throw new SimOptionsError(
      `--requote-ms must be an integer in [100, 60000], got ${o.requoteMs}`,
    );
  }
  if (o.cadence !== undefined && !isCadence(o.cadence)) {
    throw new SimOptionsError(
      `--cadence must be one of ${CADENCE_NAMES.join("|")}, got ${String(o.cadence)}`,
    );
  }
  if (o.plant !== undefined && !isPlant(o.plant)) {
    throw new SimOptionsError(`unknown plant "${o.plant}"`);
  }
}

export function reproduceCommand(o: SimOptions): string {
  const parts = ["predator sim", `--seed ${o.seed}`, `--days ${o.days}`, `--chaos ${o.chaos}`];
  if (o.scenario !== undefined) parts.push(`--scenario ${o.scenario}`);
  if (o.requoteMs !== undefined) parts.push(`--requote-ms ${o.requoteMs}`);
  if (o.cadence !== undefined && o.cadence !== "production") parts.push(`--cadence ${o.cadence}`);
  if (o.plant !== undefined) parts.push(`--plant ${o.plant}`);
  return parts.join(" ");
}

export async function runSimulation(opts: SimOptions): Promise<SimResult> {
  validateSimOptions(opts);
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const world = new SimWorld({
    seed: opts.seed,
    cadence: opts.cadence ?? "production",
    ...(opts.plant !== undefined && isPlant(opts.plant) ? { plant: opts.plant } : {}),
    ...(opts.requoteMs !== undefined
      ? { venue: { liquidity: { requoteMs: opts.requoteMs } } }
      : {}),
  });
  const checker = new InvariantChecker(
    { ...DEFAULT_CHECKER_SETTINGS, ...world.cadence.checker },
    crashWatch(world),
  );
  const sampler = new Sampler(
    world,
    checker,
    Math.max(SAMPLE_EVERY_MS, (opts.days * DAY_MS) / 1_000),
  );
  const counters = {
    steps: 0,
    progressEveryMs: Math.max(1_000, (opts.days * DAY_MS) / PROGRESS_STEPS),
  };
  let bookPublishes = 0;
  world.broker.tap((e) => {
    if (e.phase === "publish" && e.subject.startsWith("md.book.")) bookPublishes++;
    checker.onBus(e);
    if (e.phase === "publish" && e.subject === "cro.state") {
      const s = checker.tradingState();
      if (s !== null) sampler.noteState(e.at, s.state, s.reason);
    }
  });
  world.observeVenue(checker);

  await world.start();
  const startedAt = world.clock.now();
  const faultEnd = startedAt + Math.round(opts.days * DAY_MS);
  const engine = createChaosEngine({
    level: opts.chaos,
    ...(opts.scenario !== undefined ? { scenario: opts.scenario } : {}),
    world,
  });
  engine.start(faultEnd);
  const operator = new SimOperator(world, {
    tradingState: () => checker.tradingState(),
    sessionLossVetoes: () => checker.counts.rejectionsByReason.get("cro:SESSION_LOSS") ?? 0,
  });
  operator.start(faultEnd);
  const stopped = opts.signal ?? new AbortController().signal;
  await runPhase(
    world,
    checker,
    sampler,
    counters,
    faultEnd,
    (now) => opts.onProgress?.(now - startedAt, faultEnd - startedAt),
    stopped,
  );
  const interrupted = stopped.aborted && checker.violations().length === 0;

  if (!interrupted && checker.violations().length === 0) {
    await world.withVirtualTime(engine.heal(), HEAL_BOUND_MS);
    operator.stopReviews();
    const healedAt = world.clock.now();
    await healPhase(world, checker, sampler, counters, healedAt);
  }
  if (!interrupted && checker.violations().length === 0) await checkAtRest(world, checker);
  if (!interrupted) opts.onProgress?.(faultEnd - startedAt, faultEnd - startedAt);

  const faults = engine.records();
  const simulatedMs = world.clock.now() - startedAt;
  operator.close();
  const floor = { minPerKind: engine.minPerKind, injectedByKind: engine.injectedByKind() };
  const result = summarize(opts, world, checker, faults, floor, operator.stats, {
    steps: counters.steps,
    simulatedMs,
    wallMs: Math.round(performance.now() - wallStart),
    cpuMs: cpuMsSince(cpuStart),
    bookPublishes,
    interrupted,
  });
  const samples = sampler.finish();
  if (result.violations.length > 0 && opts.reportDir !== undefined) {
    result.postMortem = await writePostMortem(opts.reportDir, result, checker, world);
  }
  if (opts.reportDir !== undefined) {
    result.report = await writeReport(opts.reportDir, result, samples, faults, checker);
  }
  if (result.violations.length === 0) await world.stop().catch(() => undefined);
  return result;
}

/**
 * Steps the clock event by event until `untilMs`, checking and sampling after each step. One
 * VirtualClock.run, not an awaited step() per event: a year has about a billion steps.
 */
async function runPhase(
  world: SimWorld,
  checker: InvariantChecker,
  sampler: Sampler,
  counters: Counters,
  untilMs: number,
  progress: (now: number) => void,
  stopped?: AbortSignal,
): Promise<void> {
  const clock = world.clock;
  const going = (): boolean => checker.violations().length === 0 && stopped?.aborted !== true;
  let nextProgress = clock.now() + counters.progressEveryMs;
  if (going()) {
    await clock.run(untilMs, () => {
      counters.steps++;
      const now = clock.now();
      checker.checkAgents(now);
      if (sampler.due(now)) sampler.sample(now);
      if (now >= nextProgress) {
        progress(now);
        nextProgress = now + counters.progressEveryMs;
      }
      return going();
    });
  }
  if (going()) await clock.runUntil(untilMs);
}

/** After the heal: ACTIVE with a clean reconciliation made after the heal, within the bound. */
async function healPhase(
  world: SimWorld,
  checker: InvariantChecker,
  sampler: Sampler,
  counters: Counters,
  healedAt: number,
): Promise<void> {
  const deadline = healedAt + HEAL_BOUND_MS;
  while (!checker.recovered(healedAt) && world.clock.now() < deadline) {
    const until = Math.min(deadline, world.clock.now() + 1_000);
    await runPhase(world, checker, sampler, counters, until, () => undefined);
    if (checker.violations().length > 0) return;
  }
  if (!checker.recovered(healedAt))
    checker.checkRecovered(world.clock.now(), healedAt, HEAL_BOUND_MS);
}

/**
 * Compares the store with the venue away from a window's resolution, with
 * everything that changed in the last SETTLE_MS left out as still travelling.
 */
async function checkAtRest(world: SimWorld, checker: InvariantChecker): Promise<void> {
  const now = world.clock.now();
  const phase = now % WINDOW_MS;
  const boundary = now - phase;
  let target = now;
  if (phase < RESOLVE_QUIET_MS) target = boundary + RESOLVE_QUIET_MS;
  else if (phase > WINDOW_MS - SETTLE_MS) target = boundary + WINDOW_MS + RESOLVE_QUIET_MS;
  await world.clock.runUntil(target);
  if (checker.violations().length > 0) return;
  const timeout = { timeoutMs: 10_000 };
  const trades = await world.withVirtualTime(world.venue.trades({}, timeout));
  const positions = await world.withVirtualTime(world.venue.positions(timeout));
  const balance = await world.withVirtualTime(world.venue.balance(timeout));
  const at = world.clock.now();
  checker.checkAtRest({
    at,
    orders: await world.store.listOrders(),
    fills: await world.store.listFills(),
    positions: await world.store.listPositions(),
    venueTrades: trades.items,
    venueTradesComplete: trades.complete,
    venuePositions: positions.items,
    venueBalance: balance.complete
      ? { collateral: balance.value.collateral, reserved: balance.value.reserved }
      : null,
    startingCollateral: world.startingCollateral,
    settledBefore: at - SETTLE_MS,
  });
}

/**
 * The checker asks after every clock step (about a billion times in a year). Only a crash can
 * change the answer, so the fleet's hosts are walked only when its crash count has moved; in
 * between, the answer is "nothing new" (the checker reports each crashed agent once anyway).
 */
export function crashWatch(world: SimWorld): () => readonly { name: string; error: Error }[] {
  let seen = 0;
  return () => {
    const crashes = world.fleet.crashes();
    if (crashes === seen) return NO_CRASHES;
    seen = crashes;
    return crashedAgents(world);
  };
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return Math.round((used.user + used.system) / 1000);
}

/** Shared: "nothing new" is the answer after almost every step, and needs no new array. */
const NO_CRASHES: readonly { name: string; error: Error }[] = Object.freeze([]);

function crashedAgents(world: SimWorld): { name: string; error: Error }[] {
  const out: { name: string; error: Error }[] = [];
  for (const [name, host] of world.fleet.hosts) {
    const error = host.crashError();
    if (error !== null) out.push({ name, error });
  }
  return out;
}

function summarize(
  opts: SimOptions,
  world: SimWorld,
  checker: InvariantChecker,
  faults: readonly FaultRecord[],
  faultFloor: SimResult["faultFloor"],
  operator: OperatorStats,
  m: {
    steps: number;
    simulatedMs: number;
    wallMs: number;
    cpuMs: number;
    bookPublishes: number;
    interrupted: boolean;
  },
): SimResult {
  const faultsByKind: Record<string, number> = {};
  for (const f of faults) faultsByKind[f.kind] = (faultsByKind[f.kind] ?? 0) + 1;
  const violations = [...checker.violations()];
  const reproduce = reproduceCommand(opts);
  // Two tokens (Up, Down) of the open window are quoted at any time.
  const tenSeconds = Math.max(1, m.simulatedMs / 10_000);
  return {
    seed: opts.seed,
    days: opts.days,
    chaos: opts.chaos,
    scenario: opts.scenario ?? null,
    plant: opts.plant ?? null,
    cadence: opts.cadence ?? "production",
    events: m.steps,
    busMessages: world.broker.deliveryCount(),
    faultsInjected: faults.length,
    faultsByKind,
    faultFloor,
    violations,
    eventLogHash: world.broker.logHash(),
    wallMs: m.wallMs,
    cpuMs: m.cpuMs,
    eventsPerSecond: Math.round(m.steps / Math.max(0.001, m.wallMs / 1000)),
    simulatedMs: m.simulatedMs,
    bookUpdatesPerTokenPer10s: Math.round((m.bookPublishes / 2 / tenSeconds) * 100) / 100,
    orders: checker.counts.orders,
    fills: checker.counts.fills,
    operator: { ...operator },
    finalState: checker.tradingState()?.state ?? "none",
    interrupted: m.interrupted,
    reproduce,
    postMortem: null,
    report: null,
  };
}

export type { Samples };
export { DAY_MS, verdictOf, type SimResult };
