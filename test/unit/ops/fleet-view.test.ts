/**
 * The operator's view of the fleet: heartbeats, the CRO's liveness table and the supervisor's
 * children merged into one row per instance; health needs a live instance (a live leader for a
 * singleton). Also the replica plan of `predator up`.
 */
import { describe, expect, it } from "vitest";
import { agentRows, unhealthyAgents, type HeardInstance } from "../../../infra/app/fleet-view.ts";
import { fleetChildren, parseReplicas } from "../../../infra/app/fleet.ts";

const NOW = 1_000_000;

function heard(agent: string, instance: string, over: Partial<HeardInstance> = {}): HeardInstance {
  return {
    agent,
    instance,
    pid: 100,
    leader: null,
    lifecycle: "running",
    intervalMs: 500,
    receivedAt: NOW - 100,
    deliveryLagMs: 1,
    ...over,
  };
}

describe("agent rows", () => {
  it("reports pid, age and role of every heard instance, sorted", () => {
    const rows = agentRows(
      [
        heard("cro", "2", { leader: false, pid: 7 }),
        heard("cro", "1", { leader: true, pid: 6 }),
        heard("alert", "1"),
      ],
      [],
      [],
      NOW,
    );
    expect(
      rows.map((r) => [r.agent, r.instance, r.pid, r.role, r.alive, r.heartbeatAgeMs]),
    ).toEqual([
      ["alert", "1", 100, "replica", true, 100],
      ["cro", "1", 6, "leader", true, 100],
      ["cro", "2", 7, "standby", true, 100],
    ]);
  });

  it("an instance silent for three heartbeat intervals, or not running, is not alive", () => {
    const rows = agentRows(
      [
        heard("alert", "1", { receivedAt: NOW - 1_500 }),
        heard("strategy", "1", { lifecycle: "stopping" }),
      ],
      [],
      [],
      NOW,
    );
    expect(rows.map((r) => r.alive)).toEqual([false, false]);
  });

  it("a singleton's standby waiting for the lease (lifecycle starting) is alive", () => {
    const rows = agentRows(
      [
        heard("reconciler", "2", { leader: false, lifecycle: "starting" }),
        heard("strategy", "1", { lifecycle: "starting" }),
      ],
      [],
      [],
      NOW,
    );
    expect(rows.map((r) => [r.agent, r.alive])).toEqual([
      ["reconciler", true],
      ["strategy", false],
    ]);
  });

  it("lists an instance only the CRO still remembers as dead, without a pid", () => {
    const rows = agentRows(
      [],
      [{ agent: "portfolio", instance: "1", alive: false, lastSeenAgeMs: 4_000 }],
      [],
      NOW,
    );
    expect(rows).toEqual([
      {
        agent: "portfolio",
        instance: "1",
        pid: null,
        alive: false,
        heartbeatAgeMs: 4_000,
        role: null,
        lifecycle: null,
      },
    ]);
  });

  it("a supervised child that died is dead at once, before its heartbeat ages out", () => {
    const hb = [heard("portfolio", "1", { leader: true, pid: 42 })];
    expect(agentRows(hb, [], [{ name: "portfolio.1", pid: 42, alive: true }], NOW)[0]?.alive).toBe(
      true,
    );
    expect(agentRows(hb, [], [{ name: "portfolio.1", pid: 42, alive: false }], NOW)[0]?.alive).toBe(
      false,
    );
    // Restarted under a new pid whose first heartbeat has not arrived yet.
    expect(agentRows(hb, [], [{ name: "portfolio.1", pid: 43, alive: true }], NOW)[0]?.alive).toBe(
      false,
    );
  });
});

describe("health", () => {
  it("needs a live instance of every required agent, and a live leader for a singleton", () => {
    const required = ["cro", "alert"];
    const healthy = agentRows(
      [heard("cro", "1", { leader: true }), heard("alert", "1")],
      [],
      [],
      NOW,
    );
    expect(unhealthyAgents(healthy, required)).toEqual([]);
    const standbyOnly = agentRows(
      [heard("cro", "2", { leader: false }), heard("alert", "1")],
      [],
      [],
      NOW,
    );
    expect(unhealthyAgents(standbyOnly, required)).toEqual(["cro"]);
    const missing = agentRows([heard("cro", "1", { leader: true })], [], [], NOW);
    expect(unhealthyAgents(missing, required)).toEqual(["alert"]);
  });
});

describe("predator up: replicas", () => {
  it("parses standby replicas of singletons and refuses the rest with a specific error", () => {
    expect(parseReplicas("cro=2, execution=2")).toMatchObject({
      cro: 2,
      execution: 2,
      strategy: 1,
    });
    expect(() => parseReplicas("strategy=2")).toThrow(/strategy is not a singleton/);
    expect(() => parseReplicas("nobody=2")).toThrow(/unknown agent "nobody"/);
    expect(() => parseReplicas("cro=9")).toThrow(/expected 1\.\.3/);
    expect(() => parseReplicas("cro")).toThrow(/expected agent=count/);
  });

  it("runs one process per instance, in the requested mode, after the venue", () => {
    const children = fleetChildren(
      {
        mode: "dry-run",
        replicas: parseReplicas("cro=2"),
        venue: { command: "venue-sim", args: ["--collateral", "100"] },
      },
      {},
    );
    expect(children.map((c) => c.name)).toEqual([
      "venue-sim.1",
      "market-data.1",
      "strategy.1",
      "cro.1",
      "cro.2",
      "execution.1",
      "portfolio.1",
      "reconciler.1",
      "alert.1",
    ]);
    expect(children.find((c) => c.name === "cro.2")?.args.slice(1)).toEqual([
      "agent",
      "cro",
      "--instance",
      "2",
      "--mode",
      "dry-run",
    ]);
    const live = fleetChildren(
      {
        mode: "live",
        replicas: parseReplicas(undefined),
        venue: { command: "venue-live", args: [] },
      },
      {},
    );
    expect(live[0]?.name).toBe("venue-live.1");
    expect(live[0]?.args.slice(1)).toEqual(["venue-live"]);
    expect(live.some((c) => c.name.startsWith("venue-sim"))).toBe(false);
  });
});
