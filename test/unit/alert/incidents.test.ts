import { describe, expect, it } from "vitest";
import type { Payload } from "../../../bus/messages.ts";
import { reconIncident } from "../../../agents/alert/incidents.ts";
import { CroWatch } from "../../../agents/alert/watch.ts";
import type { CroState } from "../../../contracts/cro.ts";

function state(s: CroState["state"], since: number): CroState {
  const payload: Payload<"cro.state"> = {
    state: s,
    reason: "r",
    since,
    epoch: 2,
    blockers: ["AGENT_DOWN:execution"],
    operatorHold: false,
    agents: [],
  };
  return {
    ...payload,
    id: "m",
    type: "cro.state",
    v: 1,
    ts: since,
    source: { agent: "cro", instance: "1" },
    correlationId: "m",
    causationId: null,
  };
}

describe("incidents", () => {
  it("names failed assertions in the title and keys the incident by what is wrong", () => {
    const i = reconIncident({
      id: "x",
      type: "recon.mismatch",
      v: 1,
      ts: 0,
      source: { agent: "reconciler", instance: "1" },
      correlationId: "x",
      causationId: null,
      runId: "recon-9",
      mismatches: [
        { kind: "ASSERTION", key: "heartbeats", expected: "passed", actual: "execution silent" },
        { kind: "ASSERTION", key: "capital-cap", expected: "passed", actual: "pos-1 $9" },
      ],
    });
    expect(i).toMatchObject({
      key: "recon:ASSERTION:capital-cap,ASSERTION:heartbeats",
      severity: "CRITICAL",
      title: "Runtime assertion failed: heartbeats, capital-cap",
    });
    expect(i.body).toContain("Run recon-9");
  });

  it("tells trading-state changes only, and not a first state that is ACTIVE", () => {
    const w = new CroWatch();
    expect(w.onState(state("ACTIVE", 1))).toBeNull();
    expect(w.onState(state("ACTIVE", 1))).toBeNull();
    const paused = w.onState(state("PAUSED", 5));
    expect(paused).toMatchObject({
      key: "cro:PAUSED:2:5",
      severity: "WARNING",
      title: "Trading state PAUSED",
    });
    expect(paused?.body).toContain("- AGENT_DOWN:execution");
    expect(w.onState(state("PAUSED", 5))).toBeNull();
    expect(new CroWatch().onState(state("HALTED", 9))?.severity).toBe("CRITICAL");
  });
});
