/**
 * Real-process chaos (issue 19): the whole fleet as real processes (test/support/fleet-processes.ts:
 * a private nats-server and PostgreSQL, `predator venue-sim`, every agent under the Supervisor, a
 * hot CRO standby), paper mode, short windows, the probe strategy, and a seeded sequence of real
 * faults one after another:
 *
 * - `agent.kill`: kill -9 of a random agent process (the CRO is `cro.takeover`);
 * - `venue.kill`: kill -9 of the venue process;
 * - `agent.stop`: SIGSTOP of a random agent until the CRO names it, then SIGCONT;
 * - `nats.restart`: kill -9 of nats-server, a seeded outage, the same port and store again;
 * - `postgres.restart`: PostgreSQL stopped `immediate`, a seeded outage, started again;
 * - `cro.takeover`: kill -9 of the CRO lease holder while a standby waits;
 * - `operator.halt`: a halt at a random level, then resume once it took effect.
 *
 * After each fault: trading must leave ACTIVE (as Execution sees it: a `cro.state` other than
 * ACTIVE or the CRO silent for Execution's dead man) and be ACTIVE again within a bound, else the
 * fault is a stuck-state failure reported with the CRO's blockers. Every so often and at the end an
 * audit checks, on the venue's own record: no BUY accepted while not ACTIVE (after IN_FLIGHT_MS),
 * every venue trade exactly one stored fill with the same terms, no fill the venue never made, and
 * the open positions equal to the venue's shares. Everything needed to replay a failure (seed,
 * options, the fault log as JSON lines, the fleet's logs) goes to `outDir`.
 */
import { appendFile, cp, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AGENT_NAMES, type AgentName } from "../../agents/catalog.ts";
import { SeededRng, type Rng } from "../../bus/rng.ts";
import type { HaltLevel } from "../../contracts/ops.ts";
import type { TradingState } from "../../contracts/common.ts";
import { percentiles, type Percentiles } from "../../bench/tick-stats.ts";
import { IN_FLIGHT_MS, ProcessFleet, type StateSeen } from "../support/fleet-processes.ts";
import { PROBE_STRATEGY, probeControls } from "../support/probe.ts";
import { waitFor } from "../support/processes.ts";

