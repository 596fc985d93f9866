/**
 * The CRO on an EmbeddedFleet (VirtualClock, SeededRng, MemoryStore), with the rest of the fleet
 * played by a test bus: heartbeats of the required agents, feed health, reconciliation reports and
 * windows, each switchable so a test can kill exactly one signal.
 */
import { VirtualClock, settle, type TimerHandle } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { MessageFactory } from "../../../bus/messages.ts";
import type { Bus } from "../../../bus/port.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";
import { EmbeddedFleet } from "../../../infra/app/embedded.ts";
import { DEFAULT_HOST_SETTINGS, type ActorHost } from "../../../agents/runtime/host.ts";
import { silentLogger } from "../../../agents/runtime/logger.ts";
import { createCroAgent, REQUIRED_AGENTS } from "../../../agents/cro/index.ts";
import type { CroConfig } from "../../../agents/cro/config.ts";
import type { StrategyManifest } from "../../../contracts/strategy-manifest.ts";
import type { CroDecision, CroState } from "../../../contracts/cro.ts";
import type { Intent } from "../../../contracts/intents.ts";
import type { Position } from "../../../contracts/positions.ts";
import type { OpsCommand, OpsReply } from "../../../contracts/ops.ts";
import type { ReconReport } from "../../../contracts/recon.ts";
import type { MdHealth } from "../../../contracts/market-data.ts";
import { DOWN, UP, WINDOW_ID, WINDOW_START } from "./fixtures.ts";

/** The agents' default heartbeat interval (agents/runtime/host.ts). */
const HEARTBEAT_MS = DEFAULT_HOST_SETTINGS.heartbeatMs;

const SINGLETONS = new Set(["execution", "portfolio", "reconciler", "cro"]);

export interface Signals {
  /** Agents that heartbeat (running; leader when a singleton). */
  alive: Set<string>;
  health: MdHealth["status"] | null;
  recon: ReconReport["verdict"] | null;
  balance: number | null;
  /** Sent with recon.report when set. */
  allowance?: number | null;
}

export class CroHarness {
  readonly clock: VirtualClock;
  readonly store: MemoryStore;
  readonly fleet: EmbeddedFleet;
  readonly bus: Bus;
  readonly states: CroState[] = [];
  readonly decisions: CroDecision[] = [];
  /** Correlation ids of the operator commands sent by `ask`. */
  readonly opsCorrelations: string[] = [];
  readonly signals: Signals = {
    alive: new Set(REQUIRED_AGENTS),
    health: "OK",
    recon: "CLEAN",
    balance: 100_000_000,
  };
  private readonly rng = new SeededRng(7);
  private readonly timers: TimerHandle[] = [];
  private readonly factories = new Map<string, MessageFactory>();
  /** Process start time each fake agent's heartbeats carry (0 unless `restart` moved it). */
  readonly startedAt = new Map<string, number>();
  /** The manifests every CRO this harness starts is given; undefined: the shipped ones. */
  manifests: readonly StrategyManifest[] | undefined = undefined;
  private hbSeq = 0;
  private runSeq = 0;

  constructor(options: { store?: MemoryStore; clock?: VirtualClock } = {}) {
    this.clock = options.clock ?? new VirtualClock();
    this.store = options.store ?? new MemoryStore();
    this.fleet = new EmbeddedFleet({
      clock: this.clock,
      rng: this.rng,
      store: this.store,
      log: silentLogger(),
      mode: "PAPER",
    });
    this.bus = this.fleet.connect("test.1");
    this.bus.subscribe("cro.state", (m) => {
      this.states.push(m);
    });
    this.bus.subscribe("cro.decision", (m) => {
      this.decisions.push(m);
    });
  }

  factory(agent: string): MessageFactory {
    let f = this.factories.get(agent);
    if (f === undefined) {
      f = new MessageFactory(this.clock, this.rng.fork(`fake-${agent}`), { agent, instance: "1" });
      this.factories.set(agent, f);
    }
    return f;
  }

  /** Starts a CRO instance and waits until it has published its first state. */
  async startCro(instance = "1", config: Partial<CroConfig> = {}): Promise<ActorHost> {
    const before = this.states.length;
    const manifests = this.manifests;
    const host = await this.fleet.start(
      createCroAgent({ config, ...(manifests === undefined ? {} : { manifests }) }),
      instance,
    );
    await this.until(() => this.states.length > before, 10_000);
    return host;
  }

  /** Heartbeats every 200 ms, feed health every 1 s, reconciliation every 2 s, as configured. */
  startSignals(): void {
    this.timers.push(this.clock.setInterval(HEARTBEAT_MS, () => void this.beat()));
    this.timers.push(this.clock.setInterval(1_000, () => void this.health()));
    this.timers.push(this.clock.setInterval(2_000, () => void this.report()));
    void this.beat();
    void this.health();
  }

  stopSignals(): void {
    for (const t of this.timers.splice(0)) this.clock.clearTimer(t);
  }

  async beat(): Promise<void> {
    for (const agent of this.signals.alive)
      await this.heartbeat(agent, "running", SINGLETONS.has(agent) ? true : null);
  }

