/**
 * `predator sim`: one seeded deterministic simulation (issue 6). A progress bar on a terminal
 * (stderr), a summary or `--json` at the end; exit code 1 when an invariant was violated, with the
 * command that reproduces the run. Bad arguments exit 2 and run nothing.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import type { ChaosLevel } from "../../chaos/engine.ts";
import {
  CHAOS_LEVEL_NAMES,
  runSimulation,
  verdictOf,
  type SimOptions,
  type SimResult,
} from "../../chaos/sim/run.ts";
import { PLANTS } from "../../chaos/sim/plants.ts";
import { isPass } from "../../chaos/sim/result.ts";
import { CADENCE_NAMES, type Cadence } from "../../chaos/sim/cadence.ts";
import { print, printError } from "../output.ts";

interface RawSimOptions {
  seed: number;
  days: number;
  chaos: ChaosLevel;
  scenario?: string;
  json?: boolean;
  report?: string;
  plant?: string;
  requoteMs?: number;
  cadence?: Cadence;
}

export function simCommand(program: Command): void {
  program
    .command("sim")
    .description("run the whole system on a virtual clock under seeded chaos and check invariants")
    .requiredOption("--seed <n>", "seed of every random stream (integer)", parseSeed)
    .option(
      "--days <d>",
      "simulated days of faults before the heal (fractions allowed)",
      parseDays,
      1,
    )
    .option("--chaos <level>", `fault level: ${CHAOS_LEVEL_NAMES.join("|")}`, parseChaos, "none")
    .option("--scenario <name>", "a named scenario from the chaos library")
    .option("--json", "print the result as JSON")
    .option("--report <dir>", "write report.md, report.html (and postmortem.md on failure)")
    .option(
      "--requote-ms <ms>",
      "market density: each book is requoted this often (default 3000)",
      parseRequote,
    )
    .addOption(cadenceOption())
    // Test-only: switches off a safety check on purpose to prove the checker catches it.
    .addOption(new Option("--plant <bug>", "plant a known bug").choices(PLANTS).hideHelp())
    .action(async (raw: RawSimOptions) => {
      const options: SimOptions = {
        seed: raw.seed,
        days: raw.days,
        chaos: raw.chaos,
        ...(raw.scenario !== undefined ? { scenario: raw.scenario } : {}),
        ...(raw.report !== undefined ? { reportDir: raw.report } : {}),
        ...(raw.plant !== undefined ? { plant: raw.plant } : {}),
        ...(raw.requoteMs !== undefined ? { requoteMs: raw.requoteMs } : {}),
        ...(raw.cadence !== undefined ? { cadence: raw.cadence } : {}),
      };
      const tty = process.stderr.isTTY;
      const write = (text: string): boolean => process.stderr.write(text);
      options.onProgress = tty
        ? progressBar(() => performance.now(), write)
        : progressLines(() => performance.now(), write, `sim seed ${raw.seed}`);
      // SIGINT or SIGTERM (Ctrl-C, a session's end) stops the run at its next step and reports
      // how far it got; a second one kills it as usual.
      const stop = new AbortController();
      const onSignal = (signal: NodeJS.Signals): void => {
        stop.abort(signal);
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      options.signal = stop.signal;
      write(
        `sim seed ${raw.seed}: running; SIGINT or SIGTERM stops it and reports how far it got\n`,
      );
      const result = await runSimulation(options).finally(() => {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      });
      // wallMs depends on them: the V8 flags this process runs with (node-flags.ts).
      const nodeFlags = process.execArgv.filter((a) => a.startsWith("--max-"));
      const shown = { ...result, nodeFlags };
      if (tty) process.stderr.write("\n");
      if (raw.json === true) print(JSON.stringify(shown, null, 2));
      else print(summary(shown));
      if (result.violations.length > 0) {
        printError(`invariant violated; reproduce with: ${result.reproduce}`);
        process.exitCode = 1;
      } else if (result.interrupted) {
        printError(`interrupted; run it whole with: ${result.reproduce}`);
        process.exitCode = stop.signal.reason === "SIGTERM" ? 143 : 130;
      } else if (!isPass(verdictOf(result))) {
        printError(`the chaos floor was not met; reproduce with: ${result.reproduce}`);
        process.exitCode = 1;
      }
    });
}

/** `--cadence production|relaxed`: how often heartbeats and other liveness work run. */
export function cadenceOption(): Option {
  return new Option(
    "--cadence <profile>",
    "liveness cadence: production (heartbeat 0.5 s) or relaxed (2 s, timeouts scaled to match)",
  ).choices(CADENCE_NAMES);
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > 0xffffffff) {
    throw new InvalidArgumentError("expected an integer in [0, 4294967295]");
  }
  return n;
}

