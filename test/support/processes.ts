/**
 * Helpers for tests that run the fleet as real OS processes: `predator venue-sim` and one
 * `predator agent <name>` per agent, under the same Supervisor that `predator start` uses. Each
 * child's stdout and stderr go to its own file in a temp dir (the Supervisor itself only knows
 * inherit/ignore, so the child is started through `sh -c 'exec … >>log'`, which keeps the pid and
 * the signal path: SIGTERM reaches the node process itself).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { z } from "zod";
import { SystemClock, VirtualClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { createLogger, silentLogger } from "../../agents/runtime/logger.ts";
import { Supervisor, type ChildStatus } from "../../infra/app/supervisor.ts";
import { EmbeddedFleet } from "../../infra/app/embedded.ts";
import { AGENT_NAMES, agentDefinition } from "../../agents/catalog.ts";
import type { Intent } from "../../contracts/intents.ts";
import type { MdBook } from "../../contracts/market-data.ts";
import { toMicro } from "../../contracts/money.ts";
import { MemoryStore } from "../../infra/store/memory.ts";
import { SimVenue, outcomeTokenId } from "../../infra/venue-sim/index.ts";

export const PREDATOR_CLI = fileURLToPath(new URL("../../infra/cli/predator.js", import.meta.url));

const run = promisify(execFile);

/** Bounds of process management. */
const CLI_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const LOG_TAIL_LINES = 40;

export interface FleetEnv {
  natsUrl: string;
  databaseUrl: string;
  logDir: string;
  /** LOG_LEVEL of the children (their logs go to files). */
  logLevel?: string;
  /**
   * More environment for every child and CLI run: e.g. a secured server's credentials,
   * `(await startNatsServer({ secure: true })).secure.env` (each agent then connects as its own
   * user and the CRO watches `$SYS` disconnects), plus PREDATOR_APPROVAL_KEY.
   */
  extraEnv?: Readonly<Record<string, string>>;
}

export function makeLogDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "predator-e2e-logs-"));
}

function childEnv(env: FleetEnv): Record<string, string | undefined> {
  return {
    ...process.env,
    NATS_URL: env.natsUrl,
    DATABASE_URL: env.databaseUrl,
    PREDATOR_MODE: "paper",
    // JSON lines (stdout is a file, so never pino-pretty).
    LOG_LEVEL: env.logLevel ?? "info",
    ...env.extraEnv,
  };
}

/** `predator <args>` to completion (e.g. `migrate`); rejects with its output on failure. */
export async function runCli(args: string[], env: FleetEnv): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [PREDATOR_CLI, ...args], {
      env: childEnv(env),
      timeout: CLI_TIMEOUT_MS,
    });
    return stdout;
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`predator ${args.join(" ")} failed: ${e.message}\n${e.stderr ?? ""}`, {
      cause: error,
    });
  }
}

/** A Supervisor for test children: no restart storms (a death is a test failure, see `badExits`). */
export function testSupervisor(): Supervisor {
  return new Supervisor({
    clock: new SystemClock(),
    log: createLogger({ agent: "test-supervisor", instance: "1", level: "warn", pretty: false }),
    restartDelayMs: 1_000,
    restartDelayMaxMs: 10_000,
    stableAfterMs: 60_000,
    stopTimeoutMs: STOP_TIMEOUT_MS,
    stdio: "ignore",
  });
}

/** Adds `predator <args>` as child `name`, its output appended to `<logDir>/<name>.log`. */
export function addPredatorChild(
  supervisor: Supervisor,
  name: string,
  args: string[],
  env: FleetEnv,
  extraEnv: Record<string, string> = {},
): void {
  supervisor.add({
    name,
    command: "/bin/sh",
    args: [
      "-c",
      'exec "$0" "$@" >>"$PREDATOR_TEST_LOG" 2>&1',
      process.execPath,
      PREDATOR_CLI,
      ...args,
    ],
    env: { ...childEnv(env), ...extraEnv, PREDATOR_TEST_LOG: join(env.logDir, `${name}.log`) },
  });
}

export function addVenueSim(
  supervisor: Supervisor,
  env: FleetEnv,
  venue: { seed: number; windowSeconds: number; collateralUsd: number },
): void {
  addPredatorChild(
    supervisor,
    "venue-sim.1",
    [
      "venue-sim",
      "--seed",
      String(venue.seed),
      "--window-seconds",
      String(venue.windowSeconds),
      "--collateral",
      String(venue.collateralUsd),
    ],
    env,
  );
}

