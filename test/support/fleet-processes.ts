/**
 * The whole fleet as real processes, for crash → halt → recover acceptance tests and the recovery
 * bench: a private nats-server, a private PostgreSQL server (its own, so a test can stop and start
 * it), `predator venue-sim`, and one `predator agent <name>` per agent (plus optional standby
 * replicas) under the same Supervisor that `predator start` uses, restarting a dead one quickly.
 *
 * An observer connection records what the rest of the fleet sees: every `cro.state` (the trading
 * state as Execution receives it), every heartbeat, and the venue process's own record of our
 * orders and trades (the `venue.user` stream, which the venue publishes as it accepts, fills and
 * cancels). Controls: kill -9 / SIGSTOP / SIGCONT one agent's process, restart nats-server,
 * stop/start PostgreSQL, send operator commands.
 */
import { readFile, rm } from "node:fs/promises";
import { SystemClock } from "../../bus/clock.ts";
import { MessageFactory } from "../../bus/messages.ts";
import { NatsBus } from "../../bus/nats.ts";
import { SystemRng } from "../../bus/rng.ts";
import type { Subscription } from "../../bus/port.ts";
import { AGENT_NAMES, type AgentName } from "../../agents/catalog.ts";
import { createLogger } from "../../agents/runtime/logger.ts";
import { Supervisor, type ChildStatus } from "../../infra/app/supervisor.ts";
import type { VenueOrder, VenuePosition, VenueTrade } from "../../agents/runtime/venue.ts";
import type { TradingState } from "../../contracts/common.ts";
import type { HaltLevel, OpsReply } from "../../contracts/ops.ts";
import { migrate } from "../../infra/store/migrate.ts";
import { PgStore } from "../../infra/store/pg.ts";
import { startNatsServer, type NatsServerHandle, type SecureNats } from "../harness/nats.ts";
import { startPostgresServer, type PostgresServer } from "../harness/postgres.ts";
import { addPredatorChild, logTails, makeLogDir, waitFor, type FleetEnv } from "./processes.ts";

export interface ProcessFleetOptions {
  seed: number;
  windowSeconds: number;
  collateralUsd: number;
  /** Runtime controls written before any agent starts. */
  controls: Record<string, string>;
  /** Extra environment of every agent (PREDATOR_HEARTBEAT_MS, PREDATOR_STRATEGY_CONFIG…). */
  agentEnv?: Record<string, string>;
  /** Agents that get a second replica (instance "2"), a hot standby on the singleton lease. */
  standbys?: readonly AgentName[];
  /** First restart delay of the supervisor (doubles per quick death, capped at 4×). */
  restartDelayMs?: number;
  /**
   * A different first restart delay for some agents (they get a supervisor of their own), e.g. a
   * CRO that stays dead long enough for every dead man downstream of it to expire.
   */
  restartDelayMsOf?: Partial<Record<AgentName, number>>;
  logLevel?: string;
  /**
   * nats-server with the per-agent users and the system account of infra/nats/ (the CRO then sees
   * a killed process's disconnect at once); off: an open server, heartbeats only.
   */
  secureNats?: boolean;
}

export interface StateSeen {
  /** Wall time at which the observer received it. */
  at: number;
  state: TradingState;
  reason: string;
  epoch: number;
  /** The CRO instance that published it. */
  instance: string;
  /** Why the CRO would not be ACTIVE right now, even if asked (empty when it could be). */
  blockers: string[];
}

export interface HeartbeatSeen {
  at: number;
  pid: number;
  lifecycle: string;
  leader: boolean | null;
}

/** One of our orders as the venue process reported it (first event and the latest one). */
export interface VenueOrderSeen {
  order: VenueOrder;
  /** Venue time of acceptance. */
  createdAt: number;
  /** Wall time at which the observer first heard of it. */
  seenAt: number;
}

const VENUE_UP_MS = 60_000;
/** Execution refuses every new order once the CRO has been silent this long (croSilenceMs). */
export const EXECUTION_CRO_SILENCE_MS = 2_000;
const CALL_MS = 5_000;

/**
 * An order Execution had already sent when a halt was published can reach the venue a transport
 * hop later (Execution re-checks the trading state right before sending; 12 ms was seen once on a
 * loaded machine). Checks of "nothing reached the venue after the halt" start this much after the
 * moment the halt was seen on the bus.
 */
export const IN_FLIGHT_MS = 100;

