/**
 * Acceptance (issue 4, "Crash → halt → recover"), against real processes, a real nats-server and a
 * real PostgreSQL. One fleet for the whole file: the venue and the seven agents each run as their
 * own process under the Supervisor, the probe strategy keeps orders flowing, and the agents are
 * killed one after another. For each: the trading state leaves ACTIVE naming the agent, no
 * risk-increasing order reaches the venue from then until ACTIVE again (the venue's own record),
 * the supervisor restarts it, it recovers, reconciliation is clean and trading resumes. Then the
 * CRO itself is killed, and an agent is SIGSTOPped and SIGCONTinued. Across the run, every trade
 * the venue made is exactly one fill in PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import type { AgentName } from "../../agents/catalog.ts";
import { PROBE_AGENT_ENV, probeControls } from "../support/probe.ts";
import { IN_FLIGHT_MS, ProcessFleet, type StateSeen } from "../support/fleet-processes.ts";
import { logRecords, waitFor } from "../support/processes.ts";

/** Short windows: the probe enters once per window, so more windows mean more trading. */
const WINDOW_SECONDS = 30;
const CONTROLS = probeControls(WINDOW_SECONDS * 1_000);

/** Bounds (wall time, a loaded 2-core machine). */
/** Eight processes booting under tsx on a busy 2-core machine take a while. */
const FIRST_ACTIVE_MS = 180_000;
const LEAVE_ACTIVE_MS = 10_000;
const RESTART_MS = 60_000;
const BACK_ACTIVE_MS = 45_000;
const CASE_MS = 120_000;
const CRO_DOWN_MS = 15_000;
/** Several windows: the probe's FAK may find no liquidity in one. */
const FIRST_TRADE_MS = 120_000;

/** Agents whose kill the CRO sees through liveness (the CRO itself is a case of its own). */
const KILLED: readonly AgentName[] = [
  "market-data",
  "strategy",
  "execution",
  "portfolio",
  "reconciler",
  "alert",
];

