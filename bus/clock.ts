/**
 * The Clock port: the only way agents learn the time or wait. `SystemClock` reads the wall clock;
 * `VirtualClock` jumps from event to event (TimeWarp) so a simulated day runs in milliseconds and
 * the same seed gives the same schedule.
 */
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` once after `delayMs`. */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  /** Runs `fn` every `periodMs` until cleared. */
  setInterval(periodMs: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
  /** Resolves after `delayMs` of this clock's time. */
  sleep(delayMs: number): Promise<void>;
}

type SystemTimer =
  | { kind: "immediate"; handle: NodeJS.Immediate }
  | { kind: "timeout"; handle: NodeJS.Timeout }
  | { kind: "interval"; handle: NodeJS.Timeout };

export class SystemClock implements Clock {
  private readonly timers = new Map<number, SystemTimer>();
  private nextId = 1;

  now(): number {
    return Date.now();
  }

  /**
   * A delay of 0 (or less) runs on the next turn of the event loop (`setImmediate`), not through
   * `setTimeout`, which Node clamps to 1 ms: the in-memory bus schedules one delivery per zero-delay
   * timer, so the clamp capped the whole embedded fleet at about 1,000 deliveries a second
   * (docs/findings.md). Each callback is still its own macrotask, after pending I/O and microtasks.
   */
  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    const run = (): void => {
      this.timers.delete(id);
      fn();
    };
    this.timers.set(
      id,
      delayMs <= 0
        ? { kind: "immediate", handle: setImmediate(run) }
        : { kind: "timeout", handle: setTimeout(run, delayMs) },
    );
    return { id };
  }

  setInterval(periodMs: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { kind: "interval", handle: setInterval(fn, periodMs) });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t === undefined) return;
    this.timers.delete(handle.id);
    if (t.kind === "immediate") clearImmediate(t.handle);
    else if (t.kind === "timeout") clearTimeout(t.handle);
    else clearInterval(t.handle);
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

/**
 * A scheduled timer, which is also its own handle: no second object per timer. `periodMs` is 0 for a
 * one-shot timer; `live` turns false when it fires (one-shot) or is cleared.
 */
class VirtualTimer implements TimerHandle {
  live = true;
  constructor(
    readonly id: number,
    readonly owner: VirtualClock,
    public at: number,
    public seq: number,
    readonly fn: () => void,
    readonly periodMs: number,
  ) {}
}

/** Earlier `at` first; equal times in the order they were scheduled. */
function before(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Steps between two real event-loop turns (see drain). */
const STEPS_PER_TURN = 1_000;

/** The due queue's consumed prefix is cut off once it is this long. */
const DUE_COMPACT = 4_096;

/**
 * A clock that only moves when told to. Timers due at the same instant fire in the order they were
 * set (by sequence number), so a run is a pure function of its inputs. Timers set for later sit in
 * a binary heap; those set for the current instant (delay 0: the bus schedules one per delivery)
 * go to a FIFO, which is already in firing order: every heap timer due now was set at an earlier
 * instant (a later `at` or a period ≥ 1 ms puts every new heap entry after now), so it has a
 * smaller sequence number than anything in the FIFO, and the FIFO is empty before time moves on.
 * Cleared timers are dropped lazily when they reach the front.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private nextId = 1;
  private readonly heap: VirtualTimer[] = [];
  /** Timers set for the instant they were set at, in order; `dueHead` is the first unconsumed. */
  private readonly due: (VirtualTimer | undefined)[] = [];
  private dueHead = 0;
  private liveCount = 0;
  private steps = 0;

  constructor(startMs = 1_767_225_600_000 /* 2026-01-01T00:00:00Z */) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    return this.add(delayMs, fn, 0);
  }

  setInterval(periodMs: number, fn: () => void): TimerHandle {
    return this.add(periodMs, fn, Math.max(1, periodMs));
  }

  clearTimer(handle: TimerHandle): void {
    if (handle instanceof VirtualTimer && handle.owner === this && handle.live) {
      handle.live = false;
      this.liveCount--;
    }
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(delayMs, resolve));
  }

  /** Number of timers still scheduled. */
  pending(): number {
    return this.liveCount;
  }

  /** Time of the next timer, or null when none is scheduled. */
  nextAt(): number | null {
    const next = this.peek();
    return next === null ? null : next.at;
  }

  /**
   * Fires the next due timer (jumping time forward to it) and lets the promises it started settle.
   * Returns false when no timer is scheduled at or before `limitMs`.
   */
  async step(limitMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (!this.fireNext(limitMs)) return false;
    await (this.steps % STEPS_PER_TURN === 0 ? settle() : drain());
    return true;
  }

  /**
   * Steps like `while (await step(limitMs) && after()) {}`, at a fraction of the cost: no promise
   * per step. Each timer fires inside a microtask and the next step starts from a process.nextTick
   * callback, which runs only once the microtask queue is empty, so every promise a timer started
   * has settled before `after` runs and before the next timer fires, exactly as with step(). Every
   * STEPS_PER_TURN steps the loop takes a real event-loop turn (I/O, signals). `after` returning
   * false stops it; so does no timer being due at or before `limitMs`. Resolves with the number of
   * steps taken; a timer or `after` that throws rejects it.
   */
  run(limitMs: number, after: () => boolean): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let taken = 0;
      const fire = (): void => {
        try {
          if (!this.fireNext(limitMs)) {
            resolve(taken);
            return;
          }
        } catch (error) {
          reject(asError(error));
          return;
        }
        taken++;
        process.nextTick(settled);
      };
      const settled = (): void => {
        let more: boolean;
        try {
          more = after();
        } catch (error) {
          reject(asError(error));
          return;
        }
        if (!more) resolve(taken);
        else if (this.steps % STEPS_PER_TURN === 0) setImmediate(fromTurn);
        else queueMicrotask(fire);
      };
      // From a macrotask a nextTick would run before the microtasks: re-enter through one.
      const fromTurn = (): void => {
        queueMicrotask(fire);
      };
      queueMicrotask(fire);
    });
  }

  /** Runs every timer due up to `untilMs`, then sets the time to `untilMs`. */
  async runUntil(untilMs: number): Promise<void> {
    await this.run(untilMs, alwaysOn);
    this.current = Math.max(this.current, untilMs);
  }

  /** Advances the clock by `ms`, firing timers on the way. */
  async advance(ms: number): Promise<void> {
    await this.runUntil(this.current + ms);
  }

  /** Runs timers until none is due within `horizonMs` of the current time; bounded by `maxSteps`. */
  async runUntilIdle(horizonMs = 0, maxSteps = 1_000_000): Promise<void> {
    for (let i = 0; i < maxSteps; i++) {
      if (!(await this.step(this.current + horizonMs))) return;
    }
    throw new Error(`Invariant: VirtualClock.runUntilIdle exceeded ${maxSteps} steps`);
  }

  /** Fires the next timer due at or before `limitMs`, if any; false when there is none. */
  private fireNext(limitMs: number): boolean {
    const next = this.peek();
    if (next === null || next.at > limitMs) return false;
    if (next === this.due[this.dueHead]) this.shiftDue();
    else this.pop();
    if (next.at > this.current) this.current = next.at;
    if (next.periodMs === 0) {
      next.live = false;
      this.liveCount--;
    } else {
      next.at += next.periodMs;
      next.seq = this.seq++;
      this.push(next);
    }
    next.fn();
    this.steps++;
    return true;
  }

  private add(delayMs: number, fn: () => void, periodMs: number): TimerHandle {
    const at = this.current + Math.max(0, delayMs);
    const timer = new VirtualTimer(this.nextId++, this, at, this.seq++, fn, periodMs);
    this.liveCount++;
    if (at === this.current) this.due.push(timer);
    else this.push(timer);
    return timer;
  }

  /**
   * The next live timer, discarding cleared ones on the way: the heap's top if it is due now (see
   * the class comment), else the FIFO's head, else the heap's top.
   */
  private peek(): VirtualTimer | null {
    const h = this.heap;
    let top = h[0];
    while (top !== undefined && !top.live) {
      this.pop();
      top = h[0];
    }
    if (top !== undefined && top.at <= this.current) return top;
    const due = this.due;
    let head = due[this.dueHead];
    while (head !== undefined && !head.live) {
      this.shiftDue();
      head = due[this.dueHead];
    }
    return head ?? top ?? null;
  }

  private shiftDue(): void {
    const due = this.due;
    due[this.dueHead] = undefined;
    this.dueHead++;
    if (this.dueHead === due.length) {
      due.length = 0;
      this.dueHead = 0;
    } else if (this.dueHead >= DUE_COMPACT) {
      due.splice(0, this.dueHead);
      this.dueHead = 0;
    }
  }

  private push(timer: VirtualTimer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent];
      if (p === undefined || !before(timer, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = timer;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    const n = h.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let at = l;
      let smallest = h[l] as VirtualTimer;
      if (r < n) {
        const right = h[r] as VirtualTimer;
        if (before(right, smallest)) {
          smallest = right;
          at = r;
        }
      }
      if (!before(smallest, last)) break;
      h[i] = smallest;
      i = at;
    }
    h[i] = last;
  }
}

const alwaysOn = (): boolean => true;

const asError = (thrown: unknown): Error =>
  thrown instanceof Error ? thrown : new Error(String(thrown));

/**
 * Lets every pending promise continuation run. A macrotask boundary drains the microtask queue
 * completely, so in-memory async work (store writes, bus hand-offs) finishes before the next timer.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Like settle, without a macrotask: resolves once every promise continuation queued so far, and
 * every one those queue, has run. From inside a microtask (which the first await guarantees), a
 * process.nextTick callback runs only after the microtask queue is empty. An awaited step() costs
 * about 0.7 µs this way against 1.9 µs with a macrotask turn; VirtualClock.run uses the same
 * nextTick ordering without the promises, about 0.3 µs (bench/sim.ts reports both), and a year of
 * simulation has about a billion steps. It starves the event loop, so both take a real turn every
 * STEPS_PER_TURN steps, for I/O, signals and real timers.
 */
async function drain(): Promise<void> {
  await Promise.resolve();
  await new Promise<void>((resolve) => {
    process.nextTick(resolve);
  });
}
