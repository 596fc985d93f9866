/**
 * The whole system in one process (issue 6): the seven production agents on an EmbeddedFleet over
 * the in-memory deterministic bus, a VirtualClock (TimeWarp), the embedded MemoryStore and the
 * SimVenue, all driven by ONE SeededRng from which every other random stream forks. The agent code
 * is the production code; the only difference is what Execution's venue handle reports to the
 * simulator (every placeOrder call, observed, never altered) and, when a bug is planted on purpose,
 * the planted wrapper.
 */
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng, type Rng } from "../../../bus/rng.ts";
import type { MemoryBroker } from "../../../bus/memory.ts";
import {
  AGENT_NAMES,
  agentDefinition,
  type AgentName,
  type AgentTuning,
} from "../../../agents/catalog.ts";
import type { StrategyConfig } from "../../../agents/strategy/index.ts";
import type { AgentDefinition } from "../../../agents/runtime/actor.ts";
import { EmbeddedFleet } from "../../app/embedded.ts";
import { silentLogger } from "../../../agents/runtime/logger.ts";
import type { PlaceOrderRequest, PlaceResult, Venue } from "../../../agents/runtime/venue.ts";
import { toMicro } from "../../../contracts/money.ts";
import type { StrategyManifest } from "../../../contracts/strategy-manifest.ts";
import { MemoryStore } from "../../store/memory.ts";
import { SimVenue, type SimVenueConfigOverrides } from "../../venue-sim/index.ts";
import type { ChaosWorld } from "../engine.ts";
import { plantedDefinition, type Plant } from "./plants.ts";
import { cadenceProfile, type Cadence, type CadenceProfile } from "./cadence.ts";

/**
 * The simulated streams keep a day (NATS keeps 7): restarts in a run replay minutes, and a year of
 * `cro.state` at production cadence would not fit in memory.
 */
export const SIM_STREAM_MAX_AGE_MS = 86_400_000;

/**
 * The simulated audit log keeps eight days (PostgreSQL keeps everything): kept whole, it was what
 * made a long run's heap grow by tens of megabytes per simulated day. Agents look up audit rows
 * only of recent intents, orders and decisions; the longest look-back is a restarted Reconciler's
 * (RESTART_LOOKBACK_MS, a week), which must find the decision of every order it judges.
 */
export const SIM_AUDIT_MAX_AGE_MS = 8 * 86_400_000;

/** 2026-01-05 12:03 UTC: a Monday, three minutes into a 15-minute window. */
export const SIM_START_MS = Date.UTC(2026, 0, 5, 12, 3, 0);

export interface VenuePlaceObserver {
  /** Called synchronously when Execution hands an order to the venue, before it travels. */
  onPlace(at: number, req: PlaceOrderRequest): void;
  /** Called when the venue's answer (or error) reaches Execution. */
  onPlaceResult(at: number, req: PlaceOrderRequest, result: PlaceResult | Error): void;
}

export interface WorldOptions {
  seed: number;
  startMs?: number;
  startingCollateralUsd?: string;
  venue?: SimVenueConfigOverrides;
  /** A deliberately broken safety check (tests of the invariant checker); none by default. */
  plant?: Plant;
  /** Keep every delivery line in memory (small determinism tests only). */
  recordLog?: boolean;
  /** How often the agents' periodic liveness work runs (cadence.ts); production by default. */
  cadence?: Cadence;
  /** Strategy agent settings over the cadence's (verification runs pick their strategy). */
  strategy?: Partial<StrategyConfig>;
  /** Per-agent settings over the cadence's (verification runs set Portfolio's exit policy). */
  tuning?: AgentTuning;
  /** The strategies' manifests (Strategy and CRO); default: the shipped ones. */
  manifests?: readonly StrategyManifest[];
  /**
   * Wraps Execution's venue handle (outside the observer): a verification run that proves it
   * catches a slow or mispriced exit breaks the venue this way. None by default.
   */
  wrapExecutionVenue?: (venue: Venue, clock: VirtualClock) => Venue;
}

export class SimWorld implements ChaosWorld {
  readonly clock: VirtualClock;
  readonly rng: Rng;
  readonly store = new MemoryStore({ auditMaxAgeMs: SIM_AUDIT_MAX_AGE_MS });
  readonly venue: SimVenue;
  readonly fleet: EmbeddedFleet;
  readonly broker: MemoryBroker;
  readonly seed: number;
  readonly cadence: CadenceProfile;
  /** The account's collateral at the start (micro-USDC). */
  readonly startingCollateral: number;
  private readonly observers = new Set<VenuePlaceObserver>();
  private readonly executionVenue: Venue;
  private readonly plant: Plant | null;
  private readonly plantRng: Rng;
  private readonly strategy: Partial<StrategyConfig>;
  private readonly tuning: AgentTuning;
  private readonly manifests: readonly StrategyManifest[] | undefined;

