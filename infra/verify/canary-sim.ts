/**
 * `predator verify canary` in simulation: the production fleet on the virtual clock (SimWorld),
 * the canary alone, held to settlement, verified window by window until enough windows are
 * counted and both outcomes were seen (or a bound is reached). Deterministic from the seed.
 */
import { performance } from "node:perf_hooks";
import type { WindowOutcome } from "../../agents/runtime/venue.ts";
import { toMicro } from "../../contracts/money.ts";
import type { Cadence } from "../chaos/sim/cadence.ts";
import { SimWorld } from "../chaos/sim/world.ts";
import { windowInstrument } from "../venue-sim/ids.ts";
import { judgeCanaryWindow, type WindowVerdict } from "./canary-judge.ts";
import { BusObserver } from "./observer.ts";
import { runId } from "./run-id.ts";
import type { VerificationRun } from "./types.ts";

/** How long after a window's end its evidence is gathered: resolution, payout, closed position. */
export const CHECK_DELAY_MS = 20_000;
/** Shortest window: the canary enters at T−60 s, after the previous window was checked. */
export const CANARY_WINDOW_MS_MIN = 90_000;
const VENUE_CALL = { timeoutMs: 10_000 };
/**
 * The canary enters at T−58.5 s rather than its default T−60 s. The simulated venue requotes on a
 * 3 s grid aligned with the window, so an entry at T−60 s priced the book that was being replaced
 * at that very instant and its FAK found nothing at the limit in 14 of 34 windows (seed 1); half
 * a second later it prices the current book. The slot (T−60…T−45) is unchanged.
 */
export const CANARY_ENTRY_REMAINING_MS = 58_500;

/** Ways to break a run on purpose, to prove the verification fails where it should. */
export type CanaryInjection =
  /** A bug in the books: window N's entry order is rewritten without its venue order id. */
  | { kind: "assertion"; window: number }
  /** The venue reports the other outcome for window N than the one our feed carried. */
  | { kind: "resolution"; window: number };

export interface CanaryRunOptions {
  seed: number;
  /** Windows that must be counted (passed or failed, not excluded). */
  windows: number;
  /** Hard bound on windows run, counted or not; the run reports when it stopped there. */
  windowsMax: number;
  windowMs: number;
  collateralUsd: string;
  cadence: Cadence;
  inject?: CanaryInjection;
  /** Real time the evidence is recorded at (its age is measured from it); names the run. */
  recordedAt: number;
  onWindow?(verdict: WindowVerdict, index: number): void;
}

export interface CanaryRunResult {
  run: VerificationRun;
  windows: WindowVerdict[];
  wallMs: number;
}

export async function runCanarySimulation(o: CanaryRunOptions): Promise<CanaryRunResult> {
  const wallStart = performance.now();
  const world = new SimWorld({
    seed: o.seed,
    cadence: o.cadence,
    startingCollateralUsd: o.collateralUsd,
    venue: { windowMs: o.windowMs },
    strategy: {
      enabled: ["canary"],
      params: { canary: { entryRemainingMs: CANARY_ENTRY_REMAINING_MS } },
    },
  });
  const seen = new BusObserver();
  world.broker.tap((e) => {
    seen.onBus(e);
  });
  const startedAt = world.clock.now();
  const controls = canaryControls(o);
  for (const [key, value] of Object.entries(controls)) {
    await world.store.setControl(key, value, "verify:canary", startedAt);
  }
  await world.start();

  // The window open at start began before the fleet: the first counted one starts after it.
  const firstStart = Math.ceil((startedAt + 1) / o.windowMs) * o.windowMs;
  await world.clock.runUntil(firstStart + CHECK_DELAY_MS);
  let collateral = await collateralOf(world);
  const verdicts: WindowVerdict[] = [];
  for (let k = 0; k < o.windowsMax && !done(verdicts, o.windows); k++) {
    const startTs = firstStart + k * o.windowMs;
    const endTs = startTs + o.windowMs;
    if (o.inject?.kind === "assertion" && o.inject.window === k + 1) {
      await world.clock.runUntil(endTs - CHECK_DELAY_MS);
      await corruptEntryOrder(world, startTs);
    }
    await world.clock.runUntil(endTs + CHECK_DELAY_MS);
    const after = await collateralOf(world);
    const verdict = await judgeWindow(world, seen, o, { startTs, endTs, k }, collateral, after);
    collateral = after;
    verdicts.push(verdict);
    o.onWindow?.(verdict, k + 1);
  }
  const finishedAt = world.clock.now();
  await world.stop().catch(() => undefined);
  const run = canaryRun(o, verdicts, controls, { startedAt, finishedAt });
  return { run, windows: verdicts, wallMs: Math.round(performance.now() - wallStart) };
}

/**
 * The controls a canary verification runs under: only the canary, on this instrument, no
 * stop-loss or take-profit (held to settlement), and loss limits as large as the collateral so
 * that a string of losing minimum-size trades does not stop the run (what is verified is the
 * plumbing, not the canary's edge).
 */
