/**
 * A clean reconciliation clears the way back to ACTIVE only if it was made after the incident
 * (invariant 9). The CRO judges a report by when it was sent, not when it arrived: campaign 4
 * (`predator sim --seed 1 --days 365 --chaos extreme --cadence relaxed`, day 153) had a clean
 * report sent before Strategy restarted arrive 405 ms after the new incarnation's heartbeat, and
 * trading resumed on it.
 */
import { describe, expect, it } from "vitest";
import { RiskWorld } from "../../../agents/cro/world.ts";
import { croConfig, REQUIRED_AGENTS } from "../../../agents/cro/config.ts";
import { VirtualClock } from "../../../bus/clock.ts";
import { MessageFactory } from "../../../bus/messages.ts";
import { SeededRng } from "../../../bus/rng.ts";
import type { Heartbeat } from "../../../contracts/heartbeats.ts";
import type { ReconReport } from "../../../contracts/recon.ts";

const T0 = Date.UTC(2026, 5, 7, 10, 0, 0);
const clock = new VirtualClock(T0);
const rng = new SeededRng(1);

/** Envelopes as `agent` makes them; each test message then sets `ts`, its send time. */
const from = (agent: string) => new MessageFactory(clock, rng, { agent, instance: "1" });

function hb(agent: string, at: number, startedAt: number): Heartbeat {
  const payload = {
    agent,
    instance: "1",
    seq: 1,
    lifecycle: "running" as const,
    leader: null,
    pid: 1,
    startedAt,
    mailboxDepth: 0,
    intervalMs: 2_000,
  };
  return { ...from(agent).make("hb", payload), ts: at };
}

function clean(sentAt: number): ReconReport {
  const payload = {
    runId: `run-${sentAt}`,
    verdict: "CLEAN" as const,
    positionsChecked: 0,
    ordersChecked: 0,
    balance: 100_000_000,
    allowance: null,
    assertions: [],
    mismatches: [],
  };
  return { ...from("reconciler").make("recon.report", payload), ts: sentAt };
}

describe("a clean reconciliation counts from when it was made", () => {
  it("a report sent before a restart and delivered after it does not clear the way", () => {
    const world = new RiskWorld(croConfig(), T0, T0);
    // Heartbeats here come seconds apart: a timeout longer than that keeps every agent alive.
    world.controls = { ...world.controls, agent_timeout_ms: 10_000 };
    const pending = (now: number) => world.blockers(now).some((b) => b.code === "RECON_PENDING");
    const beat = (now: number, strategyStartedAt: number) => {
      for (const agent of REQUIRED_AGENTS) {
        world.recordHeartbeat(hb(agent, now, agent === "strategy" ? strategyStartedAt : T0), now);
      }
    };
    beat(T0 + 1_000, T0);
    expect(pending(T0 + 1_000)).toBe(true); // a CRO that just started waits for a run
    world.recordReport(clean(T0 + 2_000));
    expect(pending(T0 + 2_000)).toBe(false);
    // Strategy restarts: its new incarnation's first heartbeat arrives at +5 s.
    beat(T0 + 5_000, T0 + 4_500);
    expect(pending(T0 + 5_000)).toBe(true);
    // A clean report sent at +4.8 s (its run was before the restart was known) arrives late.
    world.recordReport(clean(T0 + 4_800));
    expect(pending(T0 + 5_400)).toBe(true);
    // A run made after the restart clears it.
    world.recordReport(clean(T0 + 6_000));
    expect(pending(T0 + 6_000)).toBe(false);
    // An older report arriving later still does not move the time back.
    world.recordReport(clean(T0 + 3_000));
    expect(pending(T0 + 6_500)).toBe(false);
  });
});
