/**
 * A small ChaosWorld for the engine's tests, built from the production pieces (independent of the
 * simulator's own world): the fleet on the in-memory bus, the embedded store and the simulated
 * venue, all on one VirtualClock and one seeded Rng. `agents: false` leaves the fleet empty (a cheap
 * world for schedule tests).
 */
import { VirtualClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { AGENT_NAMES, agentDefinition, type AgentName } from "../../agents/catalog.ts";
import { EmbeddedFleet } from "../../infra/app/embedded.ts";
import { silentLogger } from "../../agents/runtime/logger.ts";
import { toMicro } from "../../contracts/money.ts";
import { MemoryStore } from "../../infra/store/memory.ts";
import { SimVenue } from "../../infra/venue-sim/index.ts";
import type { ChaosWorld } from "../../infra/chaos/engine.ts";

export async function chaosWorld(seed: number, agents = true): Promise<ChaosWorld> {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12, 3, 0));
  const rng = new SeededRng(seed);
  const store = new MemoryStore();
  const venue = new SimVenue({ clock, rng: rng.fork("venue"), startingCollateral: toMicro("100") });
  const fleet = new EmbeddedFleet({ clock, rng, store, log: silentLogger(), mode: "PAPER" });
  const definition = (name: AgentName) => agentDefinition(name, { venue: () => venue });
  venue.start();
  if (agents) for (const name of AGENT_NAMES) await fleet.start(definition(name));
  return { clock, rng, broker: fleet.broker, fleet, venue, store, definition };
}
