/**
 * What every fault module shares: the world the chaos engine acts on, and the shape of one fault
 * kind (how long an episode lasts, what injecting it does, how to undo it).
 */
import type { VirtualClock } from "../../../bus/clock.ts";
import type { MemoryBroker } from "../../../bus/memory.ts";
import type { Rng } from "../../../bus/rng.ts";
import type { AgentName } from "../../../agents/catalog.ts";
import type { AgentDefinition } from "../../../agents/runtime/actor.ts";
import type { EmbeddedFleet } from "../../app/embedded.ts";
import type { MemoryStore } from "../../store/memory.ts";
import type { SimVenue } from "../../venue-sim/index.ts";

export type ChaosLevel = "none" | "light" | "medium" | "heavy" | "extreme";

export const CHAOS_LEVELS: readonly ChaosLevel[] = ["none", "light", "medium", "heavy", "extreme"];

export interface ChaosWorld {
  clock: VirtualClock;
  rng: Rng;
  broker: MemoryBroker;
  fleet: EmbeddedFleet;
  venue: SimVenue;
  store: MemoryStore;
  /** To restart a killed agent with the same code and dependencies. */
  definition(agent: AgentName): AgentDefinition;
}

export interface FaultRecord {
  at: number;
  kind: string;
  target: string;
  detail: string;
  healedAt: number | null;
}

export type FaultFamily = "bus" | "process" | "venue" | "market" | "strategy" | "governance";

/** One injected episode: what it hit, in words, and how to undo it (idempotent). */
export interface Injection {
  target: string;
  detail: string;
  heal(): void;
}

/** The engine's services a fault module uses; one instance per engine. */
export interface FaultContext {
  readonly world: ChaosWorld;
  /** This fault kind's own stream (forked per kind, so kinds do not shift each other's draws). */
  readonly rng: Rng;
  /** 0.5 (light) … 2 (extreme): scales probabilities and sizes. */
  readonly intensity: number;
  /** When this episode heals on its own (the engine's timer); for faults that need to know. */
  readonly healAt: number;
}

export interface FaultKind {
  readonly kind: string;
  readonly family: FaultFamily;
  /** Mean episodes per simulated day at intensity 1 (levels scale it; each seed draws around it). */
  readonly perDay?: number;
  /** Episode length range in ms before intensity scaling. */
  readonly durationMs: readonly [number, number];
  /** Injects one episode, or returns null when there is nothing to hit right now. */
  inject(ctx: FaultContext): Injection | null;
}

/** Uniform integer in [lo, hi]. */
export function between(rng: Rng, lo: number, hi: number): number {
  return rng.int(Math.round(lo), Math.max(Math.round(lo), Math.round(hi)));
}

/** `<agent>.<instance>` → agent. */
export function agentOf(connection: string): string {
  const dot = connection.indexOf(".");
  return dot < 0 ? connection : connection.slice(0, dot);
}
