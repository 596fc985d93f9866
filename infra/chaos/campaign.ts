/**
 * A chaos campaign: many seeds of `runSimulation`, spread over worker processes (one per core by
 * default), collected into one table. Failing seeds — a violated invariant or a run that crashed —
 * are saved with the exact command that reproduces each, and the campaign fails if there is any.
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { ChaosLevel } from "./engine.ts";
import type { WorkerJob, WorkerReply } from "./campaign-worker.ts";
import { campaignHtml } from "./campaign-report.ts";
import { reproduceCommand, type SimResult } from "./sim/run.ts";
import type { Cadence } from "./sim/cadence.ts";
import { SIM_NODE_FLAGS } from "./sim/node-flags.ts";

export interface SeedRange {
  from: number;
  to: number;
}

export interface CampaignOptions {
  seeds: SeedRange;
  days: number;
  chaos: ChaosLevel;
  scenario?: string;
  /** Worker processes; default one per core, never more than there are seeds. */
  jobs?: number;
  /** Where campaign.json, campaign.html and, on failure, failing-seeds.txt/json are written. */
  outDir?: string;
  /** Test-only: a planted bug (see infra/chaos/sim/plants.ts). */
  plant?: string;
  /** Liveness cadence of every run (infra/chaos/sim/cadence.ts); production by default. */
  cadence?: Cadence;
  onRow?(row: CampaignRow, done: number, total: number): void;
}

export interface CampaignRow {
  seed: number;
  days: number;
  chaos: ChaosLevel;
  scenario: string | null;
  faults: number;
  violations: number;
  /** The violated invariants' names (first few). */
  invariants: string[];
  hash: string;
  wallMs: number;
  /** Clock steps of the run, and per wall second (the simulator's speed). */
  events: number;
  eventsPerSecond: number;
  busMessages: number;
  finalState: string;
  /** A crashed run (not a violation, still a failure). */
  error: string | null;
  reproduce: string;
}

export interface CampaignResult {
  rows: CampaignRow[];
  failing: CampaignRow[];
  wallMs: number;
  jobs: number;
  failuresFile: string | null;
  summaryFile: string | null;
}

/** Simulated days per run are capped by the simulator; seeds by this. */
export const CAMPAIGN_SEEDS_MAX = 100_000;

export class CampaignOptionsError extends Error {
  readonly code = "CONFIG";
}

/** "A..B" (inclusive) or a single seed "N". */
export function parseSeedRange(text: string): SeedRange {
  const m = /^\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?$/.exec(text);
  const from = m?.[1] === undefined ? NaN : Number(m[1]);
  const to = m?.[2] === undefined ? from : Number(m[2]);
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) {
    throw new CampaignOptionsError(`--seeds must be A..B or N (whole numbers), got "${text}"`);
  }
  if (to < from) throw new CampaignOptionsError(`--seeds ${text}: the range is empty (B < A)`);
  if (to > 0xffffffff) throw new CampaignOptionsError(`--seeds ${text}: seeds end at 4294967295`);
  if (to - from + 1 > CAMPAIGN_SEEDS_MAX) {
    throw new CampaignOptionsError(`--seeds ${text}: at most ${CAMPAIGN_SEEDS_MAX} seeds`);
  }
  return { from, to };
}

const WORKER = fileURLToPath(new URL("./campaign-worker.ts", import.meta.url));

export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const started = performance.now();
  const seeds: number[] = [];
  for (let s = o.seeds.from; s <= o.seeds.to; s++) seeds.push(s);
  const jobs = Math.max(1, Math.min(o.jobs ?? availableParallelism(), seeds.length));
  const rows: CampaignRow[] = [];
  const queue = [...seeds];
  const workers = Array.from({ length: jobs }, () => drain(queue, o, rows, seeds.length));
  await Promise.all(workers);
  rows.sort((a, b) => a.seed - b.seed);
  const failing = rows.filter((r) => r.violations > 0 || r.error !== null);
  const result: CampaignResult = {
    rows,
    failing,
    wallMs: Math.round(performance.now() - started),
    jobs,
    failuresFile: null,
    summaryFile: null,
  };
  if (o.outDir !== undefined) await save(o.outDir, o, result);
  return result;
}

/** One worker process taking seeds off the shared queue until it is empty. */
async function drain(
  queue: number[],
  o: CampaignOptions,
  rows: CampaignRow[],
  total: number,
): Promise<void> {
  if (queue.length === 0) return;
  const stderr: string[] = [];
  let child = spawnWorker(stderr);
  try {
    for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
      const row = await runOne(child, job(o, seed), stderr);
      rows.push(row);
      o.onRow?.(row, rows.length, total);
      // A worker that died (out of memory, a crash outside the run) is replaced for the next seed.
      if (child.exitCode !== null || child.signalCode !== null) child = spawnWorker(stderr);
    }
  } finally {
    if (child.connected) child.disconnect();
  }
}