export function addAgents(supervisor: Supervisor, env: FleetEnv): void {
  for (const name of AGENT_NAMES)
    addPredatorChild(supervisor, `${name}.1`, ["agent", name, "--instance", "1"], env);
}

/** SIGTERM to every child (Supervisor.stop); returns how each one ended. */
export async function stopAll(supervisor: Supervisor): Promise<ChildStatus[]> {
  await supervisor.stop();
  return supervisor.status();
}

/** One line per child that did not end with exit code 0 or that had to be restarted. */
export function badExits(statuses: readonly ChildStatus[]): string[] {
  return statuses
    .filter((s) => s.restarts > 0 || s.lastExit?.code !== 0)
    .map(
      (s) =>
        `${s.name}: restarts=${s.restarts} exit=${s.lastExit?.code ?? "none"} signal=${s.lastExit?.signal ?? "none"}`,
    );
}

/** The last lines of every child's log, for a failure message. */
export async function logTails(logDir: string, lines = LOG_TAIL_LINES): Promise<string> {
  const files = (await readdir(logDir).catch(() => [] as string[])).sort();
  const parts: string[] = [`child logs in ${logDir}`];
  for (const f of files) {
    const text = await readFile(join(logDir, f), "utf8").catch(() => "");
    const tail = text.trimEnd().split("\n").slice(-lines).join("\n");
    parts.push(`---- ${f} (last ${lines} lines) ----\n${tail}`);
  }
  return parts.join("\n");
}

/** Parsed JSON log lines of one child (lines that are not JSON are skipped). */
export async function logRecords(
  logDir: string,
  child: string,
): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(join(logDir, `${child}.log`), "utf8").catch(() => "");
  const out: Array<Record<string, unknown>> = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a partial last line
    }
  }
  return out;
}

export class WaitTimeoutError extends Error {
  readonly code = "WAIT_TIMEOUT";
}

/**
 * Polls `probe` until it returns something other than null/undefined/false, at most `timeoutMs`.
 * A bounded wait on a condition, never a fixed sleep: it returns as soon as the condition holds,
 * and on timeout says what it waited for and what it last saw.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  options: { timeoutMs: number; pollMs?: number; describe?: () => string | Promise<string> },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    let lastError: string | null = null;
    try {
      const v = await probe();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (error) {
      lastError = error instanceof Error ? error.message : JSON.stringify(error);
    }
    if (Date.now() >= deadline) {
      const seen =
        options.describe === undefined ? "" : ` (last seen: ${await options.describe()})`;
      const err = lastError === null ? "" : ` (last error: ${lastError})`;
      throw new WaitTimeoutError(
        `timed out after ${options.timeoutMs} ms waiting for ${what}${seen}${err}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
}

// ---- the same scenario in one process ----

/** One CRO decision, reduced to what both runs can be compared on. */
export interface DecisionKey {
  windowId: string;
  kind: Intent["kind"];
  /** Which outcome token the intent trades. */
  outcome: "UP" | "DOWN";
  approved: boolean;
  reasons: string[];
  exitReason: Intent["exitReason"];
}

export function decisionKey(d: {
  intent: Intent;
  approved: boolean;
  reasons: string[];
}): DecisionKey {
  const { windowId, tokenId, kind, exitReason } = d.intent;
  return {
    windowId,
    kind,
    outcome: outcomeOf(windowId, tokenId),
    approved: d.approved,
    reasons: [...d.reasons],
    exitReason,
  };
}

/** Window ids are slugs and token ids derive from the slug, so the side needs no lookup. */
function outcomeOf(windowId: string, tokenId: string): "UP" | "DOWN" {
  return outcomeTokenId(windowId, "Up") === tokenId ? "UP" : "DOWN";
}

/** What the canary decided an entry on (a `strategy.signal` audit row), comparable across runs. */
export interface EntrySignal {
  windowId: string;
  outcome: "UP" | "DOWN";
  limitPrice: number;
  /** Both books exactly as the strategy saw them (seq and levels; timestamps left out). */
  books: string;
}

