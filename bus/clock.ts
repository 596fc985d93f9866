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

export class SystemClock implements Clock {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private nextId = 1;

  now(): number {
    return Date.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    const t = setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, delayMs);
    this.timers.set(id, t);
    return { id };
  }

  setInterval(periodMs: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, setInterval(fn, periodMs));
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t !== undefined) {
      clearTimeout(t);
      clearInterval(t);
      this.timers.delete(handle.id);
    }
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

interface VirtualTimer {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
  periodMs: number | null;
}

/** Earlier `at` first; equal times in the order they were scheduled. */
function before(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Steps between two real event-loop turns (see drain). */
const STEPS_PER_TURN = 1_000;

/**
 * A clock that only moves when told to. Timers due at the same instant fire in the order they were
 * set (by sequence number), so a run is a pure function of its inputs. Timers sit in a binary heap;
 * cleared ones are dropped lazily when they reach the top.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private nextId = 1;
  private readonly heap: VirtualTimer[] = [];
  private readonly live = new Map<number, VirtualTimer>();
  private steps = 0;

  constructor(startMs = 1_767_225_600_000 /* 2026-01-01T00:00:00Z */) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    return this.add(delayMs, fn, null);
  }

  setInterval(periodMs: number, fn: () => void): TimerHandle {
    return this.add(periodMs, fn, Math.max(1, periodMs));
  }

  clearTimer(handle: TimerHandle): void {
    this.live.delete(handle.id);
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(delayMs, resolve));
  }

  /** Number of timers still scheduled. */
  pending(): number {
    return this.live.size;
  }

  /** Time of the next timer, or null when none is scheduled. */
  nextAt(): number | null {
    const next = this.peek();
    return next === undefined ? null : next.at;
  }

  /**
   * Fires the next due timer (jumping time forward to it) and lets the promises it started settle.
   * Returns false when no timer is scheduled at or before `limitMs`.
   */
  async step(limitMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const next = this.peek();
    if (next === undefined || next.at > limitMs) return false;
    this.pop();
    this.current = Math.max(this.current, next.at);
    if (next.periodMs === null) this.live.delete(next.id);
    else {
      next.at += next.periodMs;
      next.seq = this.seq++;
      this.push(next);
    }
    next.fn();
    await (++this.steps % STEPS_PER_TURN === 0 ? settle() : drain());
    return true;
  }

  /** Runs every timer due up to `untilMs`, then sets the time to `untilMs`. */
  async runUntil(untilMs: number): Promise<void> {
    while (await this.step(untilMs)) {
      /* keep stepping */
    }
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

  private add(delayMs: number, fn: () => void, periodMs: number | null): TimerHandle {
    const id = this.nextId++;
    const at = this.current + Math.max(0, delayMs);
    const timer: VirtualTimer = { id, at, seq: this.seq++, fn, periodMs };
    this.live.set(id, timer);
    this.push(timer);
    return { id };
  }

  /** The earliest live timer, discarding cleared ones on the way. */
  private peek(): VirtualTimer | undefined {
    for (let top = this.heap[0]; top !== undefined; top = this.heap[0]) {
      if (this.live.get(top.id) === top) return top;
      this.pop();
    }
    return undefined;
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
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = last;
      let at = i;
      const left = h[l];
      const right = h[r];
      if (left !== undefined && before(left, smallest)) {
        smallest = left;
        at = l;
      }
      if (right !== undefined && before(right, smallest)) {
        smallest = right;
        at = r;
      }
      if (at === i) break;
      h[i] = smallest;
      i = at;
    }
    h[i] = last;
  }
}

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
 * process.nextTick callback runs only after the microtask queue is empty. A step costs about
 * 0.8 µs this way against 1.9 µs with a macrotask turn (bench/sim.ts reports the empty step), and
 * a year of simulation has about a billion steps. It starves the event loop, so VirtualClock.step
 * takes a real turn every STEPS_PER_TURN steps, for I/O, signals and real timers.
 */
async function drain(): Promise<void> {
  await Promise.resolve();
  await new Promise<void>((resolve) => {
    process.nextTick(resolve);
  });
}
