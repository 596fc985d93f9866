/**
 * Tick-to-order latency across separate processes on NATS (issue 3): from a book update published
 * on md.book to the order it causes arriving at the venue. Strategy, CRO and Execution run as
 * their own `predator agent` processes on a private nats-server and PostgreSQL; this process plays
 * MarketData (and the heartbeats of Portfolio, the Reconciler and Alert, and clean recon reports) and
 * serves the venue over the bus. The strategy is `probe` (buys the minimum size when a best ask is
 * at or below a threshold), so each measured book maps to exactly one intent and one order.
 *
 * Reported: p50 and p99 as the median over RUNS runs of each run's percentile, beside the raw
 * NATS round trip measured on the same server in the same runs (interleaved), their ratio, where
 * the time goes hop by hop (from the JetStream timestamps of the stored intents and decisions),
 * and each agent's main-thread CPU time and run-queue wait per order. TICK_AGENT_NODE_ARGS passes node options to the agents
 * (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import { readFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { SystemClock } from "../bus/clock.ts";
import { MessageFactory } from "../bus/messages.ts";
import { SystemRng } from "../bus/rng.ts";
import { silentLogger } from "../agents/runtime/logger.ts";
import { VenueServer } from "../infra/venue-remote/server.ts";
import { startFleet, type FleetAgent, type TickFleet } from "./tick-fleet.ts";
import { MarketPlayer } from "./tick-market.ts";
import { rawRoundTrip, type RawRoundTrip } from "./tick-rtt.ts";
import { tickRows, type RunResult, type SchedTimes } from "./tick-report.ts";
import { hopsOf, streamMarks, type Hops } from "./tick-hops.ts";
import { percentiles } from "./tick-stats.ts";
import { ASK_MAX, ORDERS_PER_WINDOW, Ticker } from "./tick-ticker.ts";
import { ArrivalVenue } from "./tick-venue.ts";
import { PipelineWatch } from "./tick-watch.ts";
import type { Bench, BenchResult } from "./types.ts";

const RUNS = 5;
const ORDERS_PER_RUN = 200;
/** Enough for V8 to optimise the hot paths of every agent before anything is measured. */
const WARMUP_ORDERS = 300;
const RTT_REQUESTS_PER_RUN = 2_000;
const ACTIVE_TIMEOUT_MS = 60_000;
/** $1,000 of collateral, reported by the stand-in reconciler. */
const BALANCE = 1_000_000_000;
/** What the CRO must allow beyond its defaults: the probe, and more than 30 entries a minute. */
const CONTROLS = { allowed_strategies: "canary,momentum,probe", order_rate_per_min: "10000" };
const STRATEGY_CONFIG = {
  enabled: ["probe"],
  entriesPerWindowMax: ORDERS_PER_WINDOW,
  // The probe reacts to books; its timer re-evaluation would only re-read the same book.
  evaluateIntervalMs: 60_000,
  params: { probe: { askMax: ASK_MAX } },
};
const AGENTS: FleetAgent[] = ["cro", "execution", "strategy"];

async function tickToOrder(): Promise<BenchResult[]> {
  const fleet = await startFleet(CONTROLS);
  const clock = new SystemClock();
  const venue = new ArrivalVenue(BALANCE);
  let market: MarketPlayer | null = null;
  let watch: PipelineWatch | null = null;
  let server: VenueServer | null = null;
  let rtt: RawRoundTrip | null = null;
  let failed = false;
  try {
    market = await MarketPlayer.connect(fleet.natsUrl, BALANCE);
    const source = { agent: "venue-sim", instance: "bench" };
    const messages = new MessageFactory(clock, new SystemRng(), source);
    server = new VenueServer(venue, market.bus, messages, silentLogger());
    server.start();
    watch = await PipelineWatch.connect(fleet.natsUrl);
    market.startChores();
    for (const name of AGENTS) {
      const env =
        name === "strategy" ? { PREDATOR_STRATEGY_CONFIG: JSON.stringify(STRATEGY_CONFIG) } : {};
      fleet.spawn(name, env);
    }
    await watch.croStateIs("ACTIVE", 2, ACTIVE_TIMEOUT_MS);
    rtt = await rawRoundTrip(fleet.natsUrl);
    const ticker = new Ticker(market, venue, watch);
    await ticker.ticks(WARMUP_ORDERS);
    await fleet.analyze();
    await rtt.measure(RTT_REQUESTS_PER_RUN);
    const runs: RunResult[] = [];
    const loadBefore = loadavg()[0] ?? Number.NaN;
    for (let run = 0; run < RUNS; run++) runs.push(await oneRun(fleet, ticker, rtt, watch));
    const machine =
      `${availableParallelism()} CPUs, 1-min load average ${loadBefore.toFixed(1)} before ` +
      `and ${(loadavg()[0] ?? Number.NaN).toFixed(1)} after the runs`;
    const duplicateIntents = runs.reduce((n, r) => n + r.duplicateIntents, 0);
    const extras = { duplicateIntents, ordersAtVenue: venue.received };
    const ticksSent = WARMUP_ORDERS + RUNS * ORDERS_PER_RUN;
    return tickRows(runs, extras, { ticksSent, machine });
  } catch (error) {
    failed = true;
    console.error(`tick-to-order failed: ${String(error)}\n${await fleet.logTail(20)}`);
    throw error;
  } finally {
    await rtt?.close();
    await watch?.close();
    await server?.stop();
    await market?.close();
    await fleet.stop(failed);
  }
}

/** Round trips first, then the ticks: the same server, back to back, in every run. */
async function oneRun(
  fleet: TickFleet,
  ticker: Ticker,
  rtt: RawRoundTrip,
  watch: PipelineWatch,
): Promise<RunResult> {
  const raw = await rtt.measure(RTT_REQUESTS_PER_RUN);
  const marks = await streamMarks(watch);
  const before = await schedTimes(fleet);
  const ticks = await ticker.ticks(ORDERS_PER_RUN);
  const after = await schedTimes(fleet);
  const { hops, duplicateIntents } = await hopsOf(watch, ticks, marks);
  const perOrder = new Map<FleetAgent, SchedTimes>();
  for (const [name, a] of after) {
    const b = before.get(name) ?? a;
    perOrder.set(name, {
      runMs: (a.runMs - b.runMs) / ORDERS_PER_RUN,
      waitMs: (a.waitMs - b.waitMs) / ORDERS_PER_RUN,
    });
  }
  const pick = (key: keyof Hops) => percentiles(hops.map((h) => h[key]));
  return {
    ticks: ticks.length,
    rawLocal: raw.local,
    rawRemote: raw.remote,
    total: pick("total"),
    toIntent: pick("toIntent"),
    toDecision: pick("toDecision"),
    toOrder: pick("toOrder"),
    perOrder,
    duplicateIntents,
  };
}

/**
 * Each agent's main thread so far (/proc/<pid>/schedstat, ns precision): time on a CPU, and time
 * runnable but waiting for one (what other work on the machine costs the pipeline).
 */
async function schedTimes(fleet: TickFleet): Promise<Map<FleetAgent, SchedTimes>> {
  const out = new Map<FleetAgent, SchedTimes>();
  for (const [name, pid] of fleet.pids()) {
    const stat = await readFile(`/proc/${pid}/schedstat`, "utf8").catch(() => null);
    if (stat === null) continue;
    const [run = Number.NaN, wait = Number.NaN] = stat.split(" ").map(Number);
    out.set(name, { runMs: run / 1e6, waitMs: wait / 1e6 });
  }
  return out;
}

export const benches: Bench[] = [{ name: "pipeline.tick-to-order", run: tickToOrder }];
