/**
 * Acceptance (issue 4), against real processes, nats-server and PostgreSQL, one fleet for the file:
 * - singletons with a hot standby: the CRO and Execution run two replicas each. The leader is taken
 *   away (SIGSTOP: the hardest case, a leader that comes back believing it still leads), the
 *   standby takes the lease with a new epoch and trading resumes under it; the old leader's late
 *   write is refused by PostgreSQL (StaleEpochError) and, once it runs again, it sends nothing
 *   (fenced publish) and gives up (crash-only), to come back as the standby. kill -9 of the
 *   Execution leader: its standby takes over.
 * - the three halt levels as DESIGN.md defines them, through `ops.command` like the CLI: pause lets
 *   exits through and nothing risk-increasing; flatten cancels every order and closes every
 *   position, then stays paused; emergency cancels everything and sends nothing new; resume.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { windowEndFromSlug } from "../../agents/portfolio/markets.ts";
import { StaleEpochError } from "../../agents/runtime/store.ts";
import { PROBE_AGENT_ENV, probeControls } from "../support/probe.ts";
import { IN_FLIGHT_MS, ProcessFleet } from "../support/fleet-processes.ts";
import { logRecords, waitFor } from "../support/processes.ts";

const WINDOW_SECONDS = 120;
/** Positions are held (no stop-loss, no take-profit) until a case wants exits. */
const HOLD = { stop_loss_pct: "100", take_profit_pct: "1000" };
const CONTROLS = { ...probeControls(WINDOW_SECONDS * 1_000), ...HOLD };

/** Eight processes booting under tsx on a busy 2-core machine take a while. */
const FIRST_ACTIVE_MS = 180_000;
/** Generous: a crashed process exits, and its successor boots, slowly on a loaded machine. */
const TAKEOVER_MS = 60_000;
const STATE_MS = 15_000;
const BACK_ACTIVE_MS = 45_000;
const CASE_MS = 120_000;
/** Up to a window and a half: a position that is too near its window's end waits for the next. */
const OPEN_POSITION_MS = 180_000;
/** What a case that forces exits needs of a position's window: settlement must not beat the exit. */
const EXIT_ROOM_MS = 45_000;

