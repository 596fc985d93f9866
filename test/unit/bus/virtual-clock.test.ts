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

describe("VirtualClock.run", () => {
  /** A schedule mixing delay-0 timers (the FIFO), later ones (the heap) and intervals. */
  function schedule(clock: VirtualClock, log: string[]): void {
    const rng = new SeededRng(11);
    for (let i = 0; i < 200; i++) {
      const delay = rng.int(0, 3) === 0 ? 0 : rng.int(0, 50);
      clock.setTimer(delay, () => {
        log.push(`t${i}@${clock.now()}`);
        if (i % 3 === 0) clock.setTimer(0, () => log.push(`z${i}@${clock.now()}`));
        if (i % 5 === 0) {
          void Promise.resolve().then(() => {
            clock.setTimer(0, () => log.push(`p${i}@${clock.now()}`));
          });
        }
      });
    }
    const iv = clock.setInterval(7, () => log.push(`iv@${clock.now()}`));
    clock.setTimer(40, () => {
      clock.clearTimer(iv);
    });
  }

  it("fires exactly what step() fires, in the same order, with promises settled in between", async () => {
    const byStep: string[] = [];
    const a = new VirtualClock(0);
    schedule(a, byStep);
    while (await a.step(1_000)) byStep.push("|");
    const byRun: string[] = [];
    const b = new VirtualClock(0);
    schedule(b, byRun);
    const steps = await b.run(1_000, () => {
      byRun.push("|");
      return true;
    });
    expect(byRun).toEqual(byStep);
    expect(steps).toBe(byStep.filter((x) => x === "|").length);
    expect(b.pending()).toBe(0);
  });

  it("fires a delay-0 timer after the timers already due at that instant", async () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    clock.setTimer(10, () => {
      log.push("a");
      clock.setTimer(0, () => log.push("now-after-b"));
    });
    clock.setTimer(10, () => log.push("b"));
    clock.setTimer(11, () => log.push("c"));
    await clock.runUntil(20);
    expect(log).toEqual(["a", "b", "now-after-b", "c"]);
    expect(clock.now()).toBe(20);
  });

  it("stops when `after` says so, and passes on what a timer throws", async () => {
    const clock = new VirtualClock(0);
    for (let i = 1; i <= 5; i++) clock.setTimer(i, () => undefined);
    let seen = 0;
    expect(await clock.run(100, () => ++seen < 2)).toBe(2);
    expect(clock.pending()).toBe(3);
    clock.setTimer(0, () => {
      throw new Error("boom");
    });
    await expect(clock.run(100, () => true)).rejects.toThrow("boom");
  });

  it("ignores a handle it did not make", () => {
    const clock = new VirtualClock(0);
    clock.setTimer(1, () => undefined);
    const other = new VirtualClock(0);
    clock.clearTimer(other.setTimer(1, () => undefined));
    clock.clearTimer({ id: 1 });
    expect(clock.pending()).toBe(1);
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
