/**
 * Secondary indexes of the embedded store: which row ids have a given value of a column. A list
 * call starts from the smallest index set its filter names instead of every row ever written, so
 * the agents' frequent "working orders", "open positions" and "fills still MATCHED" reads cost what
 * they return, not the length of the history (a year of simulation writes hundreds of thousands of
 * rows; PostgreSQL has the same indexes, migrations 0001 and 0002).
 */
export class KeyIndex<K> {
  private readonly ids = new Map<K, Set<string>>();

  /** Moves `id` from the set of `before` (if any) to that of `after`. */
  move(id: string, before: K | undefined, after: K): void {
    if (before === after) return;
    if (before !== undefined) {
      const set = this.ids.get(before);
      set?.delete(id);
      if (set?.size === 0) this.ids.delete(before);
    }
    const set = this.ids.get(after) ?? new Set<string>();
    set.add(id);
    this.ids.set(after, set);
  }

  get(key: K): ReadonlySet<string> {
    return this.ids.get(key) ?? EMPTY;
  }

  /** Ids under any of `keys`. */
  any(keys: readonly K[]): string[] {
    const out: string[] = [];
    for (const k of new Set(keys)) for (const id of this.get(k)) out.push(id);
    return out;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/**
 * The rows a filter can match: the smallest of the candidate id lists it names (undefined: that
 * column is not filtered), or every row when it names none. The caller still applies the filter.
 */
export function candidates<R>(
  rows: ReadonlyMap<string, R>,
  narrowed: ReadonlyArray<Iterable<string> | undefined>,
): R[] {
  let best: string[] | null = null;
  for (const ids of narrowed) {
    if (ids === undefined) continue;
    const list = [...ids];
    if (best === null || list.length < best.length) best = list;
  }
  if (best === null) return [...rows.values()];
  const out: R[] = [];
  for (const id of best) {
    const row = rows.get(id);
    if (row !== undefined) out.push(row);
  }
  return out;
}

/**
 * Which ids were written at or after a time, for `updatedSince` reads (the Reconciler's every
 * few seconds). Writes are noted in order; while their times never go backwards (one process,
 * one clock) a binary search finds the first one at or after the time asked. A write stamped
 * earlier than the one before it makes the log unable to tell, and the caller scans every row,
 * until the next compaction sorts the log again. The log is compacted to one entry per row when
 * it grows past twice the rows, so it stays as large as the table.
 */
export class WriteLog {
  private at: number[] = [];
  private ids: string[] = [];
  private sorted = true;

  note(id: string, updatedAt: number, rows: ReadonlyMap<string, { updatedAt: number }>): void {
    const last = this.at.at(-1);
    if (last !== undefined && updatedAt < last) this.sorted = false;
    this.at.push(updatedAt);
    this.ids.push(id);
    if (this.at.length > 2 * rows.size + 1_024) this.compact(rows);
  }

  /** Ids written at or after `since`; undefined when the log cannot tell. */
  since(since: number): Set<string> | undefined {
    if (!this.sorted) return undefined;
    let lo = 0;
    let hi = this.at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.at[mid] ?? 0) < since) lo = mid + 1;
      else hi = mid;
    }
    return new Set(this.ids.slice(lo));
  }

  private compact(rows: ReadonlyMap<string, { updatedAt: number }>): void {
    const entries = [...rows].sort((a, b) => a[1].updatedAt - b[1].updatedAt);
    this.at = entries.map(([, r]) => r.updatedAt);
    this.ids = entries.map(([id]) => id);
    this.sorted = true;
  }
}
