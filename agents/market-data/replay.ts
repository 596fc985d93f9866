/**
 * A feed replayed from a JSONL file of MarketEvents (one event per line, in recorded order), timed
 * by the Clock: on a VirtualClock a recorded hour replays in milliseconds, on the SystemClock in
 * real time (or `speed` times faster). Timestamps are moved onto the replay's timeline — the first
 * event happens at subscribe time — so windows, time remaining and staleness mean the same as
 * live. Lines that do not parse are skipped and counted; nothing here throws after construction.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Clock, TimerHandle } from "../../bus/clock.ts";
import type { MarketEvent, VenueMarket } from "../runtime/venue.ts";
import { parseMarketEvent } from "./events.ts";
import { FeedError, type MarketFeed } from "./feed.ts";

export interface ReplayOptions {
  /** 1 = recorded pace; 10 = ten times faster. */
  speed?: number;
  name?: string;
  /** Lines past this are not read (a bound on memory). */
  eventsMax?: number;
}

export const REPLAY_EVENTS_MAX = 1_000_000;

export interface ReplayStats {
  events: number;
  badLines: number;
  emitted: number;
}

export interface ReplayFeed extends MarketFeed {
  readonly stats: ReplayStats;
  /** True once every event has been delivered. */
  done(): boolean;
}

export function replayFeed(path: string, clock: Clock, options: ReplayOptions = {}): ReplayFeed {
  const speed = options.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) {
    throw new FeedError("REPLAY_SPEED", `replay speed must be a positive number, got ${speed}`);
  }
  const { events, badLines } = readEvents(path, options.eventsMax ?? REPLAY_EVENTS_MAX);
  return new Replay(options.name ?? `replay:${basename(path)}`.slice(0, 64), clock, speed, events, {
    events: events.length,
    badLines,
    emitted: 0,
  });
}

function readEvents(path: string, eventsMax: number): { events: MarketEvent[]; badLines: number } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new FeedError("REPLAY_READ", `cannot read replay file ${path}`, { cause });
  }
  const events: MarketEvent[] = [];
  let badLines = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "" || events.length >= eventsMax) continue;
    const parsed = parseMarketEvent(parseJson(line));
    if (parsed.ok) events.push(parsed.event);
    else badLines++;
  }
  return { events, badLines };
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return null;
  }
}

class Replay implements ReplayFeed {
  private readonly listeners = new Set<(e: MarketEvent) => void>();
  private readonly windows = new Map<string, VenueMarket>();
  private next = 0;
  private timer: TimerHandle | null = null;
  /** Replay time = base + (recorded − first) / speed. */
  private base = 0;
  private readonly first: number;

  constructor(
    readonly name: string,
    private readonly clock: Clock,
    private readonly speed: number,
    private readonly events: MarketEvent[],
    readonly stats: ReplayStats,
  ) {
    this.first = events[0]?.ts ?? 0;
  }

  subscribe(listener: (e: MarketEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.timer === null) {
      if (this.next === 0) this.base = this.clock.now();
      this.schedule();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer !== null) {
        this.clock.clearTimer(this.timer);
        this.timer = null;
      }
    };
  }

  markets(): Promise<VenueMarket[]> {
    return Promise.resolve([...this.windows.values()].map((m) => ({ ...m })));
  }

  done(): boolean {
    return this.next >= this.events.length;
  }

  private schedule(): void {
    const event = this.events[this.next];
    if (event === undefined) return;
    // Recorded order wins over recorded time: an event stamped earlier than its predecessor goes
    // out right after it.
    const delayMs = Math.max(0, this.at(event.ts) - this.clock.now());
    this.timer = this.clock.setTimer(delayMs, () => {
      this.timer = null;
      this.emit();
    });
  }

  /** Emits every event due now, then waits for the next. */
  private emit(): void {
    const now = this.clock.now();
    for (;;) {
      const event = this.events[this.next];
      if (event === undefined || this.at(event.ts) > now) break;
      this.next++;
      const shifted = this.retime(event);
      if (shifted.type === "window") this.windows.set(shifted.window.windowId, shifted.window);
      this.stats.emitted++;
      for (const l of [...this.listeners]) l(shifted);
    }
    if (this.listeners.size > 0) this.schedule();
  }

  private at(recordedTs: number): number {
    return this.base + Math.round((recordedTs - this.first) / this.speed);
  }

  private retime(e: MarketEvent): MarketEvent {
    if (e.type !== "window") return { ...e, ts: this.at(e.ts) };
    const window = {
      ...e.window,
      startTs: this.at(e.window.startTs),
      endTs: this.at(e.window.endTs),
    };
    const status = e.event === "listed" ? "LISTED" : e.event === "opened" ? "OPEN" : "RESOLVED";
    return { ...e, ts: this.at(e.ts), window: { ...window, status } };
  }
}

/** One event per line, as replayFeed reads it. */
export function toJsonl(events: readonly MarketEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join("\n") + "\n";
}
