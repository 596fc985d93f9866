/**
 * The deliveries still owed: one row per (alert, destination), PENDING or DEAD, and per
 * destination its failure streak and rate limit. Pure state; the Deliverer does the I/O.
 *
 * Each destination is served head of line, oldest first: PENDING rows, then DEAD rows that are
 * due for another try. A failure blocks the destination with exponential backoff (so a receiver
 * that is down gets at most one request per backoff, whatever the backlog); a row that exhausts
 * its attempts becomes DEAD (the dead-letter table) and is still tried every `deadRetryMs`. The
 * first success on a destination makes every DEAD row of it due at once: when the receiver
 * recovers, nothing is lost.
 */
import type { AlertRecord } from "../runtime/store.ts";
import type { AlertConfig, Channel } from "./config.ts";
import { backoffMs, RateLimiter } from "./limits.ts";

export type AttemptResult = { ok: true } | { ok: false; permanent: boolean; error: string };

interface Destination {
  failures: number;
  blockedUntil: number;
  readonly limiter: RateLimiter;
}

type Bounds = Pick<
  AlertConfig,
  "maxAttempts" | "retryInitialMs" | "retryMaxMs" | "deadRetryMs" | "rateLimitPerMinute"
>;

/** A row's id is `<alert id>.<destination name>`; names hold no dots. */
export function rowId(alertId: string, channel: string): string {
  return `${alertId}.${channel}`;
}

export function splitRowId(id: string): { alertId: string; channel: string } {
  const dot = id.lastIndexOf(".");
  return { alertId: id.slice(0, Math.max(dot, 0)), channel: id.slice(dot + 1) };
}

const dueAt = (r: AlertRecord) => r.nextAttemptAt ?? r.createdAt;
const oldestFirst = (a: AlertRecord, b: AlertRecord) =>
  a.createdAt - b.createdAt || (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0);

export class Outbox {
  private readonly rows = new Map<string, AlertRecord>();
  private readonly destinations = new Map<string, Destination>();
  private turn = 0;

  constructor(
    private readonly channels: readonly Channel[],
    private readonly bounds: Bounds,
  ) {
    for (const c of channels) {
      this.destinations.set(c.name, {
        failures: 0,
        blockedUntil: 0,
        limiter: new RateLimiter(bounds.rateLimitPerMinute),
      });
    }
  }

  get size(): number {
    return this.rows.size;
  }

  /** Queues a PENDING or DEAD row whose destination exists. */
  add(row: AlertRecord): void {
    this.rows.set(row.alertId, { ...row });
  }

  private rowsOf(channel: string): AlertRecord[] {
    return [...this.rows.values()].filter((r) => splitRowId(r.alertId).channel === channel);
  }

  private headOf(channel: string, now: number): AlertRecord | null {
    const due = this.rowsOf(channel).filter((r) => dueAt(r) <= now);
    const pending = due.filter((r) => r.status === "PENDING").sort(oldestFirst);
    return pending[0] ?? due.sort(oldestFirst)[0] ?? null;
  }

  private open(channel: string, now: number): boolean {
    const d = this.destinations.get(channel);
    return d !== undefined && d.blockedUntil <= now && d.limiter.nextSlot(now) <= now;
  }

  /** The next delivery to try at `now`, taking the destinations in turn; null when none is due. */
  next(now: number): AlertRecord | null {
    const n = this.channels.length;
    for (let i = 0; i < n; i++) {
      const channel = this.channels[(this.turn + i) % n];
      if (channel === undefined || !this.open(channel.name, now)) continue;
      const head = this.headOf(channel.name, now);
      if (head === null) continue;
      this.turn = (this.turn + i + 1) % n;
      return { ...head };
    }
    return null;
  }

  /** When something may next be due (null: nothing owed). */
  nextWakeAt(now: number): number | null {
    let earliest: number | null = null;
    for (const channel of this.channels) {
      const rows = this.rowsOf(channel.name);
      const d = this.destinations.get(channel.name);
      if (rows.length === 0 || d === undefined) continue;
      const rowDue = Math.min(...rows.map(dueAt));
      const at = Math.max(rowDue, d.blockedUntil, d.limiter.nextSlot(now));
      earliest = earliest === null ? at : Math.min(earliest, at);
    }
    return earliest;
  }

  /** Applies one attempt's result; returns the row as it must now be stored. */
  settle(row: AlertRecord, result: AttemptResult, now: number): AlertRecord {
    const { channel } = splitRowId(row.alertId);
    const d = this.destinations.get(channel);
    d?.limiter.record(now);
    const attempts = row.attempts + 1;
    if (result.ok) {
      this.rows.delete(row.alertId);
      if (d !== undefined) {
        d.failures = 0;
        d.blockedUntil = 0;
      }
      for (const dead of this.rowsOf(channel)) dead.nextAttemptAt = now;
      return {
        ...row,
        status: "DELIVERED",
        attempts,
        lastError: null,
        updatedAt: now,
        nextAttemptAt: null,
      };
    }
    if (d !== undefined && !result.permanent) {
      d.failures++;
      d.blockedUntil =
        now + backoffMs(d.failures, this.bounds.retryInitialMs, this.bounds.retryMaxMs);
    }
    const exhausted =
      result.permanent || row.status === "DEAD" || attempts >= this.bounds.maxAttempts;
    const updated: AlertRecord = exhausted
      ? { ...row, status: "DEAD", nextAttemptAt: now + this.bounds.deadRetryMs }
      : { ...row, status: "PENDING", nextAttemptAt: d?.blockedUntil ?? now };
    const stored = { ...updated, attempts, lastError: result.error.slice(0, 500), updatedAt: now };
    this.rows.set(row.alertId, stored);
    return { ...stored };
  }
}
