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
 * Kept compact for the garbage collector, which a long simulation spends a quarter of its time
 * in: each row is one JSON string (columns and detail), its ts and the JSON of the ids it is filed
 * under, in three arrays indexed by row id; each id's list holds row numbers, not objects. A row is
 * parsed again only when read, and reads are rare (restarts and reconciliation look-ups).
 */
import type { AuditEntry, StoredAuditEntry } from "../../agents/runtime/store.ts";
import { rowLimit, toJsonText } from "./values.ts";

/** Dropped rows leave the front of the arrays; they are compacted once they are half of them. */
const COMPACT_MIN = 1_024;

export class AuditLog {
  /** Row id → the ids of every row filed under it, oldest first. */
  private readonly byKey = new Map<string, number[]>();
  /** Row `firstId + i`: its JSON (`{"c": columns, "d": detail}`), ts, and the ids it is under. */
  private readonly texts: string[] = [];
  private readonly tss: number[] = [];
  private readonly keyLists: string[] = [];
  private firstId = 1;
  /** Rows at the front already dropped (their slots are compacted away in batches). */
  private head = 0;
  private newestTs = Number.NEGATIVE_INFINITY;

  constructor(private readonly maxAgeMs: number | null = null) {}

  append(entry: AuditEntry): number {
    const { detail, ...columns } = entry;
    const { correlationId, intentId, orderId, positionId, decisionId } = entry;
    const keys = [...new Set([correlationId, intentId, orderId, positionId, decisionId])].filter(
      (k): k is string => k !== null,
    );
    const id = this.firstId + this.texts.length;
    this.texts.push(`{"c":${JSON.stringify(columns)},"d":${toJsonText(detail)}}`);
    this.tss.push(entry.ts);
    this.keyLists.push(JSON.stringify(keys));
    for (const key of keys) {
      const list = this.byKey.get(key);
      if (list === undefined) this.byKey.set(key, [id]);
      else list.push(id);
    }
    if (this.maxAgeMs !== null) {
      this.newestTs = Math.max(this.newestTs, entry.ts);
      this.dropOlderThan(this.newestTs - this.maxAgeMs);
    }
    return id;
  }

  /** Every row filed under `id`, by ts then id, each a fresh copy. */
  for(id: string, limit?: number): StoredAuditEntry[] {
    const rows: { id: number; ts: number }[] = [];
    for (const rowId of this.byKey.get(id) ?? []) {
      rows.push({ id: rowId, ts: this.tss[rowId - this.firstId] ?? 0 });
    }
    return rows
      .sort((a, b) => a.ts - b.ts || a.id - b.id)
      .slice(0, rowLimit(limit))
      .map((r) => {
        const row = JSON.parse(this.texts[r.id - this.firstId] ?? "null") as {
          c: Omit<AuditEntry, "detail">;
          d: unknown;
        };
        return { ...row.c, detail: row.d, id: r.id };
      });
  }

  /** Rows held (for tests and diagnostics). */
  size(): number {
    return this.texts.length - this.head;
  }

  private dropOlderThan(cutoff: number): void {
    while (this.head < this.texts.length && (this.tss[this.head] ?? cutoff) < cutoff) {
      const id = this.firstId + this.head;
      for (const key of JSON.parse(this.keyLists[this.head] ?? "[]") as string[]) {
        const list = this.byKey.get(key);
        if (list === undefined) continue;
        // Rows arrive in id order, so the oldest is first in its lists.
        const at = list[0] === id ? 0 : list.indexOf(id);
        if (at >= 0) list.splice(at, 1);
        if (list.length === 0) this.byKey.delete(key);
      }
      this.head++;
    }
    if (this.head >= COMPACT_MIN && this.head * 2 >= this.texts.length) {
      this.texts.splice(0, this.head);
      this.tss.splice(0, this.head);
      this.keyLists.splice(0, this.head);
      this.firstId += this.head;
      this.head = 0;
    }
  }
}