export function parseDays(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0 || n > 3650) {
    throw new InvalidArgumentError("expected a number of days in (0, 3650], e.g. 0.05 or 30");
  }
  return n;
}

function parseRequote(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 100 || n > 60_000) {
    throw new InvalidArgumentError("expected an integer number of milliseconds in [100, 60000]");
  }
  return n;
}

export function parseChaos(value: string): ChaosLevel {
  const level = CHAOS_LEVEL_NAMES.find((l) => l === value);
  if (level === undefined) {
    throw new InvalidArgumentError(`expected one of ${CHAOS_LEVEL_NAMES.join("|")}`);
  }
  return level;
}

type Progress = (done: number, total: number) => void;

/** Wall seconds so far and a linear estimate of those left, e.g. "120 s, about 480 s left". */
function timing(elapsedMs: number, share: number): string {
  const left = share > 0 ? (elapsedMs * (1 - share)) / share : null;
  const s = (ms: number) => `${Math.round(ms / 1000).toLocaleString("en-US")} s`;
  return `${s(elapsedMs)} wall${left === null || share >= 1 ? "" : `, about ${s(left)} left`}`;
}

/** A redrawn bar on a terminal. */
export function progressBar(now: () => number, write: (text: string) => void): Progress {
  const width = 40;
  const started = now();
  return (done, total) => {
    const share = total === 0 ? 1 : Math.min(1, done / total);
    const filled = Math.round(share * width);
    const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
    write(`\r[${bar}] ${(share * 100).toFixed(1)}% ${timing(now() - started, share)}   `);
  };
}

/**
 * Elsewhere (a log file, CI): a plain line when another `stepPct` percent is done and at least
 * `quietMs` of wall time passed since the last line, so a run of hours shows how far it got and
 * how long it still needs, and a run of seconds prints nothing.
 */
export function progressLines(
  now: () => number,
  write: (text: string) => void,
  label: string,
  stepPct = 5,
  quietMs = 10_000,
): Progress {
  const started = now();
  let printed = 0;
  let printedAt = started;
  return (done, total) => {
    const pct = total === 0 ? 100 : Math.min(100, (done / total) * 100);
    const step = Math.floor(pct / stepPct) * stepPct;
    if (step <= printed || now() - printedAt < quietMs) return;
    printed = step;
    printedAt = now();
    const days = (ms: number) => (ms / 86_400_000).toFixed(2);
    const timed = timing(now() - started, pct / 100);
    write(`${label}: ${step}% (${days(done)} of ${days(total)} simulated days), ${timed}\n`);
  };
}

/** How many faults of each enabled kind were injected, against the level's floor when it has one. */
function faultLine(r: SimResult): string {
  const { minPerKind, injectedByKind } = r.faultFloor;
  const kinds = Object.entries(injectedByKind);
  if (kinds.length === 0) return "faults by kind: none enabled";
  const floor = minPerKind > 0 ? ` (floor ${minPerKind} each)` : "";
  return `faults by kind${floor}: ${kinds.map(([k, n]) => `${k} ${n}`).join(", ")}`;
}

function summary(r: SimResult & { nodeFlags: string[] }): string {
  const lines = [
    `seed ${r.seed}  days ${r.days}  chaos ${r.chaos}${r.scenario === null ? "" : `  scenario ${r.scenario}`}`,
    verdictOf(r),
    ...r.violations.map((v) => `  ${v.invariant}: ${v.message}`),
    `simulated ${(r.simulatedMs / 86_400_000).toFixed(3)} d in ${(r.wallMs / 1000).toFixed(1)} s wall, ${(r.cpuMs / 1000).toFixed(1)} s CPU (node ${r.nodeFlags.join(" ")}); ${r.busMessages} bus messages; ${r.bookUpdatesPerTokenPer10s} book updates/token/10 s`,
    `${r.events.toLocaleString("en-US")} events, ${r.eventsPerSecond.toLocaleString("en-US")} events/s`,
    `orders ${r.orders}  fills ${r.fills}  faults ${r.faultsInjected}  final state ${r.finalState}`,
    faultLine(r),
    `operator: ${r.operator.reviews} daily reviews, ${r.operator.newSessions} new sessions`,
    `event log ${r.eventLogHash}`,
  ];
  if (r.report !== null) lines.push(`report ${r.report}`);
  if (r.postMortem !== null) lines.push(`post-mortem ${r.postMortem}`);
  return lines.join("\n");
}
