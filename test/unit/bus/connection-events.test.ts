import { describe, expect, it } from "vitest";
import {
  MemoryConnectionEvents,
  parseConnectionName,
  type ConnectionEvent,
} from "../../../bus/connection-events.ts";
import { parseAdvisory } from "../../../bus/nats-system.ts";

const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe("connection events", () => {
  it("names are <agent>.<instance>; anything else is not an agent", () => {
    expect(parseConnectionName("execution.1")).toEqual({ agent: "execution", instance: "1" });
    expect(parseConnectionName("market-data.p123")).toEqual({
      agent: "market-data",
      instance: "p123",
    });
    expect(parseConnectionName("cro.1.sys")).toBeNull();
    expect(parseConnectionName("")).toBeNull();
    expect(parseConnectionName("nats.js")).toEqual({ agent: "nats", instance: "js" });
  });

  it("reads the server's disconnect advisory: client name, time and reason", () => {
    const advisory = {
      type: "io.nats.server.advisory.v1.client_disconnect",
      timestamp: "2026-11-22T01:41:20.434Z",
      client: { name: "execution.1", acc: "APP", user: "execution" },
      reason: "Client Closed",
    };
    expect(parseAdvisory(encode(advisory))).toEqual({
      name: "execution.1",
      at: Date.parse("2026-11-22T01:41:20.434Z"),
      reason: "Client Closed",
    });
    expect(parseAdvisory(encode({ client: {} }))).toBeNull();
    expect(parseAdvisory(new TextEncoder().encode("not json"))).toBeNull();
  });

  it("the in-memory source reaches every listener until it unsubscribes", () => {
    const events = new MemoryConnectionEvents();
    const seen: ConnectionEvent[] = [];
    const off = events.onDisconnect((e) => seen.push(e));
    events.onConnect((e) => seen.push({ ...e, reason: "connect" }));
    events.connected("cro.1", 5);
    events.disconnected("execution.1", 10, "killed");
    off();
    events.disconnected("execution.2", 11);
    expect(seen).toEqual([
      { name: "cro.1", at: 5, reason: "connect" },
      { name: "execution.1", at: 10, reason: "killed" },
    ]);
  });
});