export const FAULT_KINDS = [
  "agent.kill",
  "venue.kill",
  "agent.stop",
  "nats.restart",
  "postgres.restart",
  "cro.takeover",
  "operator.halt",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Every kind but `venue.kill`: `predator venue-sim` keeps its ledger in memory and numbers orders
 * and trades from 1, so its kill -9 is a venue that forgets our positions and reuses trade ids (the
 * restarted venue's trade-00000001 is another trade than the stored fill of that id). A real venue
 * does neither, and the fleet rightly refuses to trade against one that does (a reconciliation
 * mismatch, and fills that no longer match the venue's record): a fault of the simulated venue, not
 * of the fleet. It runs on request (`--kinds venue.kill`), e.g. once the venue keeps its ledger.
 */
export const DEFAULT_KINDS: readonly FaultKind[] = FAULT_KINDS.filter((k) => k !== "venue.kill");

export function isFaultKind(s: string): s is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(s);
}

export interface RealChaosOptions {
  seed: number;
  /** How many faults of each kind, in a seeded order (`total` draws kinds at random instead). */
  plan: { perKind: number } | { total: number };
  kinds: readonly FaultKind[];
  /** Where the run's record goes; null keeps nothing (the logs are deleted unless a fault failed). */
  outDir: string | null;
  /** Not ACTIVE again this long after a fault: a stuck state. */
  stuckMs: number;
  /** An audit (fills, positions, orders while not ACTIVE) after every this many faults. */
  auditEvery: number;
  /** Progress lines (one per fault). */
  progress?: (line: string) => void;
}

export const DEFAULT_STUCK_MS = 60_000;
export const DEFAULT_AUDIT_EVERY = 10;

/** Short windows: the probe enters once per window, so more windows mean more trading. */
const WINDOW_SECONDS = 30;
/**
 * The probe enters on every book whose cheaper side asks at most 0.90 (up to 100 entries a window,
 * not the default one), under a cap that lets it add to a position many times: orders keep coming, so every
 * not-ACTIVE spell is tested against intents that really want to reach the venue.
 */
const STRATEGY = {
  ...PROBE_STRATEGY,
  params: { probe: { askMax: 900_000 } },
  entriesPerWindowMax: 100,
};
const CONTROLS = {
  ...probeControls(WINDOW_SECONDS * 1_000),
  position_cap_usd: "100",
  // The probe buys at any ask up to 0.90 and holds to settlement: it loses money by design, and
  // the default loss limits (a halt that waits for the operator) would end the run, not a fault.
  daily_drawdown_usd: "100000",
  session_loss_usd: "100000",
};
/** Plenty: settled windows lose some, and a drained account would stop the trading under test. */
const COLLATERAL_USD = 100_000;
/** Eight processes booting under tsx on a busy 2-core machine take a while. */
const FIRST_ACTIVE_MS = 180_000;
/** A fault that does not take trading out of ACTIVE this soon was not noticed. */
const DETECT_MS = 15_000;
/** Before a fault: the fleet whole, every process heartbeating, ACTIVE. */
const READY_MS = 90_000;
/** A heartbeat older than this does not count as "running" (the default beat is 500 ms). */
const FRESH_HEARTBEAT_MS = 2_500;
/**
 * Before each fault the fleet must trade: a venue trade newer than the last fault, within this
 * bound (the probe enters about once a second while ACTIVE). Without fills in between, the checks
 * after a fault (fills = venue trades, positions = shares) would check nothing new.
 */
const TRADE_MS = 30_000;
/** Then the fault lands a seeded moment later: often with an order or a fill in flight. */
const LAND_MS: readonly [number, number] = [0, 1_500];
/** The seeded length of a server outage (nats-server, PostgreSQL). */
const OUTAGE_MS: readonly [number, number] = [1_000, 3_000];
/** An audit waits this long at most for the books to agree with the venue (fills in flight). */
const AGREE_MS = 30_000;
const HALT_LEVELS: readonly HaltLevel[] = ["pause", "flatten", "emergency"];
/** The state each halt level settles in (flatten: FLATTENING, then PAUSED once flat). */
const HALT_SETTLES: Record<HaltLevel, TradingState> = {
  pause: "PAUSED",
  flatten: "PAUSED",
  emergency: "HALTED",
};
/** A death of one of ours is always noticed (issue 4: within about 20 ms, via $SYS). */
const MUST_DETECT: ReadonlySet<FaultKind> = new Set(["agent.kill", "agent.stop", "cro.takeover"]);
/** Agents a kill or a stop may pick (the CRO's own death is `cro.takeover`). */
const TARGETS: readonly AgentName[] = AGENT_NAMES.filter((a) => a !== "cro");

export interface FaultRecord {
  i: number;
  kind: FaultKind;
  target: string;
  detail: string;
  /** Wall time of the fault (just before the signal or the command). */
  at: number;
  /** Fault → trading not ACTIVE (as Execution sees it); null: not noticed within DETECT_MS. */
  detectMs: number | null;
  /** The first not-ACTIVE state after the fault, with its reason. */
  left: string | null;
  /** Fault → ACTIVE again; null: stuck, or never left ACTIVE (detectMs null). */
  recoveryMs: number | null;
  /** Not ACTIVE in [from, to]: no BUY may reach the venue then (checked at the next audit). */
  notActive: { from: number; to: number } | null;
  checks: { activeAgain: boolean; noBuyWhileNotActive: boolean | null };
  /** Venue trades between the previous fault and this one (the fleet traded before the fault). */
  tradesBefore: number;
  failure: string | null;
  /** The CRO's blockers when the fault failed to recover. */
  blockers: string[] | null;
}

export interface AuditResult {
  at: number;
  afterFault: number;
  venueTrades: number;
  fills: number;
  positionsChecked: number;
  failures: string[];
}

export interface KindSummary extends Percentiles {
  count: number;
  failures: number;
  /** Faults that never took trading out of ACTIVE (no recovery time). */
  undetected: number;
  detectP50: number;
}

export interface RealChaosReport {
  seed: number;
  kinds: readonly FaultKind[];
  faults: FaultRecord[];
  audits: AuditResult[];
  byKind: Partial<Record<FaultKind, KindSummary>>;
  failures: string[];
  /** Wall time of the whole run, boot included, and of the fault sequence alone. */
  totalMs: number;
  sequenceMs: number;
  venueOrders: number;
  venueTrades: number;
  /** Faults before which the fleet made no trade within TRADE_MS (injected anyway). */
  noTradeBefore: number;
}

/** The seeded order of fault kinds. */
export function faultSequence(
  rng: Rng,
  kinds: readonly FaultKind[],
  plan: RealChaosOptions["plan"],
): FaultKind[] {
  if (kinds.length === 0) throw new Error("no fault kinds");
  if ("total" in plan)
    return Array.from(
      { length: plan.total },
      () => kinds[rng.int(0, kinds.length - 1)] ?? "agent.kill",
    );
  const out = kinds.flatMap((k) => Array.from({ length: plan.perKind }, () => k));
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] ?? "agent.kill", out[i] ?? "agent.kill"];
  }
  return out;
}

