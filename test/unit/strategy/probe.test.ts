import { describe, expect, it } from "vitest";
import { probe, probeParams } from "../../../agents/strategy/probe.ts";
import { agentDefinition, parseStrategyConfig } from "../../../agents/catalog.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import type { Venue } from "../../../agents/runtime/venue.ts";
import { book, MIN_SIZE, windowState } from "./helpers.ts";

/** The Strategy agent never touches a venue. */
const noVenue = (): Venue => {
  throw new Error("the strategy agent asked for a venue");
};

const on = probeParams.parse({ askMax: 450_000 });
const run = (o: Parameters<typeof windowState>[0], p = on) =>
  probe.evaluate(windowState({ remainingMs: 600_000, ...o }), p);
/** Both asks above the threshold: the resting state between probe ticks. */
const quiet = { up: book(350_000, 550_000), down: book(350_000, 550_000) };

describe("probe strategy", () => {
  it("is off by default and declares its instrument", () => {
    expect(probe.instruments).toEqual(["btc-updown"]);
    expect(probeParams.parse({})).toEqual({ askMax: null, orderType: "FAK" });
    expect(run({ ...quiet, up: book(100_000, 110_000) }, probeParams.parse({}))).toBeNull();
  });

  it("buys the minimum size FAK at the best ask once that ask is at or below askMax", () => {
    expect(run({ ...quiet, up: book(350_000, 450_000) })).toEqual({
      tokenId: "up",
      side: "BUY",
      orderType: "FAK",
      limitPrice: 450_000,
      size: MIN_SIZE,
      reason: "probe: UP best ask 0.450000 <= 0.450000; buy 5.000000",
    });
    expect(run({ ...quiet, down: book(350_000, 400_000) })).toMatchObject({
      tokenId: "down",
      limitPrice: 400_000,
    });
  });

  it("does nothing while every ask is above askMax or missing", () => {
    expect(run(quiet)).toBeNull();
    expect(run({ ...quiet, up: book(350_000, 460_000) })).toBeNull();
    expect(run({ up: book(350_000, null), down: null })).toBeNull();
  });

  it("takes the cheaper side when both qualify, UP on a tie", () => {
    const both = { up: book(300_000, 440_000), down: book(300_000, 420_000) };
    expect(run(both)).toMatchObject({ tokenId: "down", limitPrice: 420_000 });
    const tie = { up: book(300_000, 420_000), down: book(300_000, 420_000) };
    expect(run(tie)).toMatchObject({ tokenId: "up" });
  });

  it("ignores positions already open: the agent's entriesPerWindowMax is the cap", () => {
    expect(run({ ...quiet, up: book(350_000, 400_000), positionsOpen: 3 })).not.toBeNull();
  });

  it("rejects a nonsensical threshold", () => {
    expect(probeParams.safeParse({ askMax: 0 }).success).toBe(false);
    expect(probeParams.safeParse({ askMax: 1_000_000 }).success).toBe(false);
  });
});

describe("PREDATOR_STRATEGY_CONFIG (the Strategy agent's config in process mode)", () => {
  it("is optional, and parsed and validated when given", () => {
    expect(parseStrategyConfig(undefined)).toBeUndefined();
    expect(parseStrategyConfig("  ")).toBeUndefined();
    const config = parseStrategyConfig(
      '{"enabled":["probe"],"entriesPerWindowMax":4,"params":{"probe":{"askMax":450000}}}',
    );
    expect(config).toMatchObject({
      enabled: ["probe"],
      entriesPerWindowMax: 4,
      croSilenceMs: 2_000,
      params: { probe: { askMax: 450_000 } },
    });
    expect(
      agentDefinition("strategy", { venue: noVenue, ...(config && { strategy: config }) }),
    ).toMatchObject({ name: "strategy", singleton: false });
  });

  it("fails fast, naming the setting, on bad JSON, a bad value or an unknown strategy", () => {
    expect(() => parseStrategyConfig("{enabled:")).toThrow(ConfigError);
    expect(() => parseStrategyConfig('{"entriesPerWindowMax":0}')).toThrow(
      /PREDATOR_STRATEGY_CONFIG.*entriesPerWindowMax/,
    );
    const unknown = parseStrategyConfig('{"enabled":["nope"]}');
    expect(() =>
      agentDefinition("strategy", { venue: noVenue, ...(unknown && { strategy: unknown }) }),
    ).toThrow(/unknown strategy "nope"/);
  });
});