/** Levels as [price, size] pairs: jsonb does not keep an object's key order. */
const levels = z
  .array(z.object({ price: z.number(), size: z.number() }))
  .transform((ls) => ls.map((l) => [l.price, l.size]));
const seenBook = z.object({ seq: z.number(), bids: levels, asks: levels }).nullable();
const signalDetail = z.object({
  windowId: z.string(),
  signal: z.object({ tokenId: z.string(), limitPrice: z.number() }),
  books: z.object({ up: seenBook, down: seenBook }),
});

export function entrySignal(detail: unknown): EntrySignal {
  const d = signalDetail.parse(detail);
  const book = (b: z.output<typeof seenBook>) => b && [b.seq, b.bids, b.asks];
  const books = [book(d.books.up), book(d.books.down)];
  return {
    windowId: d.windowId,
    outcome: outcomeOf(d.windowId, d.signal.tokenId),
    limitPrice: d.signal.limitPrice,
    books: JSON.stringify(books),
  };
}

/** The content of an md.book, keyed `<token>:<seq>`, to measure how alike two runs' markets are. */
export function bookEntry(m: MdBook): [string, string] {
  const pairs = (ls: MdBook["bids"]) => ls.map((l) => [l.price, l.size]);
  return [`${m.tokenId}:${m.seq}`, JSON.stringify([pairs(m.bids), pairs(m.asks)])];
}

export interface RunRecord {
  decisions: DecisionKey[];
  signals: EntrySignal[];
  books: Map<string, string>;
}

export interface ReplayOptions {
  seed: number;
  windowMs: number;
  collateralUsd: number;
  /** When the venue-sim process built its venue (its clock starts the price path there). */
  venueStartedAt: number;
  /** When the agent processes were started. */
  agentsStartedAt: number;
  /** Runtime controls the operator set before the multi-process run. */
  controls: Record<string, string>;
  /** Virtual time to run to. */
  untilTs: number;
}

/**
 * The multi-process scenario again, in one process on a VirtualClock: the venue built exactly as
 * `predator venue-sim` builds it (SeededRng(seed) itself, not a fork) at the same instant, the
 * agents started at the same offset, the same controls. Records decisions, signals and books.
 */
export async function replayInProcess(o: ReplayOptions): Promise<RunRecord> {
  const clock = new VirtualClock(o.venueStartedAt);
  const store = new MemoryStore();
  for (const [key, value] of Object.entries(o.controls))
    await store.setControl(key, value, "test", o.venueStartedAt);
  const venue = new SimVenue({
    clock,
    rng: new SeededRng(o.seed),
    startingCollateral: toMicro(String(o.collateralUsd)),
    windowMs: o.windowMs,
  });
  const fleet = new EmbeddedFleet({
    clock,
    rng: new SeededRng(o.seed).fork("fleet"),
    store,
    log: silentLogger(),
    mode: "PAPER",
  });
  const run: RunRecord = { decisions: [], signals: [], books: new Map() };
  const entries: string[] = [];
  const observer = fleet.connect("test.observer");
  observer.subscribe("cro.decision", (m) => {
    run.decisions.push(decisionKey(m));
    if (m.intent.kind === "ENTRY") entries.push(m.intent.intentId);
  });
  observer.subscribe("md.book", (m) => {
    run.books.set(...bookEntry(m));
  });
  venue.start();
  await clock.runUntil(o.agentsStartedAt);
  for (const name of AGENT_NAMES) await fleet.start(agentDefinition(name, { venue: () => venue }));
  await clock.runUntil(o.untilTs);
  for (const intentId of entries) {
    for (const e of await store.auditFor(intentId))
      if (e.kind === "strategy.signal") run.signals.push(entrySignal(e.detail));
  }
  await stopOnClock(clock, fleet);
  venue.stop();
  return run;
}

/** A graceful stop waits on the same virtual clock: keep time moving until it is done. */
async function stopOnClock(clock: VirtualClock, fleet: EmbeddedFleet, boundMs = 60_000) {
  const done = { stopped: false };
  const stopping = fleet.stop().then(() => {
    done.stopped = true;
  });
  const bound = clock.now() + boundMs;
  while (!done.stopped && clock.now() < bound) await clock.advance(50);
  if (!done.stopped)
    throw new Error(`the embedded fleet did not stop within ${boundMs} ms (virtual)`);
  await stopping;
}
