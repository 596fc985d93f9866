import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { natsCredentials, natsSystemCredentials } from "../../../infra/nats/auth.ts";

describe("NATS credentials from the environment", () => {
  it("none configured: an open server, as before", () => {
    expect(natsCredentials("cro", {})).toEqual({});
    expect(natsSystemCredentials({})).toBeNull();
  });

  it("an agent's own password wins: one environment serves every agent of `predator up`", () => {
    const env = {
      PREDATOR_NATS_PASSWORD_CRO: "c",
      PREDATOR_NATS_PASSWORD_MARKET_DATA: "m",
      NATS_USER: "ops",
      NATS_PASSWORD: "o",
    };
    expect(natsCredentials("cro", env)).toEqual({ user: "cro", pass: "c" });
    expect(natsCredentials("market-data", env)).toEqual({ user: "market-data", pass: "m" });
    expect(natsCredentials("strategy", env)).toEqual({ user: "ops", pass: "o" });
  });

  it("NATS_USER without NATS_PASSWORD is a configuration error", () => {
    expect(() => natsCredentials("cro", { NATS_USER: "cro" })).toThrow(ConfigError);
    expect(() => natsCredentials("cro", { NATS_PASSWORD: "x" })).toThrow(/NATS_USER/);
  });

  it("system-account credentials for the CRO's connection-event watcher", () => {
    expect(natsSystemCredentials({ PREDATOR_NATS_SYS_PASSWORD: "s" })).toEqual({
      user: "sys",
      pass: "s",
    });
    const custom = { PREDATOR_NATS_SYS_PASSWORD: "s", PREDATOR_NATS_SYS_USER: "watch" };
    expect(natsSystemCredentials(custom)).toEqual({ user: "watch", pass: "s" });
  });
});