export class ProcessFleet {
  readonly states: StateSeen[] = [];
  readonly heartbeats = new Map<string, HeartbeatSeen>();
  readonly venueOrders = new Map<string, VenueOrderSeen>();
  readonly venueTrades = new Map<string, VenueTrade>();
  /** Reconciliation verdicts with the wall time they were received. */
  readonly reconReports: Array<{ at: number; ts: number; verdict: string; mismatches: number }> =
    [];
  private readonly subs: Subscription[] = [];
  /** Supervisors of agents with their own restart delay, by agent. */
  private readonly ownSupervisors = new Map<string, Supervisor>();
  private readonly messages: MessageFactory;

  private constructor(
    readonly env: FleetEnv,
    readonly nats: NatsServerHandle,
    readonly postgres: PostgresServer,
    readonly store: PgStore,
    readonly observer: NatsBus,
    /** Asks the venue process (venue.call); the observer itself when NATS is open. */
    private readonly venueClient: NatsBus,
    /** Credentials (and the sys password) every child gets when NATS is secured. */
    private readonly natsEnv: Record<string, string>,
    readonly venueProcess: Supervisor,
    readonly agents: Supervisor,
    private readonly options: ProcessFleetOptions,
  ) {
    this.messages = new MessageFactory(new SystemClock(), new SystemRng(), {
      agent: "test-observer",
      instance: "1",
    });
  }

  /** Servers, schema, controls, observer, venue; the agents are started by `startAgents`. */
  static async start(options: ProcessFleetOptions): Promise<ProcessFleet> {
    const nats: NatsServerHandle & { secure?: SecureNats } = await startNatsServer({
      secure: options.secureNats === true,
    });
    const secure = nats.secure;
    const postgres = await startPostgresServer();
    await migrate(postgres.url);
    const store = await PgStore.open(postgres.url);
    for (const [key, value] of Object.entries(options.controls))
      await store.setControl(key, value, "test", Date.now());
    // Secured, the observer is the operator ("ops" sees everything and may command the CRO) and
    // asks the venue as the Reconciler does (ops may not publish venue.call).
    const observer = await NatsBus.connect({
      servers: nats.url,
      name: secure === undefined ? "test-observer.1" : "ops.observer",
      clock: new SystemClock(),
      ...(secure === undefined ? {} : secure.credentials("ops")),
    });
    const venueClient =
      secure === undefined
        ? observer
        : await NatsBus.connect({
            servers: nats.url,
            name: "reconciler.observer",
            clock: new SystemClock(),
            ...secure.credentials("reconciler"),
          });
    const env: FleetEnv = {
      natsUrl: nats.url,
      databaseUrl: postgres.url,
      logDir: await makeLogDir(),
      logLevel: options.logLevel ?? "info",
    };
    const fleet = new ProcessFleet(
      env,
      nats,
      postgres,
      store,
      observer,
      venueClient,
      { ...(secure?.env ?? {}) },
      fleetSupervisor(options.restartDelayMs ?? 200),
      fleetSupervisor(options.restartDelayMs ?? 200),
      options,
    );
    await fleet.observe();
    const venueArgs = [
      "venue-sim",
      ...["--seed", String(options.seed), "--window-seconds", String(options.windowSeconds)],
      ...["--collateral", String(options.collateralUsd)],
    ];
    addPredatorChild(fleet.venueProcess, "venue-sim.1", venueArgs, env, fleet.natsEnv);
    await waitFor(
      "the venue answering over NATS",
      async () => {
        const reply = await venueClient.request(
          fleet.messages.make("venue.call", { method: "markets", args: {}, timeoutMs: 1_000 }),
          "venue.result",
          { timeoutMs: 1_000 },
        );
        return reply.ok;
      },
      { timeoutMs: VENUE_UP_MS },
    );
    return fleet;
  }

  /** Every agent as its own process (instance "1"), and the standbys (instance "2"). */
  startAgents(): void {
    const extra = { ...this.natsEnv, ...(this.options.agentEnv ?? {}) };
    for (const name of AGENT_NAMES) this.addAgent(name, "1", extra);
    for (const name of this.options.standbys ?? []) this.addAgent(name, "2", extra);
  }

  private addAgent(name: AgentName, instance: string, extra: Record<string, string>): void {
    const args = ["agent", name, "--instance", instance];
    const delayMs = this.options.restartDelayMsOf?.[name];
    let supervisor = this.agents;
    if (delayMs !== undefined) {
      supervisor = this.ownSupervisors.get(name) ?? fleetSupervisor(delayMs);
      this.ownSupervisors.set(name, supervisor);
    }
    addPredatorChild(supervisor, `${name}.${instance}`, args, this.env, extra);
  }

