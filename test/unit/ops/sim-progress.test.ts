/**
 * `predator sim` progress: a bar on a terminal, and plain lines elsewhere (a log file, CI), each
 * with the wall time so far and an estimate of the time left.
 */
import { describe, expect, it } from "vitest";
import { progressBar, progressLines } from "../../../infra/cli/commands/sim.ts";

const DAY = 86_400_000;

function recorder() {
  const out: string[] = [];
  const clock = { t: 1_000 };
  return { out, clock, now: () => clock.t, write: (s: string) => void out.push(s) };
}

describe("sim progress", () => {
  it("prints one line per 5% step, with simulated days, wall time and time left", () => {
    const r = recorder();
    const progress = progressLines(r.now, r.write, "sim seed 7");
    const total = 90 * DAY;
    for (let i = 1; i <= 200; i++) {
      r.clock.t += 2_000; // every 1/200 of the run takes 2 s of wall time
      progress((total * i) / 200, total);
    }
    expect(r.out).toHaveLength(20);
    expect(r.out[0]).toBe(
      "sim seed 7: 5% (4.50 of 90.00 simulated days), 20 s wall, about 380 s left\n",
    );
    expect(r.out[9]).toBe(
      "sim seed 7: 50% (45.00 of 90.00 simulated days), 200 s wall, about 200 s left\n",
    );
    expect(r.out.at(-1)).toBe("sim seed 7: 100% (90.00 of 90.00 simulated days), 400 s wall\n");
  });

  it("stays quiet for a short run, and skips steps it jumped over", () => {
    const r = recorder();
    const progress = progressLines(r.now, r.write, "x");
    for (let i = 1; i <= 200; i++) {
      r.clock.t += 20; // 4 s in all: nothing to report
      progress((DAY * i) / 200, DAY);
    }
    expect(r.out).toEqual([]);
    const slow = progressLines(r.now, r.write, "x");
    r.clock.t += 60_000;
    slow(0.37 * DAY, DAY);
    slow(0.38 * DAY, DAY);
    expect(r.out.map((l) => l.split(":")[1]?.trim().split(" ")[0])).toEqual(["35%"]);
  });

  it("redraws the bar on a terminal with the time left", () => {
    const r = recorder();
    const bar = progressBar(r.now, r.write);
    r.clock.t += 30_000;
    bar(DAY / 4, DAY);
    expect(r.out[0]).toContain("[##########------------------------------] 25.0%");
    expect(r.out[0]).toContain("30 s wall, about 90 s left");
  });
});
