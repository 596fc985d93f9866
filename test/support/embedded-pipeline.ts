/**
 * The whole fleet in one process on a virtual clock: seven agents on the in-memory bus, the
 * embedded store and the simulated venue, all seeded. Used by the pipeline and determinism tests.
 */
import { VirtualClock } from "../../bus/clock.ts";
import { SeededRng } from "../../bus/rng.ts";
import { MemoryStore } from "../../infra/store/memory.ts";
import { SimVenue } from "../../infra/venue-sim/index.ts";
import { AGENT_NAMES, agentDefinition } from "../../agents/catalog.ts";
import { EmbeddedFleet } from "../../infra/app/embedded.ts";
import { silentLogger } from "../../agents/runtime/logger.ts";
import { toMicro } from "../../contracts/money.ts";

export interface EmbeddedPipeline {
  clock: VirtualClock;
  store: MemoryStore;
  venue: SimVenue;
  fleet: EmbeddedFleet;
  /** Every decision, order event, fill and position message, in delivery order. */
  events: string[];
}

export async function startEmbeddedPipeline(seed: number): Promise<EmbeddedPipeline> {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 12, 3, 0));
  const rng = new SeededRng(seed);
  const store = new MemoryStore();
  const venue = new SimVenue({ clock, rng: rng.fork("venue"), startingCollateral: toMicro("100") });
  const fleet = new EmbeddedFleet({
    clock,
    rng,
    store,
    log: silentLogger(),
    mode: "PAPER",
    recordLog: false,
  });
  const events: string[] = [];
  const observer = fleet.connect("test.observer");
  observer.subscribe("cro.decision", (m) => {
    events.push(
      `decision ${m.intent.kind} ${m.intent.tokenId} approved=${m.approved} ${m.reasons.join(",")}`,
    );
  });
  observer.subscribe("exec.fill", (m) => {
    events.push(`fill ${m.tradeId} ${m.status} ${m.side} ${m.size}@${m.price} fee=${m.fee}`);
  });
  observer.subscribe("portfolio.position", (m) => {
    events.push(`position ${m.positionId} ${m.state} size=${m.size} pnl=${m.realizedPnl}`);
  });
  observer.subscribe("cro.state", (m) => {
    const last = events.findLast((e) => e.startsWith("state "));
    const line = `state ${m.state} ${m.reason}`;
    if (last !== line) events.push(line);
  });
  venue.start();
  for (const name of AGENT_NAMES) {
    const deps = { venue: () => venue, connectionEvents: fleet.connectionEvents };
    await fleet.start(agentDefinition(name, deps));
  }
  return { clock, store, venue, fleet, events };
}

/**
 * Stops the fleet while moving virtual time forward, so bounded waits inside a graceful stop (which
 * run on the same virtual clock) can elapse. Fails after `boundMs` of virtual time.
 */
export async function stopOnVirtualClock(p: EmbeddedPipeline, boundMs = 60_000): Promise<void> {
  const state = { done: false };
  const stopping = p.fleet.stop().then(() => {
    state.done = true;
  });
  const deadline = p.clock.now() + boundMs;
  while (!state.done && p.clock.now() < deadline) await p.clock.advance(50);
  if (!state.done) throw new Error(`fleet did not stop within ${boundMs} ms of virtual time`);
  await stopping;
  p.venue.stop();
}

/** Awaits a promise that needs virtual time to pass (a venue call's simulated latency). */
export async function withVirtualTime<T>(
  clock: VirtualClock,
  promise: Promise<T>,
  boundMs = 60_000,
): Promise<T> {
  const state = { settled: false };
  const tracked = promise.finally(() => {
    state.settled = true;
  });
  const deadline = clock.now() + boundMs;
  while (!state.settled && clock.now() < deadline) await clock.advance(10);
  return tracked;
}