/** What one injection did: when the fault began, and from when ACTIVE may count as recovered. */
interface Injected {
  target: string;
  detail: string;
  at: number;
  /** The fault is over (the process resumed, the server is back); ACTIVE counts from here. */
  over: number;
  /** Already seen not ACTIVE while the fault was on (a stop, a halt). */
  left?: { at: number; why: string };
}

export async function runRealChaos(options: RealChaosOptions): Promise<RealChaosReport> {
  const started = Date.now();
  const rng = new SeededRng(options.seed);
  const sequence = faultSequence(rng.fork("sequence"), options.kinds, options.plan);
  const faultRng = rng.fork("faults");
  const out = options.outDir;
  if (out !== null) {
    await mkdir(out, { recursive: true });
    await writeFile(join(out, "faults.jsonl"), "");
    await writeFile(
      join(out, "run.json"),
      `${JSON.stringify({ ...options, progress: undefined, sequence, windowSeconds: WINDOW_SECONDS }, null, 2)}\n`,
    );
  }
  const fleet = await ProcessFleet.start({
    seed: options.seed,
    windowSeconds: WINDOW_SECONDS,
    collateralUsd: COLLATERAL_USD,
    controls: CONTROLS,
    agentEnv: { PREDATOR_STRATEGY_CONFIG: JSON.stringify(STRATEGY) },
    // Per-agent users and the system account, as deployed: the CRO sees a death as a disconnect.
    secureNats: true,
    standbys: ["cro"],
    logLevel: "info",
  });
  const report: RealChaosReport = {
    seed: options.seed,
    kinds: options.kinds,
    faults: [],
    audits: [],
    byKind: {},
    failures: [],
    totalMs: 0,
    sequenceMs: 0,
    venueOrders: 0,
    venueTrades: 0,
    noTradeBefore: 0,
  };
  const chaos = new Run(fleet, faultRng, options, report);
  try {
    fleet.startAgents();
    await fleet.waitState("the first ACTIVE", (s) => s.state === "ACTIVE", {
      timeoutMs: FIRST_ACTIVE_MS,
    });
    const sequenceStart = Date.now();
    await chaos.sequence(sequence);
    report.sequenceMs = Date.now() - sequenceStart;
  } catch (error) {
    report.failures.push(`run aborted: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await chaos.flush();
    report.byKind = summarize(report.faults);
    report.venueOrders = fleet.venueOrders.size;
    report.venueTrades = fleet.venueTrades.size;
    report.totalMs = Date.now() - started;
    const failed = report.failures.length > 0;
    await fleet.close(failed || out !== null);
    if (out !== null) {
      await writeFile(join(out, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
      // Every trading state the observer received (Execution's view), for reading a failure.
      const states = fleet.states.map((s) => JSON.stringify(s)).join("\n");
      await writeFile(join(out, "states.jsonl"), `${states}\n`);
      await cp(fleet.env.logDir, join(out, "logs"), { recursive: true });
      await rm(fleet.env.logDir, { recursive: true, force: true });
    } else if (failed) {
      options.progress?.(`fleet logs kept in ${fleet.env.logDir}`);
    }
  }
  return report;
}

class Run {
  private unchecked: FaultRecord[] = [];
  /** Venue trades seen when the previous fault was injected. */
  private tradesAtLastFault = 0;
  /** Every process the fleet supervises, as `agent.instance`. */
  private readonly children: string[];

  constructor(
    private readonly fleet: ProcessFleet,
    private readonly rng: Rng,
    private readonly options: RealChaosOptions,
    private readonly report: RealChaosReport,
  ) {
    this.children = [...AGENT_NAMES.map((a) => `${a}.1`), "cro.2"];
  }

  async sequence(kinds: readonly FaultKind[]): Promise<void> {
    for (const [i, kind] of kinds.entries()) {
      const ready = await this.ready();
      if (ready !== null) {
        this.fail(`before fault ${i} (${kind}): ${ready}`);
        return;
      }
      const tradesBefore = await this.traded();
      // The wait for a trade may have seen the fleet leave ACTIVE again (a reconciliation that
      // caught fills in flight): the fault lands on a whole, ACTIVE fleet or not at all.
      const still = await this.ready();
      if (still !== null) {
        this.fail(`before fault ${i} (${kind}), after the wait for a trade: ${still}`);
        return;
      }
      const record = await this.one(i, kind, tradesBefore);
      this.tradesAtLastFault = this.fleet.venueTrades.size;
      this.report.faults.push(record);
      this.unchecked.push(record);
      if (record.failure !== null)
        this.fail(`fault ${i} (${kind} ${record.target}): ${record.failure}`);
      this.options.progress?.(progressLine(record));
      // A stuck fleet stays stuck: the rest of the sequence would only repeat this failure.
      if (!record.checks.activeAgain) return;
      if ((i + 1) % this.options.auditEvery === 0) await this.audit(i);
    }
  }

  /** The last audit, and the fault log of what it checked. */
  async flush(): Promise<void> {
    const last = this.report.audits.at(-1)?.afterFault;
    if (last !== undefined && last === this.report.faults.length - 1) return;
    await this.audit(this.report.faults.length - 1).catch((error: unknown) => {
      this.fail(`final audit: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private fail(what: string): void {
    this.report.failures.push(what);
  }

  /** Null when the fleet is whole and ACTIVE; else what is wrong, after READY_MS. */
  private async ready(): Promise<string | null> {
    const fleet = this.fleet;
    const missing = () =>
      this.children.filter((name) => {
        const c = fleet.child(name);
        const hb = fleet.heartbeats.get(name);
        // A hot standby heartbeats `starting`, not leading, until it takes the lease.
        const up = hb?.lifecycle === "running" || (hb?.lifecycle === "starting" && !hb.leader);
        return !c.alive || hb?.pid !== c.pid || !up || Date.now() - hb.at > FRESH_HEARTBEAT_MS;
      });
    try {
      await waitFor(
        "the fleet whole and ACTIVE",
        () => {
          const s = fleet.state();
          return (
            s?.state === "ACTIVE" &&
            Date.now() - s.at < FRESH_HEARTBEAT_MS &&
            fleet.venueProcess.status().every((c) => c.alive) &&
            missing().length === 0
          );
        },
        { timeoutMs: READY_MS, pollMs: 20 },
      );
      return null;
    } catch {
      const s = fleet.state();
      return `not whole and ACTIVE within ${READY_MS} ms: state ${describe(s)}; not running: ${missing().join(", ") || "none"}`;
    }
  }

  /**
   * Waits (bounded) until the venue made a trade of ours since the previous fault, then a seeded
   * moment more; returns the trades made since that fault. No trade in time is counted, not a
   * failure of the fleet (a window without liquidity), but the run reports it.
   */
  private async traded(): Promise<number> {
    const fleet = this.fleet;
    await waitFor(
      "a venue trade since the previous fault",
      () => fleet.venueTrades.size > this.tradesAtLastFault,
      {
        timeoutMs: TRADE_MS,
        pollMs: 20,
      },
    ).catch(() => {
      this.report.noTradeBefore++;
    });
    await outage(this.rng.int(...LAND_MS));
    return fleet.venueTrades.size - this.tradesAtLastFault;
  }

  private async one(i: number, kind: FaultKind, tradesBefore: number): Promise<FaultRecord> {
    const fleet = this.fleet;
    const record: FaultRecord = {
      i,
      kind,
      target: "",
      detail: "",
      at: Date.now(),
      detectMs: null,
      left: null,
      recoveryMs: null,
      notActive: null,
      checks: { activeAgain: false, noBuyWhileNotActive: null },
      tradesBefore,
      failure: null,
      blockers: null,
    };
    let injected: Injected;
    try {
      injected = await this.inject(kind);
    } catch (error) {
      record.failure = `injection failed: ${error instanceof Error ? error.message : String(error)}`;
      return record;
    }
    Object.assign(record, { target: injected.target, detail: injected.detail, at: injected.at });
    const left =
      injected.left ??
      (await fleet.waitNotActive({ since: injected.at, timeoutMs: DETECT_MS }).catch(() => null));
    if (left !== null) {
      record.detectMs = Math.max(0, left.at - injected.at);
      record.left = left.why;
    }
    if (left === null && MUST_DETECT.has(kind))
      record.failure = `not noticed: trading stayed ACTIVE ${DETECT_MS} ms after the fault`;
    const from = left?.at ?? injected.at;
    const back = await fleet
      .waitState("ACTIVE again", (s) => s.state === "ACTIVE", {
        since: Math.max(from, injected.over),
        timeoutMs: this.options.stuckMs,
      })
      .catch(() => null);
    if (back === null) {
      const s = fleet.state();
      record.blockers = s?.blockers ?? null;
      record.failure = `stuck: not ACTIVE within ${this.options.stuckMs} ms after the fault (last ${describe(s)})`;
      return record;
    }
    record.checks.activeAgain = true;
    // A fault nobody noticed (a venue restarted between two calls) has no recovery to time.
    if (left !== null) record.recoveryMs = back.at - injected.at;
    if (left !== null) record.notActive = { from: left.at + IN_FLIGHT_MS, to: back.at };
    return record;
  }

  private async inject(kind: FaultKind): Promise<Injected> {
    const fleet = this.fleet;
    const rng = this.rng;
    switch (kind) {
      case "agent.kill": {
        const name = `${pick(rng, TARGETS)}.1`;
        const oldPid = fleet.pid(name);
        const at = fleet.kill(name);
        return { target: name, detail: `kill -9 pid ${oldPid}`, at, over: at };
      }
      case "venue.kill": {
        const name = "venue-sim.1";
        const oldPid = fleet.venueProcess.status().find((c) => c.name === name)?.pid;
        const at = Date.now();
        if (!fleet.venueProcess.kill(name)) throw new Error(`could not kill ${name}`);
        return { target: name, detail: `kill -9 pid ${oldPid ?? "?"}`, at, over: at };
      }
      case "agent.stop": {
        const agent = pick(rng, TARGETS);
        const name = `${agent}.1`;
        const at = fleet.pause(name);
        // Hung until the CRO names it, as the reason or one of its blockers (it may already be
        // out of ACTIVE for another reason): the hang detection under test. Then it runs again.
        const seen = await fleet
          .waitState(
            `a state other than ACTIVE naming ${agent}`,
            (s) => s.state !== "ACTIVE" && [s.reason, ...s.blockers].some((r) => r.includes(agent)),
            { since: at, timeoutMs: DETECT_MS },
          )
          .catch(() => null);
        const over = fleet.resume(name);
        if (seen === null) throw new Error(`${name} SIGSTOPped ${DETECT_MS} ms: never named`);
        const why = `${seen.state}: ${seen.reason}`;
        return {
          target: name,
          detail: `SIGSTOP, SIGCONT after ${over - at} ms`,
          at,
          over,
          left: { at: seen.at, why },
        };
      }
      case "nats.restart": {
        const outageMs = rng.int(...OUTAGE_MS);
        const at = Date.now();
        fleet.nats.kill();
        await outage(outageMs);
        await fleet.nats.restart();
        return {
          target: "nats-server",
          detail: `kill -9, restarted after ${outageMs} ms`,
          at,
          over: Date.now(),
        };
      }
      case "postgres.restart": {
        const outageMs = rng.int(...OUTAGE_MS);
        const at = Date.now();
        await fleet.postgres.stop("immediate");
        const stopped = Date.now();
        await outage(outageMs);
        await fleet.postgres.start();
        const detail = `stop immediate (${stopped - at} ms), down ${outageMs} ms, start (${Date.now() - stopped - outageMs} ms)`;
        return { target: "postgresql", detail, at, over: Date.now() };
      }
      case "cro.takeover": {
        const lease = await fleet.store.getLease("cro");
        const leader = lease?.holder?.split("#")[0];
        if (leader === undefined || lease === null) throw new Error("nobody holds the cro lease");
        const standby = leader === "cro.1" ? "cro.2" : "cro.1";
        const at = fleet.kill(leader);
        // The killed leader restarts too and may win the expired lease itself: either is a new epoch.
        const taken = await waitFor(
          "a new CRO epoch",
          async () => {
            const now = await fleet.store.getLease("cro").catch(() => null);
            return now !== null && now.epoch > lease.epoch ? now : null;
          },
          { timeoutMs: this.options.stuckMs, pollMs: 50 },
        );
        const winner = taken.holder?.split("#")[0] ?? "?";
        const detail = `kill -9 of leader ${leader} (epoch ${lease.epoch}); ${winner === standby ? "standby" : "restarted leader"} ${winner} took epoch ${taken.epoch}`;
        return { target: leader, detail, at, over: at };
      }
      case "operator.halt": {
        const level = pick(rng, HALT_LEVELS);
        const at = Date.now();
        const reply = await fleet.operator({ kind: "halt", level }, `chaos-real: halt ${level}`);
        if (!reply.ok) throw new Error(`halt ${level} refused: ${JSON.stringify(reply)}`);
        const settles = HALT_SETTLES[level];
        const seen = await fleet.waitState(
          `${settles} after halt ${level}`,
          (s) => s.state === settles,
          {
            since: at,
            timeoutMs: DETECT_MS * 2,
          },
        );
        const resumed = await fleet.operator({ kind: "resume" }, "chaos-real: resume");
        if (!resumed.ok) throw new Error(`resume refused: ${JSON.stringify(resumed)}`);
        const why = `${seen.state}: ${seen.reason}`;
        const first = this.fleet.states.find((s) => s.at >= at && s.state !== "ACTIVE") ?? seen;
        return {
          target: level,
          detail: `halt ${level}, ${settles} after ${seen.at - at} ms, resume`,
          at,
          over: seen.at,
          left: { at: first.at, why },
        };
      }
    }
  }

  /**
   * The venue's record against ours: orders while not ACTIVE, trades against fills, shares against
   * open positions. Waits (bounded) for what is in flight to land before calling a difference.
   */
  private async audit(afterFault: number): Promise<void> {
    const fleet = this.fleet;
    const failures: string[] = [];
    const at = Date.now();
    // The venue's trade list (its memory) and its published record (the venue.user stream) agree
    // once the observer has caught up; only then are the orders it published complete enough.
    const trades = await waitFor(
      "the venue's published record caught up with its trade list",
      async () => {
        const list = await fleet.venueTradeList();
        return list.every((t) => fleet.venueTrades.has(t.tradeId)) ? list : null;
      },
      { timeoutMs: AGREE_MS, pollMs: 250 },
    ).catch(async () => {
      // The published record (what the orders-while-not-ACTIVE check reads) lacks trades the
      // venue made: say which, and still check the fills against the venue's own list.
      const list = await fleet.venueTradeList();
      const missing = list.filter((t) => !fleet.venueTrades.has(t.tradeId)).map((t) => t.tradeId);
      failures.push(
        `the venue's published record lacks ${missing.length} of its trades after ${AGREE_MS} ms: ${missing.slice(0, 10).join(", ")}`,
      );
      return list;
    });
    for (const r of this.unchecked.splice(0)) {
      if (r.notActive !== null) {
        const buys = fleet
          .ordersPlacedBetween(r.notActive.from, r.notActive.to)
          .filter((o) => o.side === "BUY");
        r.checks.noBuyWhileNotActive = buys.length === 0;
        if (buys.length > 0) {
          r.failure ??= `${buys.length} BUY accepted by the venue while not ACTIVE: ${buys.map((o) => o.venueOrderId).join(", ")}`;
          failures.push(`fault ${r.i} (${r.kind} ${r.target}): ${r.failure}`);
        }
      }
      if (this.options.outDir !== null)
        await appendFile(join(this.options.outDir, "faults.jsonl"), `${JSON.stringify(r)}\n`);
    }
    const venueById = new Map([...fleet.venueTrades].map(([id, t]) => [id, t]));
    for (const t of trades) venueById.set(t.tradeId, t);
    let fillCount = 0;
    const fillsAgree = await waitFor(
      "every venue trade exactly one fill with the same terms, no other fill",
      async () => {
        const fills = await fleet.store.listFills();
        fillCount = fills.length;
        return fillDifferences(venueById, fills).length === 0;
      },
      { timeoutMs: AGREE_MS, pollMs: 250 },
    ).catch(async () => fillDifferences(venueById, await fleet.store.listFills()));
    if (fillsAgree !== true) failures.push(...fillsAgree);
    let positionsChecked = 0;
    const sharesAgree = await waitFor(
      "open positions equal to the venue's shares",
      async () => {
        const diff = await positionDifferences(fleet);
        positionsChecked = diff.checked;
        return diff.differences.length === 0;
      },
      { timeoutMs: AGREE_MS, pollMs: 250 },
    ).catch(async () => (await positionDifferences(fleet)).differences);
    if (sharesAgree !== true) failures.push(...sharesAgree);
    const result: AuditResult = {
      at,
      afterFault,
      venueTrades: venueById.size,
      fills: fillCount,
      positionsChecked,
      failures,
    };
    this.report.audits.push(result);
    for (const f of failures) this.fail(`audit after fault ${afterFault}: ${f}`);
    this.options.progress?.(
      `audit after fault ${afterFault}: ${venueById.size} venue trades, ${fillCount} fills, ` +
        `${positionsChecked} tokens held; ${failures.length === 0 ? "ok" : failures.join("; ")}`,
    );
  }
}

/** Differences between the venue's trades and the stored fills, one line each (capped). */
function fillDifferences(
  venue: ReadonlyMap<
    string,
    { tradeId: string; side: string; price: number; size: number; tokenId: string }
  >,
  fills: ReadonlyArray<{
    tradeId: string;
    side: string;
    price: number;
    size: number;
    tokenId: string;
  }>,
): string[] {
  const out: string[] = [];
  const counts = new Map<string, number>();
  for (const f of fills) counts.set(f.tradeId, (counts.get(f.tradeId) ?? 0) + 1);
  for (const id of venue.keys()) {
    const n = counts.get(id) ?? 0;
    if (n === 0) out.push(`venue trade ${id} has no fill`);
    if (n > 1) out.push(`venue trade ${id} has ${n} fills`);
  }
  for (const f of fills) {
    const t = venue.get(f.tradeId);
    if (t === undefined) out.push(`fill ${f.tradeId} was never a venue trade`);
    else if (
      t.side !== f.side ||
      t.price !== f.price ||
      t.size !== f.size ||
      t.tokenId !== f.tokenId
    )
      out.push(`fill ${f.tradeId} differs: venue ${terms(t)}, stored ${terms(f)}`);
  }
  return out.length > 20 ? [...out.slice(0, 20), `… ${out.length - 20} more`] : out;
}

function terms(t: { side: string; price: number; size: number; tokenId: string }): string {
  return `${t.side} ${t.size}@${t.price} ${t.tokenId.slice(0, 8)}`;
}

/** Per token: the venue's shares against the open positions' confirmed and provisional shares. */
async function positionDifferences(
  fleet: ProcessFleet,
): Promise<{ checked: number; differences: string[] }> {
  const [venue, positions] = await Promise.all([
    fleet.venuePositions(),
    fleet.store.listPositions({ open: true }),
  ]);
  const shares = new Map<string, number>();
  for (const p of venue) shares.set(p.tokenId, (shares.get(p.tokenId) ?? 0) + p.shares);
  const books = new Map<string, number>();
  for (const p of positions)
    books.set(p.tokenId, (books.get(p.tokenId) ?? 0) + p.size + p.provisionalSize);
  const tokens = [...new Set([...shares.keys(), ...books.keys()])].sort();
  const differences = tokens
    .filter((t) => (shares.get(t) ?? 0) !== (books.get(t) ?? 0))
    .map(
      (t) =>
        `token ${t.slice(0, 8)}: venue ${shares.get(t) ?? 0} shares, books ${books.get(t) ?? 0}`,
    );
  return { checked: tokens.length, differences };
}

export function summarize(faults: readonly FaultRecord[]): Partial<Record<FaultKind, KindSummary>> {
  const out: Partial<Record<FaultKind, KindSummary>> = {};
  for (const kind of FAULT_KINDS) {
    const of = faults.filter((f) => f.kind === kind);
    if (of.length === 0) continue;
    const recovered = of.flatMap((f) => (f.recoveryMs === null ? [] : [f.recoveryMs]));
    const detected = of.flatMap((f) => (f.detectMs === null ? [] : [f.detectMs]));
    out[kind] = {
      count: of.length,
      failures: of.filter((f) => f.failure !== null).length,
      undetected: of.filter((f) => f.detectMs === null).length,
      ...percentiles(recovered),
      detectP50: percentiles(detected).p50,
    };
  }
  return out;
}

/** The per-kind table of a report, as text. */
export function formatReport(report: RealChaosReport): string {
  const lines = [
    `seed ${report.seed}: ${report.faults.length} faults in ${(report.sequenceMs / 1000).toFixed(0)} s ` +
      `(${(report.totalMs / 1000).toFixed(0)} s with boot and audits); ` +
      `${report.venueOrders} venue orders, ${report.venueTrades} venue trades; ` +
      `${report.noTradeBefore} fault(s) without a trade since the previous one`,
    "kind               count  fail  unseen  detect p50  recovery p50     p99     max (ms)",
  ];
  for (const [kind, s] of Object.entries(report.byKind)) {
    lines.push(
      `${kind.padEnd(18)} ${String(s.count).padStart(5)} ${String(s.failures).padStart(5)} ` +
        `${String(s.undetected).padStart(7)} ` +
        `${fmt(s.detectP50).padStart(11)} ${fmt(s.p50).padStart(13)} ${fmt(s.p99).padStart(7)} ${fmt(s.max).padStart(7)}`,
    );
  }
  lines.push(
    report.failures.length === 0
      ? "no failures"
      : `${report.failures.length} failure(s):\n  ${report.failures.join("\n  ")}`,
  );
  return lines.join("\n");
}

function fmt(n: number): string {
  return Number.isNaN(n) ? "-" : String(Math.round(n));
}

function progressLine(r: FaultRecord): string {
  const rec = r.recoveryMs === null ? "NOT RECOVERED" : `ACTIVE after ${r.recoveryMs} ms`;
  const det = r.detectMs === null ? "not noticed" : `not ACTIVE after ${r.detectMs} ms`;
  const fail =
    r.failure === null
      ? ""
      : ` FAILURE: ${r.failure}${r.blockers === null ? "" : ` blockers: ${JSON.stringify(r.blockers)}`}`;
  return `#${r.i} ${r.kind} ${r.target} (${r.detail}; ${r.tradesBefore} trades before): ${det}; ${rec}${fail}`;
}

function describe(s: StateSeen | null): string {
  if (s === null) return "none";
  return `${s.state} (${s.reason}) ${Date.now() - s.at} ms ago, blockers ${JSON.stringify(s.blockers)}`;
}

function pick<T>(rng: Rng, from: readonly T[]): T {
  const v = from[rng.int(0, from.length - 1)];
  if (v === undefined) throw new Error("pick from nothing");
  return v;
}

/** The fault's own duration (part of the scenario, not a wait for something to happen). */
function outage(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
