/**
 * The simulator asks after every clock step which agents crashed (invariant 8). It walks the
 * fleet's hosts only when the fleet's crash count has moved: a crash is reported on the step it
 * happens, once, and a chaos kill (whose host leaves the fleet) is not a crash.
 */
import { describe, expect, it } from "vitest";
import { crashWatch } from "../../infra/chaos/sim/run.ts";
import { SimWorld } from "../../infra/chaos/sim/world.ts";
import { InvariantError } from "../../agents/runtime/errors.ts";

describe("crash watch", () => {
  it("reports an agent that crashed on the next ask, once; a kill is not reported", async () => {
    const world = new SimWorld({ seed: 3, cadence: "relaxed" });
    await world.start();
    const crashed = crashWatch(world);
    expect(crashed()).toEqual([]);
    await world.fleet.kill("alert");
    expect(world.fleet.crashes()).toBe(1);
    expect(crashed()).toEqual([]);
    world.fleet.host("portfolio")?.crash(new InvariantError("positions disagree"));
    expect(world.fleet.crashes()).toBe(2);
    expect(crashed().map((c) => [c.name, c.error.message])).toEqual([
      ["portfolio.1", "Invariant: positions disagree"],
    ]);
    expect(crashed()).toEqual([]); // nothing new since
    world.fleet.host("strategy")?.crash(new InvariantError("bad book"));
    // Both crashed hosts are still in the fleet; the checker reports each name once.
    expect(
      crashed()
        .map((c) => c.name)
        .sort(),
    ).toEqual(["portfolio.1", "strategy.1"]);
    await world.stop().catch(() => undefined);
  });
});