  private async observe(): Promise<void> {
    this.subs.push(
      this.observer.subscribe("cro.state", (m) => {
        this.states.push({
          at: Date.now(),
          state: m.state,
          reason: m.reason,
          epoch: m.epoch,
          instance: m.source.instance,
          blockers: m.blockers,
        });
      }),
      this.observer.subscribe("hb", (m) => {
        this.heartbeats.set(`${m.agent}.${m.instance}`, {
          at: Date.now(),
          pid: m.pid,
          lifecycle: m.lifecycle,
          leader: m.leader,
        });
      }),
      this.observer.subscribe("recon.report", (m) => {
        this.reconReports.push({
          at: Date.now(),
          ts: m.ts,
          verdict: m.verdict,
          mismatches: m.mismatches.length,
        });
      }),
      await this.observer.consume(
        "venue.user",
        { durable: "test-observer-venue", ackWaitMs: 5_000, maxDeliver: 10, deliverPolicy: "all" },
        async (d) => {
          const e = d.message.event;
          if (e.type === "order") {
            const known = this.venueOrders.get(e.order.venueOrderId);
            this.venueOrders.set(e.order.venueOrderId, {
              order: e.order,
              createdAt: e.order.createdAt,
              seenAt: known?.seenAt ?? Date.now(),
            });
          } else {
            this.venueTrades.set(e.trade.tradeId, e.trade);
          }
          await d.ack();
        },
      ),
    );
  }

  /** The latest trading state the observer received, or null before the first. */
  state(): StateSeen | null {
    return this.states.at(-1) ?? null;
  }

  /** Waits for a `cro.state` received at or after `since` that satisfies `test`. */
  async waitState(
    what: string,
    test: (s: StateSeen) => boolean,
    options: { since?: number; timeoutMs: number },
  ): Promise<StateSeen> {
    const since = options.since ?? 0;
    return waitFor(what, () => this.states.find((s) => s.at >= since && test(s)), {
      timeoutMs: options.timeoutMs,
      pollMs: 5,
      describe: () =>
        this.states
          .slice(-5)
          .map((s) => `${s.state}(${s.reason}; blockers: ${s.blockers.join("; ") || "none"})`)
          .join(" | "),
    });
  }

  /**
   * Waits until trading is not ACTIVE as Execution sees it from `since` on: a `cro.state` other
   * than ACTIVE, or the CRO silent for Execution's dead-man time (its `croSilenceMs`), which
   * Execution treats as "refuse everything". Returns when that began (for silence: the last
   * state's receipt plus the dead-man time) and why.
   */
  async waitNotActive(options: {
    since: number;
    timeoutMs: number;
  }): Promise<{ at: number; why: string }> {
    return waitFor(
      "trading not ACTIVE as Execution sees it",
      () => {
        const said = this.states.find((s) => s.at >= options.since && s.state !== "ACTIVE");
        if (said !== undefined) return { at: said.at, why: `${said.state}: ${said.reason}` };
        const lastAt = this.states.at(-1)?.at ?? options.since;
        const silentFrom = Math.max(lastAt, options.since);
        if (Date.now() - silentFrom >= EXECUTION_CRO_SILENCE_MS)
          return { at: silentFrom + EXECUTION_CRO_SILENCE_MS, why: "CRO silent" };
        return null;
      },
      { timeoutMs: options.timeoutMs, pollMs: 5 },
    );
  }

  /** Every agent process the fleet supervises. */
  statuses(): ChildStatus[] {
    return [this.agents, ...this.ownSupervisors.values()].flatMap((s) => s.status());
  }

  child(name: string): ChildStatus {
    const status = this.statuses().find((c) => c.name === name);
    if (status === undefined) throw new Error(`no child named ${name}`);
    return status;
  }

  pid(name: string): number {
    const { pid, alive } = this.child(name);
    if (pid === null || !alive) throw new Error(`${name} is not running`);
    return pid;
  }

  /** kill -9 of one agent process; returns the wall time just before the signal. */
  kill(name: string): number {
    const at = Date.now();
    const supervisor = this.ownSupervisors.get(name.split(".")[0] ?? "") ?? this.agents;
    if (!supervisor.kill(name)) throw new Error(`could not kill ${name}`);
    return at;
  }

