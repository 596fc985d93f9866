/**
 * Issue 6 acceptance: a planted bug is caught. With Execution accepting expired approvals (a
 * simulator-only wrapper, see infra/chaos/sim/plants.ts), a small seeded campaign finds an order
 * sent on an expired approval, stops the run, writes a post-mortem and names a reproducing seed
 * that fails again when re-run.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runSimulation, type SimResult } from "../../infra/chaos/sim/run.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("a planted bug", () => {
  it("is found by a seeded campaign, with a post-mortem and a reproducing command", async () => {
    const dir = await mkdtemp(join(tmpdir(), "predator-sim-plant-"));
    dirs.push(dir);
    let failing: SimResult | null = null;
    for (let seed = 1; seed <= 5 && failing === null; seed++) {
      const r = await runSimulation({
        seed,
        days: 0.01,
        chaos: "none",
        plant: "accept-expired-approval",
        reportDir: join(dir, String(seed)),
      });
      if (r.violations.length > 0) failing = r;
    }
    expect(failing, "no seed in 1..5 caught the planted bug").not.toBeNull();
    if (failing === null) return;
    expect(failing.violations[0]?.invariant).toBe("1-approval");
    expect(failing.violations[0]?.message).toMatch(/approval expired/);
    expect(failing.reproduce).toBe(
      `predator sim --seed ${failing.seed} --days 0.01 --chaos none --plant accept-expired-approval`,
    );
    const postMortem = await readFile(failing.postMortem ?? "", "utf8");
    expect(postMortem).toContain(`seed ${failing.seed}`);
    expect(postMortem).toContain("1-approval");
    expect(postMortem).toContain("execution.1");
    expect(postMortem).toMatch(/cro\.decision/);

    const again = await runSimulation({
      seed: failing.seed,
      days: 0.01,
      chaos: "none",
      plant: "accept-expired-approval",
    });
    expect(again.violations).toEqual(failing.violations);
    expect(again.eventLogHash).toBe(failing.eventLogHash);
  });

  it("is not reported when nothing is planted (same seed, same span)", async () => {
    const r = await runSimulation({ seed: 1, days: 0.01, chaos: "none" });
    expect(r.violations).toEqual([]);
    expect(r.finalState).toBe("ACTIVE");
    expect(r.orders).toBeGreaterThan(0);
  });
});
