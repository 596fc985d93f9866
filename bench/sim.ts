/**
 * Simulator speed (issue 6): simulated days per wall-clock second at each chaos level, on one core
 * (the simulator is one Node thread), bus messages per second, and the market density the run
 * had (book updates per token per 10 simulated seconds; the target needs at least 1). The target
 * is a 365-day extreme run in under 60 s; the projection below says how far off we are.
 *
 * Run alone: `node --import tsx bench/sim.ts` (or `npm run bench -- sim`). SIM_BENCH_DAYS sets the
 * simulated span per level (default 0.02 ≈ 29 minutes, plus the heal and the checks at rest).
 */
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import type { ChaosLevel } from "../infra/chaos/engine.ts";
import { CHAOS_LEVEL_NAMES, runSimulation } from "../infra/chaos/sim/run.ts";
import type { Bench, BenchResult } from "./types.ts";

const DAY_MS = 86_400_000;
const SEED = 1;
const TARGET_DAYS = 365;
const TARGET_WALL_S = 60;
const DENSITY_MIN = 1;

function days(): number {
  const d = Number(process.env.SIM_BENCH_DAYS ?? "0.02");
  return Number.isFinite(d) && d > 0 ? d : 0.02;
}

async function level(chaos: ChaosLevel): Promise<BenchResult[]> {
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  const r = await runSimulation({ seed: SEED, days: days(), chaos });
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const simDays = r.simulatedMs / DAY_MS;
  const perWall = simDays / wallS;
  const perCpu = simDays / cpuS;
  const projectedS = TARGET_DAYS / perCpu;
  const rows: BenchResult[] = [
    {
      metric: `sim days per wall second (${chaos})`,
      value: perWall,
      unit: "days/s",
      note: `${simDays.toFixed(3)} d in ${wallS.toFixed(1)} s wall, ${cpuS.toFixed(1)} s CPU; ${r.faultsInjected} faults; ${r.violations.length} violations`,
    },
    { metric: `sim days per CPU second (${chaos})`, value: perCpu, unit: "days/s" },
    {
      metric: `speed-up over real time, wall (${chaos})`,
      value: r.simulatedMs / 1000 / wallS,
      unit: "x",
    },
    {
      metric: `bus messages per wall second (${chaos})`,
      value: r.busMessages / wallS,
      unit: "msg/s",
    },
    {
      metric: `book updates per token per 10 s (${chaos})`,
      value: r.bookUpdatesPerTokenPer10s,
      unit: "updates",
      target: `>= ${DENSITY_MIN}`,
      pass: r.bookUpdatesPerTokenPer10s >= DENSITY_MIN,
    },
  ];
  if (chaos === "extreme") {
    rows.push({
      metric: "projected 365-day extreme run (one core, CPU time)",
      value: projectedS,
      unit: "s",
      target: `< ${TARGET_WALL_S}`,
      pass: projectedS < TARGET_WALL_S,
      note: `${(projectedS / TARGET_WALL_S).toFixed(0)}x the target`,
    });
  }
  return rows;
}

export const benches: Bench[] = [
  {
    name: "sim",
    async run() {
      const rows: BenchResult[] = [];
      for (const chaos of CHAOS_LEVEL_NAMES) rows.push(...(await level(chaos)));
      return rows;
    },
  },
];

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const bench of benches) {
    for (const r of await bench.run()) {
      const verdict = r.pass === undefined ? "" : r.pass ? " PASS" : " FAIL";
      const target = r.target === undefined ? "" : ` (target ${r.target})`;
      process.stdout.write(
        `${r.metric}: ${r.value.toFixed(3)} ${r.unit}${target}${verdict}${r.note === undefined ? "" : `  ${r.note}`}\n`,
      );
    }
  }
}
