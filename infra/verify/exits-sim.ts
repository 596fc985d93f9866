/**
 * `predator verify exits` in simulation: each preset (A–E) runs the production fleet for its
 * windows with an entry early in each window, while a seeded market path drives the held token's
 * bid across the preset's threshold (or, for the control, near it). Every trigger is judged by
 * exits-judge.ts; a preset passes only if something fired and every trigger passed (the control:
 * if nothing fired on an adverse path).
 */
import { performance } from "node:perf_hooks";
import type { VirtualClock } from "../../bus/clock.ts";
import type { PlaceOrderRequest, PlaceResult, Venue } from "../../agents/runtime/venue.ts";
import type { Cadence } from "../chaos/sim/cadence.ts";
import { SimWorld } from "../chaos/sim/world.ts";
import { windowInstrument } from "../venue-sim/ids.ts";
import { EXIT_PRESETS, type ExitPreset, type PresetName } from "./exit-presets.ts";
import { judgeExitWindow, type BidSample, type ExitWindowVerdict } from "./exits-judge.ts";
import { BusObserver } from "./observer.ts";
import { runId } from "./run-id.ts";
import { item, type VerificationItem, type VerificationRun } from "./types.ts";

const VENUE_CALL = { timeoutMs: 10_000 };
/** Evidence of a window is gathered this long after its end (resolution, payout). */
const CHECK_DELAY_MS = 20_000;
/** The entry: 30.5 s into the window (after the previous window was checked), at most 60 s in. */
const ENTRY_AFTER_START_MS = 30_500;
const ENTRY_SLOT_MS = 30_000;
export const EXIT_WINDOW_MS_MIN = 120_000;
/** Before the entry the path leans Up, so the entry has a side to buy. */
const PRE_ENTRY_UP_BID = 560_000;
/** The path is steered every requote (3 s): gain per micro-unit of bid error, and its cap. */
const STEER_EVERY_MS = 3_000;
/** The venue's book is sampled (and the fill looked for) this often. */
const SAMPLE_EVERY_MS = 1_000;
/** The exit must fire within this long of the first sample whose bid crossed its threshold. */
export const DETECTION_MAX_MS = SAMPLE_EVERY_MS;
const STEER_GAIN = 0.0002 / 100_000;
const STEER_STEP_MAX = 0.0004;
/** An injected slow exit waits this long before reaching the venue. */
const SLOW_EXIT_DELAY_MS = 3_000;
/** An injected wrong fill price: each exit trade is reported this much below what it was. */
const WRONG_PRICE_MICRO = 50_000;

export type ExitInjection = { kind: "slow-exit" | "wrong-fill-price"; variant: PresetName };

export interface ExitsRunOptions {
  seed: number;
  variants: readonly PresetName[];
  windowsPerVariant: number;
  windowMs: number;
  collateralUsd: string;
  cadence: Cadence;
  orderLatencyMaxMs: number;
  recordedAt: number;
  inject?: ExitInjection;
  onWindow?(verdict: ExitWindowVerdict): void;
}

export interface ExitsRunResult {
  run: VerificationRun;
  variants: Record<string, { outcome: VerificationItem["outcome"]; windows: ExitWindowVerdict[] }>;
  wallMs: number;
}

export async function runExitsSimulation(o: ExitsRunOptions): Promise<ExitsRunResult> {
  const wallStart = performance.now();
  const variants: ExitsRunResult["variants"] = {};
  const items: VerificationItem[] = [];
  let startedAt = 0;
  let finishedAt = 0;
  for (const name of o.variants) {
    const preset = EXIT_PRESETS[name];
    const r = await runPreset(preset, o);
    startedAt = startedAt === 0 ? r.startedAt : startedAt;
    finishedAt = r.finishedAt;
    const summary = presetItem(preset, r.windows);
    variants[name] = { outcome: summary.outcome, windows: r.windows };
    items.push(summary, ...r.windows.flatMap((w) => w.items));
  }
  const bad = Object.entries(variants).filter(([, v]) => v.outcome !== "PASS");
  const passed = bad.length === 0 && o.variants.length > 0;
  const verdict = passed
    ? `PASS: variant(s) ${o.variants.join(",")} verified`
    : `FAIL: ${bad.map(([n, v]) => `${n} ${v.outcome}`).join(", ")}`;
  const run: VerificationRun = {
    id: runId("exits", o.seed, o.recordedAt),
    kind: "exits",
    mode: "sim",
    inputs: {
      seed: o.seed,
      variants: o.variants,
      windowsPerVariant: o.windowsPerVariant,
      windowMs: o.windowMs,
      collateralUsd: o.collateralUsd,
      cadence: o.cadence,
      orderLatencyMaxMs: o.orderLatencyMaxMs,
      presets: o.variants.map((n) => presetInputs(EXIT_PRESETS[n])),
      inject: o.inject ?? null,
    },
    recordedAt: o.recordedAt,
    startedAt,
    finishedAt,
    passed,
    verdict,
    summary: Object.fromEntries(
      Object.entries(variants).map(([n, v]) => [
        n,
        {
          outcome: v.outcome,
          windows: v.windows.length,
          fired: v.windows.filter((w) => w.fired !== null).map((w) => w.fired),
        },
      ]),
    ),
    items,
  };
  return { run, variants, wallMs: Math.round(performance.now() - wallStart) };
}