describe("kill -9 of each agent process: halt, restart, recover, resume", () => {
  let fleet: ProcessFleet;
  let failed = false;

  beforeAll(
    async () => {
      fleet = await ProcessFleet.start({
        seed: 11,
        windowSeconds: WINDOW_SECONDS,
        collateralUsd: 1_000,
        controls: CONTROLS,
        agentEnv: PROBE_AGENT_ENV,
        // Per-agent users and the system account: the CRO sees a death as a NATS disconnect event.
        secureNats: true,
        // The CRO stays dead long enough for the whole chain to run without it: Execution's dead man
        // (2 s, checked every 5 s), then the venue's (10 s after Execution's last heartbeat).
        restartDelayMsOf: { cro: CRO_DOWN_MS },
      });
      fleet.startAgents();
      await fleet
        .waitState("the first ACTIVE", (s) => s.state === "ACTIVE", { timeoutMs: FIRST_ACTIVE_MS })
        .catch(async (error: unknown) => {
          failed = true;
          process.stderr.write(`${await fleet.logTails(30)}\n`);
          throw error;
        });
      // The probe trades once per 30 s window and a FAK can miss: make sure the venue has a trade of
      // ours before the kills, so "every venue trade is exactly one fill" is never checked on nothing.
      await waitFor("a first venue trade", async () => (await fleet.venueTradeList()).length > 0, {
        timeoutMs: FIRST_TRADE_MS,
        pollMs: 250,
      });
    },
    FIRST_ACTIVE_MS + FIRST_TRADE_MS + 90_000,
  );

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

  for (const agent of KILLED) {
    it(
      `${agent}: leaves ACTIVE naming it, nothing risk-increasing reaches the venue, restarts, resumes`,
      async () => {
        onFailure();
        const name = `${agent}.1`;
        await fleet.waitState("ACTIVE before the kill", (s) => s.state === "ACTIVE", {
          since: Date.now(),
          timeoutMs: BACK_ACTIVE_MS,
        });
        const oldPid = fleet.pid(name);
        const killedAt = fleet.kill(name);

        const left = await fleet.waitState(
          `a state other than ACTIVE naming ${agent}`,
          (s) => s.state !== "ACTIVE" && s.reason.includes(agent),
          { since: killedAt, timeoutMs: LEAVE_ACTIVE_MS },
        );
        await fleet.waitRestarted(name, oldPid, RESTART_MS);
        const back = await fleet.waitState("ACTIVE again", (s) => s.state === "ACTIVE", {
          since: left.at,
          timeoutMs: BACK_ACTIVE_MS,
        });

        // No risk-increasing order (a BUY) was accepted by the venue while not ACTIVE (after the
        // in-flight allowance: see IN_FLIGHT_MS).
        expect(buys(fleet.ordersPlacedBetween(left.at + IN_FLIGHT_MS, back.at))).toEqual([]);
        // ACTIVE again only after a clean reconciliation that ran after the restart.
        expect(
          fleet.reconReports.some(
            (r) => r.at > left.at && r.at <= back.at && r.verdict === "CLEAN",
          ),
        ).toBe(true);
        report(agent, killedAt, left, back);
      },
      CASE_MS,
    );
  }

  it(
    "cro: Execution refuses on its own, the venue holds nothing of ours after its dead man, the CRO returns fail-closed",
    async () => {
      onFailure();
      await fleet.waitState("ACTIVE before the kill", (s) => s.state === "ACTIVE", {
        since: Date.now(),
        timeoutMs: BACK_ACTIVE_MS,
      });
      const oldPid = fleet.pid("cro.1");
      const killedAt = fleet.kill("cro.1");

      // Execution notices the silence on its own (its dead man, croSilenceMs 2 s) and stops
      // feeding the venue's heartbeat, so that orders cannot outlive the CRO.
      await waitFor(
        "Execution to stop on its own",
        async () =>
          (await logRecords(fleet.env.logDir, "execution.1")).some(
            (r) =>
              typeof r.time === "number" && r.time >= killedAt && /CRO silent/.test(String(r.msg)),
          ),
        { timeoutMs: 15_000, pollMs: 100 },
      );
      // Execution's dead man (croSilenceMs 2 s) and then the venue's (10 s without a heartbeat):
      // the venue cancels whatever of ours rests on its books.
      await waitFor(
        "no open orders of ours at the venue while the CRO is down",
        async () => {
          const open = await fleet.venueOpenOrders();
          return open.length === 0;
        },
        { timeoutMs: 30_000, pollMs: 250 },
      );
      // All of that happened with no CRO at all.
      expect(fleet.child("cro.1").alive).toBe(false);

      await fleet.waitRestarted("cro.1", oldPid, RESTART_MS);
      // The supervisor spawned the new process after the old one's exit: whatever arrives from
      // then on is the new CRO's.
      const spawnedAt = fleet.child("cro.1").startedAt ?? killedAt;
      const first = await fleet.waitState("the new CRO's first state", () => true, {
        since: spawnedAt,
        timeoutMs: RESTART_MS,
      });
      expect(first.state).not.toBe("ACTIVE");
      const back = await fleet.waitState("ACTIVE again", (s) => s.state === "ACTIVE", {
        since: first.at,
        timeoutMs: BACK_ACTIVE_MS,
      });
      // Nothing risk-increasing reached the venue between the kill and the new CRO's ACTIVE.
      expect(buys(fleet.ordersPlacedBetween(killedAt + EXECUTION_DEAD_MAN_MS, back.at))).toEqual(
        [],
      );
      expect(
        fleet.reconReports.some((r) => r.at > first.at && r.at <= back.at && r.verdict === "CLEAN"),
      ).toBe(true);
      report("cro", killedAt, first, back);
    },
    CASE_MS,
  );

  it(
    "SIGSTOP market-data: detected by heartbeat timeout; SIGCONT: it resynchronises and trading resumes",
    async () => {
      onFailure();
      await fleet.waitState("ACTIVE before the stop", (s) => s.state === "ACTIVE", {
        since: Date.now(),
        timeoutMs: BACK_ACTIVE_MS,
      });
      const pid = fleet.pid("market-data.1");
      const stoppedAt = fleet.pause("market-data.1");
      const left = await fleet.waitState(
        "a state other than ACTIVE naming market-data",
        (s) => s.state !== "ACTIVE" && s.reason.includes("market-data"),
        { since: stoppedAt, timeoutMs: LEAVE_ACTIVE_MS },
      );
      fleet.resume("market-data.1");
      const back = await fleet.waitState("ACTIVE again", (s) => s.state === "ACTIVE", {
        since: left.at,
        timeoutMs: BACK_ACTIVE_MS,
      });
      // The same process came back: it was hung, not dead.
      expect(fleet.pid("market-data.1")).toBe(pid);
      expect(buys(fleet.ordersPlacedBetween(left.at + IN_FLIGHT_MS, back.at))).toEqual([]);
      report("market-data (SIGSTOP)", stoppedAt, left, back);
    },
    CASE_MS,
  );

  it(
    "across the run every venue trade is exactly one fill in PostgreSQL",
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
        { timeoutMs: 30_000, pollMs: 250 },
      );
      const counts = new Map<string, number>();
      for (const f of fills) counts.set(f.tradeId, (counts.get(f.tradeId) ?? 0) + 1);
      expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
      const venueIds = new Set(trades.map((t) => t.tradeId));
      expect(fills.filter((f) => !venueIds.has(f.tradeId))).toEqual([]);
      process.stdout.write(
        `recovery-kill: ${trades.length} venue trades = ${fills.length} fills; ` +
          `${fleet.venueOrders.size} venue orders\n`,
      );
    },
    CASE_MS,
  );
});

/** Execution stops sending once the CRO has been silent this long (its croSilenceMs default). */
const EXECUTION_DEAD_MAN_MS = 2_000;

function buys<T extends { side: string }>(orders: readonly T[]): T[] {
  return orders.filter((o) => o.side === "BUY");
}

function report(what: string, at: number, left: StateSeen, back: StateSeen): void {
  process.stdout.write(
    `recovery-kill ${what}: not ACTIVE after ${left.at - at} ms (${left.state}: ${left.reason}); ` +
      `ACTIVE again after ${back.at - at} ms\n`,
  );
}