export function canaryControls(o: Pick<CanaryRunOptions, "windowMs" | "collateralUsd">) {
  return {
    allowed_instruments: windowInstrument("btc", o.windowMs),
    allowed_strategies: "canary",
    stop_loss_pct: "0",
    take_profit_pct: "0",
    session_loss_usd: o.collateralUsd,
    daily_drawdown_usd: o.collateralUsd,
  };
}

function done(verdicts: readonly WindowVerdict[], windows: number): boolean {
  const counted = verdicts.filter((v) => v.outcome !== "EXCLUDED");
  const outcomes = new Set(counted.map((v) => v.resolution));
  return counted.length >= windows && outcomes.has("UP") && outcomes.has("DOWN");
}

async function collateralOf(world: SimWorld): Promise<number> {
  const report = await world.withVirtualTime(world.venue.balance(VENUE_CALL));
  return report.value.collateral;
}

async function judgeWindow(
  world: SimWorld,
  seen: BusObserver,
  o: CanaryRunOptions,
  w: { startTs: number; endTs: number; k: number },
  collateralBefore: number,
  collateralAfter: number,
): Promise<WindowVerdict> {
  const markets = await world.withVirtualTime(world.venue.markets(VENUE_CALL));
  const market = markets.items.find((m) => m.startTs === w.startTs);
  if (market === undefined) throw new Error(`Invariant: the venue lists no window at ${w.startTs}`);
  let venueOutcome: WindowOutcome | null = market.outcome;
  if (o.inject?.kind === "resolution" && o.inject.window === w.k + 1 && venueOutcome !== null) {
    venueOutcome = venueOutcome === "UP" ? "DOWN" : "UP";
  }
  const gaps = (await world.store.listFeedGaps(1_000)).filter(
    (g) => g.ts >= w.startTs && g.ts < w.endTs,
  );
  return judgeCanaryWindow({
    windowId: market.windowId,
    startTs: w.startTs,
    endTs: w.endTs,
    upTokenId: market.upTokenId,
    downTokenId: market.downTokenId,
    strategy: "canary",
    checkedAt: world.clock.now(),
    seen,
    positions: (await world.store.listPositions()).filter((p) => p.windowId === market.windowId),
    fills: await world.store.listFills({ windowId: market.windowId }),
    venueOutcome,
    collateralBefore,
    collateralAfter,
    feedGaps: gaps.length,
  });
}

/** The injected bug: the window's filled entry order loses its venue order id in the store. */
async function corruptEntryOrder(world: SimWorld, startTs: number): Promise<void> {
  const orders = await world.store.listOrders({ statuses: ["FILLED"] });
  const target = orders.find((x) => x.createdAt >= startTs);
  if (target === undefined) return;
  await world.store.upsertOrder({ ...target, venueOrderId: null, updatedAt: world.clock.now() });
}

function canaryRun(
  o: CanaryRunOptions,
  verdicts: readonly WindowVerdict[],
  controls: Record<string, string>,
  at: { startedAt: number; finishedAt: number },
): VerificationRun {
  const counted = verdicts.filter((v) => v.outcome !== "EXCLUDED");
  const failed = counted.filter((v) => v.outcome === "FAIL");
  const up = counted.filter((v) => v.resolution === "UP").length;
  const down = counted.filter((v) => v.resolution === "DOWN").length;
  const enough = counted.length >= o.windows;
  const passed = failed.length === 0 && enough && up > 0 && down > 0;
  const firstFail = failed[0];
  const verdict = passed
    ? `PASS: ${counted.length} window(s) verified (${up} UP, ${down} DOWN), ${verdicts.length - counted.length} excluded`
    : firstFail !== undefined
      ? `FAIL: ${failed.length} of ${counted.length} counted window(s) failed; first ${firstFail.windowId} at ${firstFail.failedPoints.join(", ")}`
      : !enough
        ? `FAIL: only ${counted.length} of ${o.windows} window(s) counted within ${o.windowsMax}`
        : `FAIL: both outcomes not seen within ${o.windowsMax} window(s) (${up} UP, ${down} DOWN)`;
  return {
    id: runId("canary", o.seed, o.recordedAt),
    recordedAt: o.recordedAt,
    kind: "canary",
    mode: "sim",
    inputs: {
      seed: o.seed,
      windows: o.windows,
      windowsMax: o.windowsMax,
      windowMs: o.windowMs,
      collateralUsd: o.collateralUsd,
      collateralMicro: toMicro(o.collateralUsd),
      cadence: o.cadence,
      canaryEntryRemainingMs: CANARY_ENTRY_REMAINING_MS,
      controls,
      inject: o.inject ?? null,
    },
    startedAt: at.startedAt,
    finishedAt: at.finishedAt,
    passed,
    verdict,
    summary: {
      windowsRun: verdicts.length,
      counted: counted.length,
      passedWindows: counted.length - failed.length,
      failedWindows: failed.length,
      excluded: verdicts.length - counted.length,
      up,
      down,
      assertionFailures: counted.filter((v) => v.failedPoints.includes("assertions")).length,
      realizedPnl: counted.reduce((s, v) => s + (v.realizedPnl ?? 0), 0),
      fees: counted.reduce((s, v) => s + (v.fees ?? 0), 0),
      stoppedAtBound: verdicts.length >= o.windowsMax && !passed,
    },
    items: verdicts.flatMap((v) => v.items),
  };
}