function presetInputs(p: ExitPreset) {
  return {
    name: p.name,
    stopLossPct: p.stopLossPct,
    takeProfitPct: p.takeProfitPct,
    trailingStopPct: p.trailingStopPct,
  };
}

/** One line per preset: PASS, FAIL, or NOT_EXERCISED when no window reached its threshold. */
function presetItem(p: ExitPreset, windows: readonly ExitWindowVerdict[]): VerificationItem {
  const failed = windows.filter((w) => w.items.some((i) => i.outcome === "FAIL"));
  const exercised = windows.filter((w) => w.exercised);
  const fired = windows.filter((w) => w.fired !== null).map((w) => w.fired ?? "");
  const outcome = failed.length > 0 ? "FAIL" : exercised.length === 0 ? "NOT_EXERCISED" : "PASS";
  const detail =
    `${p.description}: ${windows.length} window(s), ${exercised.length} exercised, ` +
    `${fired.length} trigger(s) [${fired.join(",")}], ${failed.length} failed`;
  return item(p.name, "variant", outcome, detail, {
    windows: windows.length,
    exercised: exercised.length,
    triggers: fired.length,
    failed: failed.length,
  });
}

async function runPreset(
  preset: ExitPreset,
  o: ExitsRunOptions,
): Promise<{ windows: ExitWindowVerdict[]; startedAt: number; finishedAt: number }> {
  const injected = o.inject?.variant === preset.name ? o.inject.kind : null;
  const world = new SimWorld({
    seed: o.seed,
    cadence: o.cadence,
    startingCollateralUsd: o.collateralUsd,
    venue: { windowMs: o.windowMs },
    strategy: {
      enabled: ["canary"],
      params: {
        canary: {
          entryRemainingMs: o.windowMs - ENTRY_AFTER_START_MS,
          entryRemainingMinMs: o.windowMs - ENTRY_AFTER_START_MS - ENTRY_SLOT_MS,
        },
      },
    },
    tuning: {
      portfolio: {
        stopLossPct: preset.stopLossPct,
        takeProfitPct: preset.takeProfitPct,
        trailingStopPct: preset.trailingStopPct,
      },
    },
    ...(injected === null ? {} : { wrapExecutionVenue: brokenExits(injected) }),
  });
  const seen = new BusObserver();
  world.broker.tap((e) => {
    seen.onBus(e);
  });
  const startedAt = world.clock.now();
  const controls = {
    allowed_instruments: windowInstrument("btc", o.windowMs),
    allowed_strategies: "canary",
    stop_loss_pct: String(preset.stopLossPct),
    take_profit_pct: String(preset.takeProfitPct),
    session_loss_usd: o.collateralUsd,
    daily_drawdown_usd: o.collateralUsd,
  };
  for (const [key, value] of Object.entries(controls)) {
    await world.store.setControl(key, value, `verify:exits:${preset.name}`, startedAt);
  }
  await world.start();
  const firstStart = Math.ceil((startedAt + 1) / o.windowMs) * o.windowMs;
  await world.clock.runUntil(firstStart + CHECK_DELAY_MS);
  let collateral = await collateralOf(world);
  const windows: ExitWindowVerdict[] = [];
  for (let k = 0; k < o.windowsPerVariant; k++) {
    const startTs = firstStart + k * o.windowMs;
    const bids = await steerWindow(world, seen, preset, k, startTs, startTs + o.windowMs);
    await world.clock.runUntil(startTs + o.windowMs + CHECK_DELAY_MS);
    const after = await collateralOf(world);
    const verdict = await judge(world, seen, o, preset, { startTs, bids }, collateral, after);
    collateral = after;
    windows.push(verdict);
    o.onWindow?.(verdict);
  }
  const finishedAt = world.clock.now();
  await world.stop().catch(() => undefined);
  return { windows, startedAt, finishedAt };
}

/**
 * Runs one window while steering the underlying so that the held token's best bid follows the
 * preset's path (a proportional controller on the venue's own book); returns the bids it saw
 * after the entry filled.
 */
