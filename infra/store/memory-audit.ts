/**
 * The embedded store's audit log. Each row is filed under every id it names (intent, order,
 * position, decision, correlation), as PgStore's `auditFor` finds it by any of them.
 *
 * In a long simulation the audit log was what grew without bound: 25–40 MB of heap per simulated
 * day of heavy chaos, most of it `cro.decision` rows with their check snapshots. With `maxAgeMs`,
 * rows older than that (by their `ts`, against the newest row's) are dropped as new ones arrive.
 * Off by default: a deployed embedded run keeps everything, as PostgreSQL does. The simulator
 * keeps eight days, longer than anything an agent looks up: its streams keep a day, and a
 * restarted Reconciler judges a week of history (agents/reconciler/history.ts).
 *
 * A row's detail is kept as its JSON text (about the size of the parsed object, but one string the
 * garbage collector skips instead of a graph it traces) and parsed again only when read; reads are
 * rare (restarts and reconciliation look-ups).
 */
import type { AuditEntry, StoredAuditEntry } from "../../agents/runtime/store.ts";
import { rowLimit, toJsonText } from "./values.ts";

interface Row {
  readonly id: number;
  readonly entry: Omit<AuditEntry, "detail">;
  readonly detailText: string;
  readonly keys: readonly string[];
}

/** Dropped rows leave the front of the queue; it is compacted once they are half of it. */
const COMPACT_MIN = 1_024;

export class AuditLog {
  private readonly byKey = new Map<string, Row[]>();
  private readonly queue: Row[] = [];
  private head = 0;
  private nextId = 1;
  private newestTs = Number.NEGATIVE_INFINITY;

  constructor(private readonly maxAgeMs: number | null = null) {}

  append(entry: AuditEntry): number {
    const { detail, ...columns } = entry;
    const { correlationId, intentId, orderId, positionId, decisionId } = entry;
    const keys = [...new Set([correlationId, intentId, orderId, positionId, decisionId])].filter(
      (k): k is string => k !== null,
    );
    const row: Row = { id: this.nextId++, entry: columns, detailText: toJsonText(detail), keys };
    for (const key of keys) {
      const list = this.byKey.get(key);
      if (list === undefined) this.byKey.set(key, [row]);
      else list.push(row);
    }
    if (this.maxAgeMs !== null) {
      this.queue.push(row);
      this.newestTs = Math.max(this.newestTs, entry.ts);
      this.dropOlderThan(this.newestTs - this.maxAgeMs);
    }
    return row.id;
  }

  /** Every row filed under `id`, by ts then id, each a fresh copy. */
  for(id: string, limit?: number): StoredAuditEntry[] {
    return [...(this.byKey.get(id) ?? [])]
      .sort((a, b) => a.entry.ts - b.entry.ts || a.id - b.id)
      .slice(0, rowLimit(limit))
      .map((r) => ({ ...r.entry, detail: JSON.parse(r.detailText) as unknown, id: r.id }));
  }

  /** Rows held (for tests and diagnostics). */
  size(): number {
    const ids = new Set<number>();
    for (const list of this.byKey.values()) for (const r of list) ids.add(r.id);
    return ids.size;
  }

  private dropOlderThan(cutoff: number): void {
    for (let row = this.queue[this.head]; row !== undefined; row = this.queue[this.head]) {
      if (row.entry.ts >= cutoff) break;
      this.head++;
      for (const key of row.keys) {
        const list = this.byKey.get(key);
        if (list === undefined) continue;
        // Rows arrive in time order, so the oldest is almost always first in its lists.
        const at = list[0] === row ? 0 : list.indexOf(row);
        if (at >= 0) list.splice(at, 1);
        if (list.length === 0) this.byKey.delete(key);
      }
    }
    if (this.head >= COMPACT_MIN && this.head * 2 >= this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }
}
