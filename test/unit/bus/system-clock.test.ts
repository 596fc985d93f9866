/**
 * SystemClock: a zero-delay timer runs on the next event-loop turn (setImmediate), not through
 * setTimeout's 1 ms clamp, which capped the embedded fleet's in-memory bus at ~1,000 deliveries/s.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { SystemClock } from "../../../bus/clock.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("SystemClock", () => {
  it("runs a zero-delay timer with setImmediate and a positive delay with setTimeout", async () => {
    const immediate = vi.spyOn(globalThis, "setImmediate");
    const timeout = vi.spyOn(globalThis, "setTimeout");
    const clock = new SystemClock();
    const order: string[] = [];
    const fired = new Promise<void>((resolve) => {
      clock.setTimer(0, () => {
        order.push("zero");
        resolve();
      });
    });
    expect(immediate).toHaveBeenCalledTimes(1);
    expect(timeout).not.toHaveBeenCalled();
    const later = new Promise<void>((resolve) => {
      clock.setTimer(5, () => {
        order.push("five");
        resolve();
      });
    });
    expect(timeout).toHaveBeenCalledTimes(1);
    await Promise.all([fired, later]);
    expect(order).toEqual(["zero", "five"]);
  });

  it("clears a zero-delay timer before it runs, and a timer that already ran is a no-op", async () => {
    const clock = new SystemClock();
    let ran = 0;
    const handle = clock.setTimer(0, () => {
      ran++;
    });
    clock.clearTimer(handle);
    const done = new Promise<void>((resolve) => clock.setTimer(0, resolve));
    await done;
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(ran).toBe(0);
    clock.clearTimer(handle);
  });

  it("a negative delay is a zero delay, and an interval keeps running until cleared", async () => {
    const clock = new SystemClock();
    await new Promise<void>((resolve) => clock.setTimer(-5, resolve));
    let ticks = 0;
    await new Promise<void>((resolve) => {
      const h = clock.setInterval(1, () => {
        ticks++;
        if (ticks === 3) {
          clock.clearTimer(h);
          resolve();
        }
      });
    });
    expect(ticks).toBe(3);
  });
});