  constructor(options: WorldOptions) {
    this.seed = options.seed;
    this.cadence = cadenceProfile(options.cadence ?? "production");
    this.clock = new VirtualClock(options.startMs ?? SIM_START_MS);
    const root = new SeededRng(options.seed);
    this.rng = root;
    this.startingCollateral = toMicro(options.startingCollateralUsd ?? "100");
    this.venue = new SimVenue({
      clock: this.clock,
      rng: root.fork("venue"),
      startingCollateral: this.startingCollateral,
      ...options.venue,
      // No price socket unless a run asks for one: its md.underlying ticks would change every
      // event log (and the hashes docs/simulation.md quotes); the windows settle the same way.
      underlying: { tickMs: 0, ...options.venue?.underlying },
    });
    this.fleet = new EmbeddedFleet({
      clock: this.clock,
      rng: root,
      store: this.store,
      log: silentLogger(),
      mode: "PAPER",
      recordLog: options.recordLog ?? false,
      settings: this.cadence.host,
      streamMaxAgeMs: SIM_STREAM_MAX_AGE_MS,
    });
    this.broker = this.fleet.broker;
    this.plant = options.plant ?? null;
    this.plantRng = root.fork("plant");
    this.strategy = { ...this.cadence.strategy, ...options.strategy };
    this.tuning = mergeTuning(this.cadence.tuning, options.tuning ?? {});
    this.manifests = options.manifests;
    const observed = observedVenue(this.venue, this.clock, this.observers);
    this.executionVenue = options.wrapExecutionVenue?.(observed, this.clock) ?? observed;
  }

  /** Observes every order Execution sends to the venue (the invariant checker). */
  observeVenue(observer: VenuePlaceObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** The production definition of `agent`, as the fleet runs it (used to restart agents). */
  definition(agent: AgentName): AgentDefinition {
    const base = agentDefinition(agent, {
      venue: (who) => (who === "execution" ? this.executionVenue : this.venue),
      tuning: this.tuning,
      strategy: this.strategy,
      ...(this.manifests === undefined ? {} : { manifests: this.manifests }),
    });
    if (this.plant === null) return base;
    return plantedDefinition(this.plant, agent, base, this.plantRng);
  }

  /** Starts the venue's generator and every agent, in catalogue order. */
  async start(): Promise<void> {
    for (const [key, value] of Object.entries(this.cadence.controls)) {
      await this.store.setControl(key, value, "sim:cadence", this.clock.now());
    }
    this.venue.start();
    for (const name of AGENT_NAMES) await this.fleet.start(this.definition(name));
  }

  /**
   * Stops the fleet while moving virtual time forward, so bounded waits inside a graceful stop
   * (which run on the same virtual clock) can elapse. Fails after `boundMs` of virtual time.
   */
  async stop(boundMs = 60_000): Promise<void> {
    const state = { done: false };
    const stopping = this.fleet.stop().then(() => {
      state.done = true;
    });
    const deadline = this.clock.now() + boundMs;
    while (!state.done && this.clock.now() < deadline) await this.clock.advance(50);
    if (!state.done) throw new Error(`fleet did not stop within ${boundMs} ms of virtual time`);
    await stopping;
    this.venue.stop();
  }

  /** Awaits a promise that needs virtual time to pass (a venue call's simulated latency). */
  async withVirtualTime<T>(promise: Promise<T>, boundMs = 60_000): Promise<T> {
    const state = { settled: false };
    const tracked = promise.finally(() => {
      state.settled = true;
    });
    const deadline = this.clock.now() + boundMs;
    while (!state.settled && this.clock.now() < deadline) await this.clock.advance(10);
    return tracked;
  }
}

/** Execution's venue handle: the SimVenue itself, with placeOrder reported to the observers. */
function observedVenue(
  venue: SimVenue,
  clock: VirtualClock,
  observers: ReadonlySet<VenuePlaceObserver>,
): Venue {
  return new Proxy(venue, {
    get(target, property, receiver) {
      if (property === "placeOrder") {
        return async (req: PlaceOrderRequest, opts: Parameters<Venue["placeOrder"]>[1]) => {
          const sent = { ...req };
          for (const o of observers) o.onPlace(clock.now(), sent);
          try {
            const result = await target.placeOrder(req, opts);
            for (const o of observers) o.onPlaceResult(clock.now(), sent, result);
            return result;
          } catch (error) {
            const e = error instanceof Error ? error : new Error(String(error));
            for (const o of observers) o.onPlaceResult(clock.now(), sent, e);
            throw error;
          }
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function"
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

/** Each agent's settings: the cadence's, with the run's own on top. */
function mergeTuning(base: AgentTuning, over: AgentTuning): AgentTuning {
  const out: Record<string, object> = { ...base };
  for (const [agent, settings] of Object.entries(over) as [string, object | undefined][]) {
    if (settings === undefined) continue;
    out[agent] = { ...(out[agent] ?? {}), ...settings };
  }
  return out;
}
