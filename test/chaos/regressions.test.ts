/**
 * Every seed on which the simulator once found a bug (README, "Bugs the simulator found") runs
 * again, exactly as it was found, and must now pass: a fix that regresses fails here with the
 * seed that shows it.
 */
import { describe, expect, it } from "vitest";
import { runSimulation, type SimOptions } from "../../infra/chaos/sim/run.ts";

const KS = { chaos: "extreme", scenario: "kitchen-sink" } as const;

const FOUND: Array<{ bug: string; run: SimOptions }> = [
  { bug: "halt queued behind an approval", run: { seed: 15, days: 0.01, ...KS } },
  {
    bug: "trading resumed without a reconciliation after a restart",
    run: { seed: 112, days: 0.1, chaos: "medium", cadence: "relaxed" },
  },
  {
    bug: "the same, at extreme",
    run: { seed: 124, days: 0.1, chaos: "extreme", cadence: "relaxed" },
  },
  {
    bug: "an entry that named no position",
    run: { seed: 205, days: 0.05, chaos: "extreme", cadence: "relaxed" },
  },
  {
    bug: "checker: a reordered older PAUSED taken as news",
    run: { seed: 401, days: 0.02, ...KS, cadence: "relaxed" },
  },
  {
    bug: "a voided entry closed while its order was still working",
    run: { seed: 403, days: 0.02, ...KS },
  },
  {
    bug: "an order's final status overtook its last fill",
    run: { seed: 400, days: 0.02, ...KS },
  },
  {
    bug: "an entry's FAILED overtook its MATCHED",
    run: { seed: 403, days: 0.02, ...KS, cadence: "relaxed" },
  },
];

describe("seeds that once found a bug", () => {
  it.each(FOUND)(
    "$bug: $run.seed passes",
    async ({ run }) => {
      const result = await runSimulation(run);
      expect(result.violations, result.reproduce).toEqual([]);
      expect(result.finalState).toBe("ACTIVE");
    },
    300_000,
  );
});