  async heartbeat(agent: string, lifecycle: "starting" | "running", leader: boolean | null) {
    await this.bus.publish(
      this.factory(agent).make("hb", {
        agent,
        instance: "1",
        seq: this.hbSeq++,
        lifecycle,
        leader,
        pid: 1,
        startedAt: this.startedAt.get(agent) ?? 0,
        mailboxDepth: 0,
        intervalMs: HEARTBEAT_MS,
      }),
    );
  }

  async health(status = this.signals.health, staleTokens: string[] = []): Promise<void> {
    if (status === null) return;
    const msg = { feed: "venue", status, staleTokens, lastMessageAgeMs: 5, gapsTotal: 0 };
    await this.bus.publish(this.factory("market-data").make("md.health", msg));
  }

  async report(verdict = this.signals.recon, mismatches: ReconReport["mismatches"] = []) {
    if (verdict === null) return;
    await this.bus.publish(
      this.factory("reconciler").make("recon.report", {
        runId: `run-${++this.runSeq}`,
        verdict,
        positionsChecked: 0,
        ordersChecked: 0,
        balance: this.signals.balance,
        ...(this.signals.allowance === undefined ? {} : { allowance: this.signals.allowance }),
        assertions: [],
        mismatches,
      }),
    );
  }

  async mismatch(kind: ReconReport["mismatches"][number]["kind"], key: string): Promise<void> {
    const mismatches = [{ kind, key, expected: "a", actual: "b" }];
    await this.bus.publish(
      this.factory("reconciler").make("recon.mismatch", {
        runId: `mm-${++this.runSeq}`,
        mismatches,
      }),
    );
  }

  async listWindow(startTs = WINDOW_START): Promise<void> {
    await this.bus.publish(
      this.factory("market-data").make("md.window", {
        windowId: startTs === WINDOW_START ? WINDOW_ID : `btc-updown-15m-${startTs / 1000}`,
        slug: WINDOW_ID,
        startTs,
        endTs: startTs + 900_000,
        upTokenId: UP,
        downTokenId: DOWN,
        tickSize: 10_000,
        minSize: 5_000_000,
        feeRateBps: 700,
        status: startTs <= this.clock.now() ? "OPEN" : "LISTED",
        outcome: null,
      }),
    );
  }

  async position(p: Position): Promise<void> {
    await this.bus.publish(this.factory("portfolio").make("portfolio.position", p));
  }

  /** Publishes an intent and waits for the decision on it. */
  async decide(intent: Intent, type: "strategy.intent" | "portfolio.exit" = "strategy.intent") {
    const agent = type === "strategy.intent" ? "strategy" : "portfolio";
    const before = this.decisions.length;
    await this.bus.publish(this.factory(agent).make(type, intent));
    await this.until(() => this.decisions.length > before, 5_000);
    const d = this.decisions.at(-1);
    if (d === undefined) throw new Error("no decision");
    return d;
  }

  /** Sends an operator command and waits for the reply. */
  async ask(command: OpsCommand["command"], actor = "alice", reason = "test"): Promise<OpsReply> {
    const msg = this.factory("ops").make("ops.command", { command, actor, reason });
    this.opsCorrelations.push(msg.correlationId);
    const outcome: { reply?: OpsReply; failure?: Error } = {};
    this.bus.request(msg, "ops.reply", { timeoutMs: 2_000 }).then(
      (r) => (outcome.reply = r),
      (e: unknown) => (outcome.failure = e instanceof Error ? e : new Error("request failed")),
    );
    await this.until(() => outcome.reply !== undefined || outcome.failure !== undefined, 3_000);
    if (outcome.failure !== undefined) throw outcome.failure;
    if (outcome.reply === undefined) throw new Error("no reply");
    return outcome.reply;
  }

  state(): CroState {
    const s = this.states.at(-1);
    if (s === undefined) throw new Error("no cro.state yet");
    return s;
  }

  /** Advances virtual time in small steps until `cond` holds; fails after `maxMs` of it. */
  async until(cond: () => boolean, maxMs: number, stepMs = 10): Promise<number> {
    const start = this.clock.now();
    for (;;) {
      await settle();
      if (cond()) return this.clock.now() - start;
      if (this.clock.now() - start >= maxMs) {
        throw new Error(`condition not met within ${maxMs} ms of virtual time`);
      }
      await this.clock.advance(stepMs);
    }
  }

  async untilState(state: CroState["state"], maxMs = 10_000): Promise<number> {
    return this.until(() => this.states.at(-1)?.state === state, maxMs);
  }

  /** Runs the clock for `ms` and proves the state stayed `state` the whole time. */
  async holds(state: CroState["state"], ms: number): Promise<void> {
    const from = this.states.length;
    await this.clock.advance(ms);
    await settle();
    const seen = new Set(this.states.slice(from - 1).map((s) => s.state));
    if (seen.size !== 1 || !seen.has(state)) {
      throw new Error(`expected ${state} throughout, saw ${[...seen].join(", ")}`);
    }
  }

  async stop(): Promise<void> {
    this.stopSignals();
    await this.fleet.stop();
  }
}

/** A harness whose CRO is up, every signal flowing, and already ACTIVE. */
export async function activeCro(
  config: Partial<CroConfig> = {},
  manifests?: readonly StrategyManifest[],
): Promise<CroHarness> {
  const h = new CroHarness();
  h.manifests = manifests;
  await h.startCro("1", config);
  h.startSignals();
  await h.listWindow();
  await h.untilState("ACTIVE");
  return h;
}
