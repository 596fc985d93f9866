/** The tick-to-order bench's rows: medians over runs, targets, the ratio to the raw round trip. */
import type { FleetAgent } from "./tick-fleet.ts";
import { median, type Percentiles } from "./tick-stats.ts";
import type { BenchResult } from "./types.ts";

/** Issue 3's targets, in ms. */
export const TARGET_P50_MS = 1;
export const TARGET_P99_MS = 5;

export interface SchedTimes {
  /** On a CPU. */
  runMs: number;
  /** Runnable, waiting for a CPU. */
  waitMs: number;
}

export interface RunResult {
  /** Ticks measured in this run. */
  ticks: number;
  /** Bare-client round trip, responder in the bench process (bench/bus.ts's method). */
  rawLocal: Percentiles;
  /** Bare-client round trip, responder in a process of its own. */
  rawRemote: Percentiles;
  total: Percentiles;
  toIntent: Percentiles;
  toDecision: Percentiles;
  toOrder: Percentiles;
  /** Each agent's main thread, per order. */
  perOrder: Map<FleetAgent, SchedTimes>;
  duplicateIntents: number;
}

export interface RunContext {
  /** Every tick sent, warm-up included. */
  ticksSent: number;
  /** CPUs and load of the machine, for reading the figures. */
  machine: string;
}

export interface Extras {
  /** A book evaluated twice into two intents (should be 0). */
  duplicateIntents: number;
  /** Orders the venue received, measured or not (should equal the ticks sent). */
  ordersAtVenue: number;
}

type Hop = "total" | "toIntent" | "toDecision" | "toOrder" | "rawLocal" | "rawRemote";
type Median = (hop: Hop, p: keyof Percentiles) => number;

const ms = (metric: string, value: number, note?: string): BenchResult => ({
  metric,
  value,
  unit: "ms",
  ...(note === undefined ? {} : { note }),
});

export function tickRows(runs: RunResult[], extras: Extras, context: RunContext): BenchResult[] {
  const m: Median = (hop, p) => median(runs.map((r) => r[hop][p]));
  return [
    ...latencyRows(runs, m, context.machine),
    ...hopRows(m),
    ...schedRows(runs),
    countRow(extras, context.ticksSent),
  ];
}

function latencyRows(runs: RunResult[], m: Median, machine: string): BenchResult[] {
  const p50 = m("total", "p50");
  const p99 = m("total", "p99");
  const perRun = runs.map((r) => `${r.total.p50.toFixed(2)}/${r.total.p99.toFixed(2)}`).join(", ");
  const ticks = runs.length === 0 ? 0 : runs[0]?.ticks;
  const note =
    `median over ${runs.length} runs (${String(ticks)} sequential ticks each) of each run's ` +
    `percentile; per run p50/p99 ms: ${perRun}. ` +
    `Strategy, CRO and Execution as separate processes, NATS and PostgreSQL (fsync off) on the ` +
    `same machine (${machine}); raw round trips: bare client, same server, same runs`;
  const ratio = (metric: string, value: number): BenchResult => ({ metric, value, unit: "×" });
  return [
    {
      ...ms("tick-to-order p50 (md.book → order at venue)", p50, note),
      target: `≤ ${TARGET_P50_MS}`,
      pass: p50 <= TARGET_P50_MS,
    },
    { ...ms("tick-to-order p99", p99), target: `≤ ${TARGET_P99_MS}`, pass: p99 <= TARGET_P99_MS },
    ms("raw NATS round trip p50, responder in-process", m("rawLocal", "p50")),
    ms("raw NATS round trip p99, responder in-process", m("rawLocal", "p99")),
    ms("raw NATS round trip p50, responder in another process", m("rawRemote", "p50")),
    ms("raw NATS round trip p99, responder in another process", m("rawRemote", "p99")),
    ratio("tick-to-order / raw round trip (in-process), p50", p50 / m("rawLocal", "p50")),
    ratio("tick-to-order / raw round trip (other process), p50", p50 / m("rawRemote", "p50")),
    ratio("tick-to-order / raw round trip (other process), p99", p99 / m("rawRemote", "p99")),
  ];
}

function hopRows(m: Median): BenchResult[] {
  const note =
    "hops split at the JetStream timestamps of the stored intent and decision; each hop " +
    "includes the delivery to the agent, its work and its publish";
  return (["p50", "p99"] as const).flatMap((p) => [
    ms(
      `hop ${p}: book → intent stored (Strategy)`,
      m("toIntent", p),
      p === "p50" ? note : undefined,
    ),
    ms(`hop ${p}: intent → decision stored (CRO)`, m("toDecision", p)),
    ms(`hop ${p}: decision → order at venue (Execution)`, m("toOrder", p)),
  ]);
}

function schedRows(runs: RunResult[]): BenchResult[] {
  const note =
    "main thread, from /proc/<pid>/schedstat over each run, divided by its orders (so it " +
    "includes heartbeats, timers and window set-up); waiting = runnable but not on a CPU";
  const sched = (agent: FleetAgent, key: keyof SchedTimes) =>
    median(runs.map((r) => r.perOrder.get(agent)?.[key] ?? Number.NaN));
  return (["runMs", "waitMs"] as const).flatMap((key) =>
    (["strategy", "cro", "execution"] as const).map((agent) =>
      ms(
        `${key === "runMs" ? "on a CPU" : "waiting for a CPU"} per order, ${agent}`,
        sched(agent, key),
        key === "runMs" && agent === "strategy" ? note : undefined,
      ),
    ),
  );
}

function countRow(extras: Extras, ticksSent: number): BenchResult {
  const { ordersAtVenue, duplicateIntents } = extras;
  return {
    metric: "orders at the venue / ticks sent",
    value: ordersAtVenue,
    unit: "orders",
    target: `= ${ticksSent}`,
    pass: ordersAtVenue === ticksSent && duplicateIntents === 0,
    note: `${ticksSent} ticks sent (warm-up included); intents made twice on one book: ${duplicateIntents}`,
  };
}