  /** SIGSTOP (a hung process: its connection stays open, nothing comes out of it). */
  pause(name: string): number {
    const at = Date.now();
    process.kill(this.pid(name), "SIGSTOP");
    return at;
  }

  resume(name: string): number {
    const at = Date.now();
    process.kill(this.pid(name), "SIGCONT");
    return at;
  }

  /** Waits until the supervisor restarted `name` (a new pid) and that pid heartbeats `running`. */
  async waitRestarted(name: string, oldPid: number, timeoutMs: number): Promise<number> {
    return waitFor(
      `${name} restarted and running`,
      () => {
        const c = this.child(name);
        if (!c.alive || c.pid === null || c.pid === oldPid) return null;
        const hb = this.heartbeats.get(name);
        return hb?.pid === c.pid && hb.lifecycle === "running" ? c.pid : null;
      },
      { timeoutMs, pollMs: 20, describe: () => JSON.stringify(this.heartbeats.get(name)) },
    );
  }

  /** Resident memory of a process in kB (VmRSS of /proc/<pid>/status). */
  static async rssKb(pid: number): Promise<number> {
    const text = await readFile(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
    if (match?.[1] === undefined) throw new Error(`no VmRSS for pid ${pid}`);
    return Number(match[1]);
  }

  /** An operator command to the CRO over `ops.command`. */
  async operator(
    command:
      | { kind: "halt"; level: HaltLevel }
      | { kind: "resume" }
      | { kind: "controls.set"; key: string; value: string },
    reason: string,
  ): Promise<OpsReply> {
    return this.observer.request(
      this.messages.make("ops.command", { command, actor: "tester", reason }),
      "ops.reply",
      { timeoutMs: CALL_MS },
    );
  }

  /** Our open orders according to the venue process itself (a venue.call, not our records). */
  venueOpenOrders(): Promise<VenueOrder[]> {
    return this.venueList<VenueOrder>("openOrders");
  }

  /** Our trades according to the venue process itself. */
  venueTradeList(): Promise<VenueTrade[]> {
    return this.venueList<VenueTrade>("trades");
  }

  /** Our shares per token according to the venue process itself. */
  venuePositions(): Promise<VenuePosition[]> {
    return this.venueList<VenuePosition>("positions");
  }

  private async venueList<T>(method: "openOrders" | "trades" | "positions"): Promise<T[]> {
    const reply = await this.venueClient.request(
      this.messages.make("venue.call", { method, args: {}, timeoutMs: CALL_MS }),
      "venue.result",
      { timeoutMs: CALL_MS },
    );
    if (!reply.ok) throw new Error(`venue ${method}: ${reply.error?.message ?? "failed"}`);
    return (reply.result as { items: T[] }).items;
  }

  /** Orders the venue accepted at or after `from` (venue clock = wall clock on this machine). */
  ordersPlacedBetween(from: number, to: number = Number.MAX_SAFE_INTEGER): VenueOrder[] {
    return [...this.venueOrders.values()]
      .filter((o) => o.createdAt >= from && o.createdAt <= to)
      .map((o) => o.order);
  }

  logTails(lines?: number): Promise<string> {
    return logTails(this.env.logDir, lines);
  }

  /** Stops everything; the logs are deleted unless `keepLogs`. */
  async close(keepLogs: boolean): Promise<void> {
    await Promise.all([this.agents, ...this.ownSupervisors.values()].map((s) => s.stop()));
    await this.venueProcess.stop();
    for (const s of this.subs.splice(0)) await s.unsubscribe().catch(() => undefined);
    if (this.venueClient !== this.observer) await this.venueClient.close().catch(() => undefined);
    await this.observer.close().catch(() => undefined);
    await this.store.close().catch(() => undefined);
    await this.postgres.destroy().catch(() => undefined);
    await this.nats.stop().catch(() => undefined);
    if (!keepLogs) await rm(this.env.logDir, { recursive: true, force: true });
  }
}

function fleetSupervisor(restartDelayMs: number): Supervisor {
  return new Supervisor({
    clock: new SystemClock(),
    log: createLogger({ agent: "test-supervisor", instance: "1", level: "warn", pretty: false }),
    restartDelayMs,
    restartDelayMaxMs: restartDelayMs * 4,
    stableAfterMs: 5_000,
    stopTimeoutMs: 15_000,
    stdio: "ignore",
  });
}