describe("standby replicas and the three halt levels, as real processes", () => {
  let fleet: ProcessFleet;
  let failed = false;

  beforeAll(async () => {
    fleet = await ProcessFleet.start({
      seed: 23,
      windowSeconds: WINDOW_SECONDS,
      collateralUsd: 1_000,
      controls: CONTROLS,
      agentEnv: PROBE_AGENT_ENV,
      standbys: ["cro", "execution"],
      // The lease holder is per incarnation (`agent.instance#pid@start`), so a restarted leader
      // waits out its predecessor's lease like the standby, and the two would race at its expiry
      // (either winning is safe: a new epoch). To test the standby's takeover, the dead leader
      // stays down past the TTL.
      restartDelayMsOf: { execution: 5_000 },
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

  const leaderOf = async (agent: string) => {
    const lease = await fleet.store.getLease(agent);
    if (lease?.holder == null) throw new Error(`${agent}: nobody holds the lease`);
    return { holder: lease.holder, epoch: lease.epoch, child: lease.holder.split("#")[0] ?? "" };
  };

  it(
    "CRO leader hung: the standby takes over with a new epoch; the old leader's late write is refused and it sends nothing",
    async () => {
      onFailure();
      const old = await leaderOf("cro");
      const standby = old.child === "cro.1" ? "cro.2" : "cro.1";
      const oldPid = fleet.pid(old.child);
      const stoppedAt = fleet.pause(old.child);

      const taken = await fleet.waitState(
        "a cro.state from the standby at a new epoch",
        (s) => s.instance === standby.split(".")[1] && s.epoch > old.epoch,
        { since: stoppedAt, timeoutMs: TAKEOVER_MS },
      );
      expect((await leaderOf("cro")).child).toBe(standby);

      // Its late write, with the fence it last held: PostgreSQL refuses it.
      const late = fleet.store.appendCroEvent(
        {
          ts: Date.now(),
          epoch: old.epoch,
          state: "ACTIVE",
          reason: "late write of a deposed leader",
          actor: "cro",
          operatorHold: false,
          detail: {},
        },
        { lease: "cro", holder: old.holder, epoch: old.epoch },
      );
      await expect(late).rejects.toBeInstanceOf(StaleEpochError);

      // It runs again: it must send nothing, notice it lost the lease and give up.
      const resumedAt = fleet.resume(old.child);
      await waitFor(
        `${old.child} to give up and be restarted`,
        () => fleet.child(old.child).pid !== oldPid,
        { timeoutMs: TAKEOVER_MS, pollMs: 20 },
      );
      const fromOld = fleet.states.filter(
        (s) => s.at >= resumedAt && s.instance === old.child.split(".")[1] && s.epoch <= old.epoch,
      );
      expect(fromOld).toEqual([]);
      const gaveUp = (await logRecords(fleet.env.logDir, old.child)).filter(
        (r) => r.pid === oldPid && r.level === 60,
      );
      expect(gaveUp.map((r) => String(r.msg))).toEqual(["crashed"]);
      // Restarted, it waits as the standby; the fleet is ACTIVE again under the new leader.
      await waitFor(
        `${old.child} back as a hot standby`,
        () => fleet.heartbeats.get(old.child)?.leader === false,
        { timeoutMs: TAKEOVER_MS, pollMs: 20 },
      );
      await fleet.waitState("ACTIVE under the new CRO", (s) => s.state === "ACTIVE", {
        since: taken.at,
        timeoutMs: BACK_ACTIVE_MS,
      });
    },
    CASE_MS,
  );

  it(
    "Execution leader killed: the standby takes the lease and trading resumes",
    async () => {
      onFailure();
      await fleet.waitState("ACTIVE", (s) => s.state === "ACTIVE", {
        since: Date.now(),
        timeoutMs: BACK_ACTIVE_MS,
      });
      const old = await leaderOf("execution");
      const standby = old.child === "execution.1" ? "execution.2" : "execution.1";
      const killedAt = fleet.kill(old.child);
      await waitFor(
        `${standby} leading at a new epoch`,
        async () => {
          const now = await leaderOf("execution");
          return now.child === standby && now.epoch > old.epoch;
        },
        { timeoutMs: TAKEOVER_MS, pollMs: 50 },
      );
      const left = fleet.states.find((s) => s.at >= killedAt && s.state !== "ACTIVE");
      const back = await fleet.waitState("ACTIVE again", (s) => s.state === "ACTIVE", {
        since: left?.at ?? killedAt,
        timeoutMs: BACK_ACTIVE_MS,
      });
      if (left !== undefined)
        expect(buys(fleet.ordersPlacedBetween(left.at + IN_FLIGHT_MS, back.at))).toEqual([]);
    },
    CASE_MS,
  );

  it(
    "pause: nothing risk-increasing reaches the venue, exits still do",
    async () => {
      onFailure();
      // The probe enters once per window and its FAK may find nothing; the position is held (no
      // exit of its own) and its window must leave time for the exit this case forces.
      await waitFor(
        `an open position with ${EXIT_ROOM_MS} ms left in its window`,
        async () => (await openPositions(fleet, EXIT_ROOM_MS)).length > 0,
        { timeoutMs: OPEN_POSITION_MS, pollMs: 250 },
      );
      const at = Date.now();
      const reply = await fleet.operator({ kind: "halt", level: "pause" }, "acceptance: pause");
      expect(reply.ok).toBe(true);
      const paused = await fleet.waitState("PAUSED", (s) => s.state === "PAUSED", {
        since: at,
        timeoutMs: STATE_MS,
      });
      // Exits now: a 1 % stop-loss or take-profit triggers on the spread alone (0 would disable).
      await fleet.operator(
        { kind: "controls.set", key: "stop_loss_pct", value: "1" },
        "force exits",
      );
      await fleet.operator(
        { kind: "controls.set", key: "take_profit_pct", value: "1" },
        "force exits",
      );
      await waitFor(
        "an exit (SELL) accepted by the venue while PAUSED",
        () => fleet.ordersPlacedBetween(paused.at).some((o) => o.side === "SELL"),
        { timeoutMs: 30_000, pollMs: 100 },
      );
      expect(buys(fleet.ordersPlacedBetween(paused.at + IN_FLIGHT_MS))).toEqual([]);
      expect(fleet.state()?.state).toBe("PAUSED");
      for (const [key, value] of Object.entries(HOLD))
        await fleet.operator({ kind: "controls.set", key, value }, "hold positions again");
      expect((await fleet.operator({ kind: "resume" }, "acceptance: resume")).ok).toBe(true);
      await fleet.waitState("ACTIVE after resume", (s) => s.state === "ACTIVE", {
        since: paused.at,
        timeoutMs: BACK_ACTIVE_MS,
      });
    },
    CASE_MS + OPEN_POSITION_MS,
  );

  it(
    "flatten: every order cancelled and every position closed, then it stays PAUSED",
    async () => {
      onFailure();
      await waitFor("an open position", async () => (await openPositions(fleet)).length > 0, {
        timeoutMs: OPEN_POSITION_MS,
        pollMs: 250,
      });
      const at = Date.now();
      expect((await fleet.operator({ kind: "halt", level: "flatten" }, "acceptance")).ok).toBe(
        true,
      );
      await fleet.waitState("FLATTENING", (s) => s.state === "FLATTENING", {
        since: at,
        timeoutMs: STATE_MS,
      });
      const settled = await fleet.waitState(
        "PAUSED after flattening",
        (s) => s.state === "PAUSED",
        {
          since: at,
          timeoutMs: 30_000,
        },
      );
      expect(await openPositions(fleet)).toEqual([]);
      expect(await fleet.venueOpenOrders()).toEqual([]);
      expect(buys(fleet.ordersPlacedBetween(at + IN_FLIGHT_MS))).toEqual([]);
      // It stays paused: an operator hold, not a pause that lifts itself.
      await republished(fleet, settled.at, 4);
      expect(fleet.states.filter((s) => s.at > settled.at && s.state === "ACTIVE")).toEqual([]);
      expect((await fleet.operator({ kind: "resume" }, "acceptance: resume")).ok).toBe(true);
      await fleet.waitState("ACTIVE after resume", (s) => s.state === "ACTIVE", {
        since: settled.at,
        timeoutMs: BACK_ACTIVE_MS,
      });
    },
    CASE_MS + OPEN_POSITION_MS,
  );

  it(
    "emergency: HALTED, nothing open at the venue, nothing new sent; resume",
    async () => {
      onFailure();
      const at = Date.now();
      expect((await fleet.operator({ kind: "halt", level: "emergency" }, "acceptance")).ok).toBe(
        true,
      );
      const halted = await fleet.waitState("HALTED", (s) => s.state === "HALTED", {
        since: at,
        timeoutMs: STATE_MS,
      });
      await waitFor(
        "no open orders at the venue",
        async () => (await fleet.venueOpenOrders()).length === 0,
        {
          timeoutMs: STATE_MS,
          pollMs: 100,
        },
      );
      // Let exits try (they must be held back): force every exit, wait, and see nothing sent.
      await fleet.operator(
        { kind: "controls.set", key: "take_profit_pct", value: "1" },
        "try exits",
      );
      await fleet.operator({ kind: "controls.set", key: "stop_loss_pct", value: "1" }, "try exits");
      await republished(fleet, Date.now(), 6);
      expect(fleet.ordersPlacedBetween(halted.at + IN_FLIGHT_MS)).toEqual([]);
      expect(fleet.states.filter((s) => s.at > halted.at && s.state !== "HALTED")).toEqual([]);
      expect((await fleet.operator({ kind: "resume" }, "acceptance: resume")).ok).toBe(true);
      await fleet.waitState("ACTIVE after resume", (s) => s.state === "ACTIVE", {
        since: halted.at,
        timeoutMs: BACK_ACTIVE_MS,
      });
    },
    CASE_MS,
  );
});

function buys<T extends { side: string }>(orders: readonly T[]): T[] {
  return orders.filter((o) => o.side === "BUY");
}

/** Open positions whose window ends at least `roomMs` from now (an unparsable window counts). */
async function openPositions(fleet: ProcessFleet, roomMs = 0) {
  const now = Date.now();
  return (await fleet.store.listPositions({ open: true }))
    .filter((p) => (windowEndFromSlug(p.windowId) ?? Number.POSITIVE_INFINITY) - now >= roomMs)
    .map((p) => p.positionId);
}

/**
 * Waits until the CRO has republished its state `count` more times after `since` (every 500 ms):
 * a bounded observation window for "nothing happens", measured in the CRO's own beats.
 */
async function republished(fleet: ProcessFleet, since: number, count: number): Promise<void> {
  await waitFor(
    `${count} cro.state republishes`,
    () => fleet.states.filter((s) => s.at > since).length >= count,
    { timeoutMs: count * 2_000, pollMs: 50 },
  );
}
