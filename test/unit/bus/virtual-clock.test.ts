import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";

describe("VirtualClock", () => {
  it("fires timers in time order, ties in the order they were set", async () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push("c@30"));
    clock.setTimer(10, () => fired.push("a@10"));
    clock.setTimer(10, () => fired.push("b@10"));
    clock.setTimer(20, () => fired.push("x@20"));
    await clock.runUntilIdle(1_000);
    expect(fired).toEqual(["a@10", "b@10", "x@20", "c@30"]);
    expect(clock.now()).toBe(30);
  });

  it("never fires a cleared timer and repeats intervals until cleared", async () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    const t = clock.setTimer(5, () => fired.push(-1));
    const iv = clock.setInterval(10, () => fired.push(clock.now()));
    clock.clearTimer(t);
    await clock.advance(35);
    clock.clearTimer(iv);
    await clock.advance(100);
    expect(fired).toEqual([10, 20, 30]);
    expect(clock.pending()).toBe(0);
  });

  it("orders thousands of random timers exactly like a sort by (time, insertion)", async () => {
    const clock = new VirtualClock(0);
    const rng = new SeededRng(7);
    const expected: Array<[number, number]> = [];
    const fired: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      const at = rng.int(0, 1_000);
      expected.push([at, i]);
      clock.setTimer(at, () => fired.push(i));
    }
    expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    await clock.runUntilIdle(10_000);
    expect(fired).toEqual(expected.map((e) => e[1]));
  });

  it("lets promises started by a timer settle before the next timer fires", async () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    clock.setTimer(1, () => {
      void Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => log.push("async work of t1"));
    });
    clock.setTimer(1, () => log.push("t2"));
    await clock.runUntilIdle(10);
    expect(log).toEqual(["async work of t1", "t2"]);
  });
});

describe("SeededRng", () => {
  it("repeats its stream for a seed and forks independent streams", () => {
    const a = new SeededRng(1);
    const b = new SeededRng(1);
    const xs = Array.from({ length: 10 }, () => a.nextUint32());
    expect(Array.from({ length: 10 }, () => b.nextUint32())).toEqual(xs);
    expect(new SeededRng(2).nextUint32()).not.toBe(xs[0]);
    expect(new SeededRng(3).uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("spells a UUID from its four draws (the same ids, so the same event logs, for a seed)", () => {
    // The plain spelling: the 32 hex digits of four draws, version at digit 12, variant at 16.
    const spelled = (rng: SeededRng): string => {
      const h = [0, 1, 2, 3].map(() => rng.nextUint32().toString(16).padStart(8, "0")).join("");
      const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    };
    const a = new SeededRng(9);
    const b = new SeededRng(9);
    for (let i = 0; i < 20_000; i++) expect(a.uuid()).toBe(spelled(b));
  });
});
