/**
 * Acceptance (issue 4): the infrastructure fails under a trading fleet of real processes. First
 * nats-server dies (kill -9) and comes back on the same port and store; then PostgreSQL stops and
 * starts. Each time: trading halts (the state leaves ACTIVE before trading goes on), nothing
 * risk-increasing reaches the venue until ACTIVE again, the fleet recovers by itself, and in the
 * end every trade the venue made is exactly one fill in PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { PROBE_AGENT_ENV, probeControls } from "../support/probe.ts";
import { IN_FLIGHT_MS, ProcessFleet } from "../support/fleet-processes.ts";
import { waitFor } from "../support/processes.ts";

const WINDOW_SECONDS = 60;
const CONTROLS = probeControls(WINDOW_SECONDS * 1_000);

/** How long each server stays down: longer than the CRO's agent timeout (2.5 s). */
const OUTAGE_MS = 4_000;
/** Eight processes booting under tsx on a busy 2-core machine take a while. */
const FIRST_ACTIVE_MS = 180_000;
const BACK_ACTIVE_MS = 60_000;
const CASE_MS = 150_000;

describe("nats-server and PostgreSQL restarts under a trading fleet", () => {
  let fleet: ProcessFleet;
  let failed = false;

  beforeAll(async () => {
    fleet = await ProcessFleet.start({
      seed: 31,
      windowSeconds: WINDOW_SECONDS,
      collateralUsd: 1_000,
      controls: CONTROLS,
      agentEnv: PROBE_AGENT_ENV,
    });
    fleet.startAgents();
    await fleet
      .waitState("the first ACTIVE", (s) => s.state === "ACTIVE", { timeoutMs: FIRST_ACTIVE_MS })
      .catch(async (error: unknown) => {
        failed = true;
        process.stderr.write(`${await fleet.logTails(30)}\n`);
        throw error;
      });
  }, FIRST_ACTIVE_MS + 90_000);

  afterAll(async () => {
    // undefined when the servers could not even start (beforeAll threw first)
    await (fleet as ProcessFleet | undefined)?.close(failed);
  }, 60_000);

  const onFailure = () => {
    onTestFailed(async () => {
      failed = true;
      process.stderr.write(`${await fleet.logTails(30)}\n`);
    });
  };

  it(
    "nats-server killed and restarted: halt, recovery, ACTIVE again",
    async () => {
      onFailure();
      await waitFor("a trade before the fault", () => fleet.venueTrades.size > 0, {
        timeoutMs: 60_000,
      });
      const down = Date.now();
      fleet.nats.kill();
      await waitFor("the observer to notice", () => fleet.observer.status() !== "connected", {
        timeoutMs: 5_000,
        pollMs: 10,
      });
      await outage();
      await fleet.nats.restart();
      const up = Date.now();
      // The first state published after the restart must not be ACTIVE: the fleet lost its bus.
      const first = await fleet.waitState("a cro.state after the restart", () => true, {
        since: up,
        timeoutMs: BACK_ACTIVE_MS,
      });
      expect(first.state).not.toBe("ACTIVE");
      const back = await fleet.waitState("ACTIVE again", (s) => s.state === "ACTIVE", {
        since: first.at,
        timeoutMs: BACK_ACTIVE_MS,
      });
      expect(buys(fleet.ordersPlacedBetween(down + IN_FLIGHT_MS, back.at))).toEqual([]);
    },
    CASE_MS,
  );

  it(
    "PostgreSQL stopped and started: halt, recovery, ACTIVE again",
    async () => {
      onFailure();
      await fleet.waitState("ACTIVE before the fault", (s) => s.state === "ACTIVE", {
        since: Date.now(),
        timeoutMs: BACK_ACTIVE_MS,
      });
      const down = Date.now();
      await fleet.postgres.stop("immediate");
      // The CRO cannot renew its lease: it says so, or (deposed, fenced) falls silent, which
      // Execution's dead man treats the same way. Either way, PostgreSQL comes back after.
      const left = await fleet
        .waitNotActive({ since: down, timeoutMs: 15_000 })
        .finally(async () => {
          await outage();
          await fleet.postgres.start();
        });
      const back = await fleet.waitState("ACTIVE again", (s) => s.state === "ACTIVE", {
        since: left.at,
        timeoutMs: BACK_ACTIVE_MS,
      });
      expect(buys(fleet.ordersPlacedBetween(left.at + IN_FLIGHT_MS, back.at))).toEqual([]);
    },
    CASE_MS,
  );

  it(
    "nothing lost: every venue trade is exactly one fill in PostgreSQL",
    async () => {
      onFailure();
      const trades = await fleet.venueTradeList();
      expect(trades.length).toBeGreaterThan(0);
      const fills = await waitFor(
        "every venue trade recorded as a fill",
        async () => {
          const rows = await fleet.store.listFills();
          const ids = new Set(rows.map((f) => f.tradeId));
          return trades.every((t) => ids.has(t.tradeId)) ? rows : null;
        },
        {
          timeoutMs: 30_000,
          pollMs: 250,
          describe: async () => {
            const ids = new Set((await fleet.store.listFills()).map((f) => f.tradeId));
            return `missing ${trades.filter((t) => !ids.has(t.tradeId)).length} of ${trades.length}`;
          },
        },
      );
      const counts = new Map<string, number>();
      for (const f of fills) counts.set(f.tradeId, (counts.get(f.tradeId) ?? 0) + 1);
      expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
      const venueIds = new Set(trades.map((t) => t.tradeId));
      expect(fills.filter((f) => !venueIds.has(f.tradeId))).toEqual([]);
    },
    CASE_MS,
  );
});

/** The fault's duration (part of the scenario, not a wait for something to happen). */
function outage(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
}

function buys<T extends { side: string }>(orders: readonly T[]): T[] {
  return orders.filter((o) => o.side === "BUY");
}
