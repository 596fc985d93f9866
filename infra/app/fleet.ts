/**
 * The multi-process fleet as `predator start` (processes mode) and `predator up` run it: migrate
 * and prepare PostgreSQL, then one supervised child per agent instance, plus the simulated venue
 * (`venue-sim`) or the live adapter (`venue-live`). Singletons may have standby replicas (`--replicas cro=2`).
 */
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import type { Clock } from "../../bus/clock.ts";
import { migrate } from "../store/migrate.ts";
import { PgStore } from "../store/pg.ts";
import { AGENT_NAMES, isAgentName, type AgentName } from "../../agents/catalog.ts";
import { ConfigError } from "../../agents/runtime/errors.ts";
import type { ChildSpec } from "./supervisor.ts";
import {
  allowSimulatedInstrument,
  parseVenueOptions,
  windowArgs,
  type VenueCliOptions,
} from "./venue-options.ts";

export const PREDATOR_CLI = fileURLToPath(new URL("../cli/predator.js", import.meta.url));

/** Agents that hold a PostgreSQL lease: a second replica is a hot standby, never a second writer. */
export const SINGLETON_AGENTS: readonly AgentName[] = [
  "cro",
  "execution",
  "portfolio",
  "reconciler",
];
/** Bound on replicas per agent. */
export const REPLICAS_MAX = 3;

export type FleetMode = "paper" | "dry-run" | "live";

export interface FleetPlan {
  mode: FleetMode;
  replicas: Record<AgentName, number>;
  /** The venue process: the simulator (paper, dry-run) or the live adapter served over NATS. */
  venue: { command: "venue-sim" | "venue-live"; args: string[] };
}

/** "cro=2,execution=2": replicas per agent, 1 for the rest; only singletons may have more. */
export function parseReplicas(text: string | undefined): Record<AgentName, number> {
  const replicas = Object.fromEntries(AGENT_NAMES.map((n) => [n, 1])) as Record<AgentName, number>;
  if (text === undefined || text.trim() === "") return replicas;
  for (const part of text.split(",")) {
    const m = /^\s*([a-z-]+)=(\d+)\s*$/.exec(part);
    if (m === null)
      throw new ConfigError("--replicas", `expected agent=count, got ${JSON.stringify(part)}`);
    const [, name = "", count = ""] = m;
    if (!isAgentName(name))
      throw new ConfigError(
        "--replicas",
        `unknown agent "${name}" (known: ${AGENT_NAMES.join(", ")})`,
      );
    const n = Number(count);
    if (n < 1 || n > REPLICAS_MAX)
      throw new ConfigError("--replicas", `${name}: expected 1..${REPLICAS_MAX}, got ${n}`);
    if (n > 1 && !SINGLETON_AGENTS.includes(name))
      throw new ConfigError(
        "--replicas",
        `${name} is not a singleton; standby replicas are for ${SINGLETON_AGENTS.join(", ")}`,
      );
    replicas[name] = n;
  }
  return replicas;
}

/** The venue-sim flags exactly as the operator gave them. */
export function venueSimArgs(raw: VenueCliOptions): string[] {
  return [
    "--collateral",
    raw.collateral,
    ...windowArgs(raw),
    ...(raw.seed === undefined ? [] : ["--seed", raw.seed]),
  ];
}

/** The venue process, then one child per agent instance (`<agent>.<n>`). */
export function fleetChildren(
  plan: FleetPlan,
  env: Record<string, string | undefined>,
): ChildSpec[] {
  const children: ChildSpec[] = [];
  children.push({
    name: `${plan.venue.command}.1`,
    command: process.execPath,
    args: [PREDATOR_CLI, plan.venue.command, ...plan.venue.args],
    env,
  });
  for (const name of AGENT_NAMES) {
    for (let i = 1; i <= plan.replicas[name]; i++) {
      children.push({
        name: `${name}.${i}`,
        command: process.execPath,
        args: [PREDATOR_CLI, "agent", name, "--instance", String(i), "--mode", plan.mode],
        env,
      });
    }
  }
  return children;
}

/**
 * Applies pending migrations and, for shortened simulated windows, allows that instrument.
 * Returns the migrations applied.
 */
export async function prepareDatabase(
  databaseUrl: string,
  raw: VenueCliOptions | null,
  clock: Clock,
  log: Logger,
): Promise<string[]> {
  const applied = await migrate(databaseUrl);
  log.info({ applied }, "migrations applied");
  if (raw === null) return applied;
  const store = await PgStore.open(databaseUrl);
  try {
    const allowed = await allowSimulatedInstrument(store, parseVenueOptions(raw), clock.now());
    if (allowed !== null)
      log.info({ allowed }, "allowed_instruments set for the simulated windows");
  } finally {
    await store.close();
  }
  return applied;
}