async function steerWindow(
  world: SimWorld,
  seen: BusObserver,
  preset: ExitPreset,
  k: number,
  startTs: number,
  endTs: number,
): Promise<BidSample[]> {
  const bids: BidSample[] = [];
  const legs = preset.path(k);
  let steeredAt = Number.NEGATIVE_INFINITY;
  let steeredFilled = false;
  for (let t = startTs + SAMPLE_EVERY_MS; t < endTs - STEER_EVERY_MS; t += SAMPLE_EVERY_MS) {
    await world.clock.runUntil(t);
    const market = world.venue.listMarkets().find((m) => m.startTs === startTs);
    if (market === undefined) continue;
    const entry = seen.intents.find(
      (s) => s.message.subject === "strategy.intent" && s.message.windowId === market.windowId,
    );
    const fill = seen.fills.find((f) => f.message.intentId === entry?.message.intentId);
    const token = entry?.message.tokenId ?? market.upTokenId;
    const bid = bestBid(world, token);
    if (bid === null) continue;
    if (fill !== undefined) bids.push({ at: t, bid });
    const closed = seen.intents.some(
      (s) =>
        s.message.subject === "portfolio.exit" &&
        s.message.positionId === entry?.message.positionId,
    );
    // Steer once per requote (the book shows the last move only then), and at once on the fill.
    const due = t - steeredAt >= STEER_EVERY_MS || (fill !== undefined && !steeredFilled);
    if (closed || !due) continue;
    steeredAt = t;
    steeredFilled = fill !== undefined;
    const target =
      fill === undefined
        ? PRE_ENTRY_UP_BID
        : Math.round((fill.message.price * legTarget(legs, t - fill.at)) / 100);
    const step = Math.max(-STEER_STEP_MAX, Math.min(STEER_STEP_MAX, (target - bid) * STEER_GAIN));
    // The Up token rises with the underlying; the Down token falls.
    world.venue.jumpUnderlying(token === market.upTokenId ? step : -step);
  }
  return bids;
}

function legTarget(legs: readonly { afterMs: number; targetPct: number }[], sinceMs: number) {
  let pct = 100;
  for (const leg of legs) if (sinceMs >= leg.afterMs) pct = leg.targetPct;
  return pct;
}

function bestBid(world: SimWorld, tokenId: string): number | null {
  const book = world.venue.bookSnapshot(tokenId);
  if (book === null || book.bids.length === 0) return null;
  return Math.max(...book.bids.map((l) => l.price));
}

async function collateralOf(world: SimWorld): Promise<number> {
  const report = await world.withVirtualTime(world.venue.balance(VENUE_CALL));
  return report.value.collateral;
}

async function judge(
  world: SimWorld,
  seen: BusObserver,
  o: ExitsRunOptions,
  preset: ExitPreset,
  w: { startTs: number; bids: BidSample[] },
  collateralBefore: number,
  collateralAfter: number,
): Promise<ExitWindowVerdict> {
  const markets = await world.withVirtualTime(world.venue.markets(VENUE_CALL));
  const market = markets.items.find((m) => m.startTs === w.startTs);
  if (market === undefined) throw new Error(`Invariant: the venue lists no window at ${w.startTs}`);
  const positions = (await world.store.listPositions()).filter(
    (p) => p.windowId === market.windowId,
  );
  const audit = [];
  for (const p of positions) audit.push(...(await world.store.auditFor(p.positionId)));
  return judgeExitWindow({
    preset,
    windowId: market.windowId,
    strategy: "canary",
    seen,
    bids: w.bids,
    positions,
    fills: await world.store.listFills({ windowId: market.windowId }),
    audit,
    collateralBefore,
    collateralAfter,
    orderLatencyMaxMs: o.orderLatencyMaxMs,
    detectionMaxMs: DETECTION_MAX_MS,
  });
}

/** The injected faults: every SELL (exit) order is slow to reach the venue, or mispriced. */
function brokenExits(kind: ExitInjection["kind"]) {
  return (venue: Venue, clock: VirtualClock): Venue =>
    new Proxy(venue, {
      get(target, property, receiver) {
        if (property !== "placeOrder") {
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === "function"
            ? (value as (...a: unknown[]) => unknown).bind(target)
            : value;
        }
        return async (req: PlaceOrderRequest, opts: Parameters<Venue["placeOrder"]>[1]) => {
          if (req.side !== "SELL") return target.placeOrder(req, opts);
          if (kind === "slow-exit") {
            await new Promise<void>((resolve) => clock.setTimer(SLOW_EXIT_DELAY_MS, resolve));
            return target.placeOrder(req, opts);
          }
          return misprice(await target.placeOrder(req, opts));
        };
      },
    });
}

function misprice(result: PlaceResult): PlaceResult {
  if (result.outcome !== "accepted") return result;
  return {
    ...result,
    trades: result.trades.map((t) => ({ ...t, price: Math.max(1, t.price - WRONG_PRICE_MICRO) })),
  };
}