function spawnWorker(stderr: string[]): ChildProcess {
  const child = fork(WORKER, [], {
    // Resolved here, not at load: the Docker image runs compiled code and ships no tsx.
    execArgv: [...SIM_NODE_FLAGS, "--import", import.meta.resolve("tsx")],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 200) stderr.shift();
  });
  return child;
}

function job(o: CampaignOptions, seed: number): WorkerJob {
  return {
    seed,
    days: o.days,
    chaos: o.chaos,
    ...(o.scenario !== undefined ? { scenario: o.scenario } : {}),
    ...(o.plant !== undefined ? { plant: o.plant } : {}),
    ...(o.cadence !== undefined ? { cadence: o.cadence } : {}),
  };
}

function runOne(child: ChildProcess, j: WorkerJob, stderr: string[]): Promise<CampaignRow> {
  return new Promise((resolve) => {
    const onMessage = (reply: WorkerReply): void => {
      if (reply.seed !== j.seed) return;
      cleanup();
      resolve(reply.ok ? rowOf(j, reply.result) : crashed(j, reply.error));
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      const tail = stderr.join("").slice(-2_000);
      resolve(crashed(j, `worker exited (code ${code}, signal ${signal}) ${tail}`.trim()));
    };
    const cleanup = (): void => {
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
    child.send(j);
  });
}

function rowOf(j: WorkerJob, r: SimResult): CampaignRow {
  return {
    seed: r.seed,
    days: r.days,
    chaos: r.chaos,
    scenario: r.scenario,
    faults: r.faultsInjected,
    violations: r.violations.length,
    invariants: [...new Set(r.violations.map((v) => v.invariant))].slice(0, 5),
    hash: r.eventLogHash,
    wallMs: r.wallMs,
    events: r.events,
    eventsPerSecond: r.eventsPerSecond,
    busMessages: r.busMessages,
    finalState: r.finalState,
    error: null,
    reproduce: r.reproduce === "" ? reproduceCommand(j) : r.reproduce,
  };
}

function crashed(j: WorkerJob, error: string): CampaignRow {
  return {
    seed: j.seed,
    days: j.days,
    chaos: j.chaos,
    scenario: j.scenario ?? null,
    faults: 0,
    violations: 0,
    invariants: [],
    hash: "",
    wallMs: 0,
    events: 0,
    eventsPerSecond: 0,
    busMessages: 0,
    finalState: "CRASHED",
    error,
    reproduce: reproduceCommand(j),
  };
}

async function save(dir: string, o: CampaignOptions, result: CampaignResult): Promise<void> {
  await mkdir(dir, { recursive: true });
  const summary = {
    seeds: `${o.seeds.from}..${o.seeds.to}`,
    days: o.days,
    chaos: o.chaos,
    scenario: o.scenario ?? null,
    cadence: o.cadence ?? "production",
    jobs: result.jobs,
    wallMs: result.wallMs,
    passed: result.rows.length - result.failing.length,
    failed: result.failing.length,
    rows: result.rows,
  };
  result.summaryFile = join(dir, "campaign.json");
  await writeFile(result.summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(join(dir, "campaign.html"), await campaignHtml(o, result));
  if (result.failing.length === 0) return;
  result.failuresFile = join(dir, "failing-seeds.txt");
  const lines = result.failing.map(
    (r) =>
      `${r.seed}\t${r.error === null ? r.invariants.join(",") : "crashed"}\t${r.reproduce} --report ${join(dir, `seed-${r.seed}`)}`,
  );
  await writeFile(result.failuresFile, `# seed\twhat\treproduce\n${lines.join("\n")}\n`);
  await writeFile(join(dir, "failing-seeds.json"), `${JSON.stringify(result.failing, null, 2)}\n`);
}

/** The table the CLI prints: one line per seed, then a verdict. */
export function campaignTable(result: CampaignResult): string {
  const head = ["seed", "days", "chaos", "faults", "violations", "hash", "wall ms", "events/s"];
  const body = result.rows.map((r) => [
    String(r.seed),
    String(r.days),
    r.scenario === null ? r.chaos : `${r.chaos}/${r.scenario}`,
    String(r.faults),
    r.error !== null
      ? "CRASH"
      : r.violations === 0
        ? "0"
        : `${r.violations} ${r.invariants.join(",")}`,
    r.hash.slice(0, 16),
    String(r.wallMs),
    String(r.eventsPerSecond),
  ]);
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const verdict =
    result.failing.length === 0
      ? `PASS: ${result.rows.length} seeds, no violation (${result.jobs} workers, ${(result.wallMs / 1000).toFixed(1)} s)`
      : `FAIL: ${result.failing.length} of ${result.rows.length} seeds failed (${result.jobs} workers, ${(result.wallMs / 1000).toFixed(1)} s)`;
  return [line(head), ...body.map(line), verdict].join("\n");
}
