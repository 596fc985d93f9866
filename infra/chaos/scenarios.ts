/**
 * The scenario library and the chaos levels. A level mixes every fault kind the swarm way
 * (TigerBeetle's simulator): each seed enables a random subset of kinds, each at a random rate
 * around its base, and the level scales how many kinds, how often and how hard. A named scenario
 * instead enables exactly its kinds (every one of them, early in the run and then at its rate), so
 * `--scenario flash-crash` always sees a flash crash.
 */
import { FAULT_KINDS } from "./faults/index.ts";
import type { ChaosLevel } from "./faults/types.ts";

export interface LevelMix {
  /** Chance that a seed enables any one fault kind. */
  enableProbability: number;
  /** Multiplies each kind's base episodes per day. */
  rateMultiplier: number;
  /** Scales probabilities, sizes and durations (0.5 light … 2 extreme). */
  intensity: number;
  /**
   * The floor: every kind the seed enables is injected at least this many times, however short
   * the run (episodes squeezed to fit). A run that misses it is not a chaos pass (result.ts).
   */
  minPerKind: number;
}

export const LEVELS: Record<ChaosLevel, LevelMix> = {
  none: { enableProbability: 0, rateMultiplier: 0, intensity: 0, minPerKind: 0 },
  light: { enableProbability: 0.3, rateMultiplier: 0.5, intensity: 0.5, minPerKind: 0 },
  medium: { enableProbability: 0.5, rateMultiplier: 1, intensity: 1, minPerKind: 0 },
  heavy: { enableProbability: 0.7, rateMultiplier: 2, intensity: 1.5, minPerKind: 1 },
  extreme: { enableProbability: 0.9, rateMultiplier: 4, intensity: 2, minPerKind: 2 },
};

export interface Scenario {
  readonly description: string;
  readonly kinds: readonly string[];
  /** Multiplies the level's rate for this scenario's kinds (a storm is more than one event). */
  readonly rateMultiplier?: number;
}

export const SCENARIOS: Record<string, Scenario> = {
  "flash-crash": {
    description: "the underlying falls 30 % in 3 minutes",
    kinds: ["market.flash-crash"],
  },
  "prolonged-bear": {
    description: "a steady negative drift for weeks or months",
    kinds: ["market.bear"],
  },
  "parabolic-mania": { description: "5× volatility for days", kinds: ["market.mania"] },
  "cro-partition": {
    description: "the CRO cut off from the bus",
    kinds: ["governance.cro-partition"],
    rateMultiplier: 3,
  },
  "controls-change": {
    description: "an operator changes runtime controls mid-run",
    kinds: ["governance.controls-change"],
    rateMultiplier: 3,
  },
  "agent-crash-storm": {
    description: "agents (the CRO included) killed and restarted over and over",
    kinds: ["process.crash"],
    rateMultiplier: 10,
  },
  hangs: {
    description: "agents hang and leak",
    kinds: ["process.pause", "process.leak"],
    rateMultiplier: 3,
  },
  "bus-storm": {
    description: "drops, delays, lag, duplicates, reordering, corruption and partitions",
    kinds: [
      "bus.drop",
      "bus.delay",
      "bus.lag",
      "bus.duplicate",
      "bus.reorder",
      "bus.corrupt",
      "bus.partition",
    ],
    rateMultiplier: 3,
  },
  "venue-ambiguity": {
    description: "timeouts and ambiguous 5xx answers from the venue",
    kinds: ["venue.timeout", "venue.5xx"],
    rateMultiplier: 3,
  },
  "venue-rejects": {
    description: "the venue refuses orders",
    kinds: ["venue.reject"],
    rateMultiplier: 3,
  },
  "ghost-fills": {
    description: "trades MATCHED then FAILED",
    kinds: ["venue.ghost-fill"],
    rateMultiplier: 3,
  },
  "partial-fills": {
    description: "fills of 30–40 % of an order",
    kinds: ["venue.partial-fill"],
    rateMultiplier: 3,
  },
  "tick-size-change": {
    description: "the tick size changes mid-window",
    kinds: ["venue.tick-size"],
    rateMultiplier: 3,
  },
  "stale-feed": {
    description: "market data stale or dropped",
    kinds: ["venue.stale-data", "venue.drop-data"],
    rateMultiplier: 3,
  },
  "heartbeat-expiry": {
    description: "the venue's dead-man switch expires",
    kinds: ["venue.heartbeat-expiry"],
    rateMultiplier: 3,
  },
  "rogue-strategy": {
    description: "a strategy sends ten times its intents",
    kinds: ["strategy.over-aggression"],
    rateMultiplier: 3,
  },
  "silent-death": { description: "a strategy slowly bleeds", kinds: ["strategy.silent-death"] },
  "tail-loss": { description: "an explosive loss of 15 % in a day", kinds: ["strategy.tail-loss"] },
};

/** Every fault kind at once, each early in the run: the engine's own smoke test. */
SCENARIOS["kitchen-sink"] = {
  description: "every fault kind, each at least once early in the run",
  kinds: FAULT_KINDS,
};

export const SCENARIO_NAMES: readonly string[] = Object.keys(SCENARIOS);

export function scenarioOf(name: string): Scenario {
  const s = SCENARIOS[name];
  if (s === undefined) {
    throw new RangeError(`unknown chaos scenario "${name}" (known: ${SCENARIO_NAMES.join(", ")})`);
  }
  return s;
}
