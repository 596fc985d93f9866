/**
 * Issue 19: nats-server killed -9 and restarted again and again under a trading fleet with short
 * windows. A bus-wide outage is an infrastructure fault: under the default (auto) recovery policy
 * the fleet must come back to ACTIVE by itself after every one of them. Before the fix, 4 of 14
 * such restarts left the CRO HALTED for good on a latched heartbeats assertion.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { PROBE_AGENT_ENV, probeControls } from "../support/probe.ts";
import { IN_FLIGHT_MS, ProcessFleet } from "../support/fleet-processes.ts";
import { waitFor } from "../support/processes.ts";

const WINDOW_SECONDS = 60;
const CONTROLS = probeControls(WINDOW_SECONDS * 1_000);
const RESTARTS = Number(process.env.PREDATOR_NATS_RESTARTS ?? "5");
const OUTAGE_MS = 5_000;
const FIRST_ACTIVE_MS = 180_000;
const BACK_ACTIVE_MS = 40_000;

describe("nats-server restarted again and again: the fleet recovers every time", () => {
  let fleet: ProcessFleet;
  let failed = false;

  beforeAll(async () => {
    fleet = await ProcessFleet.start({
      seed: 47,
      windowSeconds: WINDOW_SECONDS,
      collateralUsd: 1_000,
      controls: CONTROLS,
      agentEnv: PROBE_AGENT_ENV,
    });
    fleet.startAgents();
    await fleet.waitState("the first ACTIVE", (s) => s.state === "ACTIVE", {
      timeoutMs: FIRST_ACTIVE_MS,
    });
  }, FIRST_ACTIVE_MS + 60_000);

  afterAll(async () => {
    await (fleet as ProcessFleet | undefined)?.close(failed);
  }, 60_000);

  it(
    `${RESTARTS} kill -9 + restart cycles of nats-server`,
    async () => {
      onTestFailed(async () => {
        failed = true;
        process.stderr.write(`${await fleet.logTails(40)}\n`);
        process.stderr.write(`recon reports: ${JSON.stringify(fleet.reconReports.slice(-8))}\n`);
        process.stderr.write(`states: ${JSON.stringify(fleet.states.slice(-3))}\n`);
      });
      const recoveries: number[] = [];
      const market: number[] = [];
      const books: number[] = [];
      fleet.observer.subscribe("venue.market", () => {
        market.push(Date.now());
      });
      fleet.observer.subscribe("md.book", () => {
        books.push(Date.now());
      });
      onTestFailed(() => {
        process.stderr.write(
          `venue.market last: ${String(market.at(-1))} count ${market.length}; md.book last ${String(books.at(-1))} count ${books.length}; now ${Date.now()}\n`,
        );
      });
      for (let i = 0; i < RESTARTS; i += 1) {
        await fleet.waitState(`ACTIVE before fault ${i}`, (s) => s.state === "ACTIVE", {
          since: Date.now() - 1_000,
          timeoutMs: BACK_ACTIVE_MS,
        });
        const down = Date.now();
        fleet.nats.kill();
        await waitFor("the observer to notice", () => fleet.observer.status() !== "connected", {
          timeoutMs: 5_000,
          pollMs: 10,
        });
        await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
        await fleet.nats.restart();
        const up = Date.now();
        const first = await fleet.waitState(`a cro.state after restart ${i}`, () => true, {
          since: up,
          timeoutMs: BACK_ACTIVE_MS,
        });
        expect(first.state).not.toBe("ACTIVE");
        const back = await fleet.waitState(
          `ACTIVE again after restart ${i}`,
          (s) => s.state === "ACTIVE",
          {
            since: first.at,
            timeoutMs: BACK_ACTIVE_MS,
          },
        );
        recoveries.push(back.at - up);
        // A bus-wide outage pauses trading (agents silent); it is no reason to HALT, and never one
        // that latches (the heartbeats assertion does not judge what the reconciler cannot hear).
        const halted = fleet.states.filter(
          (s) => s.at >= down && s.at <= back.at && s.state === "HALTED",
        );
        expect(halted.map((s) => s.reason)).toEqual([]);
        const buys = fleet
          .ordersPlacedBetween(down + IN_FLIGHT_MS, back.at)
          .filter((o) => o.side === "BUY");
        expect(buys).toEqual([]);
      }
      process.stderr.write(`nats restart → ACTIVE (ms): ${recoveries.join(", ")}\n`);
    },
    (RESTARTS + 1) * (BACK_ACTIVE_MS * 2 + 10_000),
  );
});
