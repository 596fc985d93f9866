/**
 * The history the runtime assertions judge, read incrementally. The first run after a start reads
 * the last RESTART_LOOKBACK_MS of it; later runs read only what was written since the last run
 * whose history assertions all passed. Every run also reads every row that is not final yet, and
 * every fill of a closed position that was written or had a fill written in its span. A row that
 * failed an assertion therefore stays in view on every run until the books are fixed; a clean
 * history is not read again. Without this, every run read every order, fill and closed position
 * ever written: a run's cost grew with the system's age, and past the store's list cap
 * (LIST_ROWS_MAX) the newest rows were not seen at all.
 */
import type { FillRecord, OrderRecord, PositionRecord, Store } from "../runtime/store.ts";
import { NON_FINAL_STATUSES } from "./compare.ts";

/**
 * How far before a clean run's start the next run reads again: rows are stamped by their writer's
 * clock when written, so a write a little older than its visibility (another process's clock, a
 * slow transaction) is still read.
 */
export const HISTORY_OVERLAP_MS = 60_000;

/**
 * How much history a freshly started Reconciler judges: a week, not everything. Older rows were
 * judged when they were written, by the runs before the restart; reading everything made a
 * restart's first run cost what the system's whole life cost, and past the store's list cap it read
 * the oldest rows and missed the newest. (It also lets the simulator keep only a recent audit log.)
 */
export const RESTART_LOOKBACK_MS = 7 * 86_400_000;

/** Assertions that judge history rows; a failure of one keeps the failing rows in view. */
export const HISTORY_ASSERTIONS: ReadonlySet<string> = new Set([
  "signal-order-mapping",
  "pnl-match",
  "no-null-order-ids",
  "instrument-scope",
  "no-future-windows",
]);

export interface History {
  orders: OrderRecord[];
  fills: FillRecord[];
  closedPositions: PositionRecord[];
}

function unique<T>(key: (row: T) => string, ...lists: readonly T[][]): T[] {
  const byKey = new Map<string, T>();
  for (const list of lists) for (const row of list) byKey.set(key(row), row);
  return [...byKey.values()];
}

/** Everything written since `since`, and everything not final yet, that the assertions need. */
export async function readHistory(store: Store, since: number): Promise<History> {
  const orders = unique(
    (o) => o.orderId,
    await store.listOrders({ updatedSince: since }),
    await store.listOrders({ statuses: NON_FINAL_STATUSES }),
  );
  const changedFills = await store.listFills({ updatedSince: since });
  const closed = new Map<string, PositionRecord>();
  for (const p of await store.listPositions({ open: false, updatedSince: since })) {
    closed.set(p.positionId, p);
  }
  const looked = new Set<string>();
  for (const f of changedFills) {
    if (f.positionId === null || closed.has(f.positionId) || looked.has(f.positionId)) continue;
    looked.add(f.positionId);
    const p = await store.getPosition(f.positionId);
    if (p?.state === "CLOSED") closed.set(p.positionId, p);
  }
  const ofClosed: FillRecord[][] = [];
  for (const id of closed.keys()) ofClosed.push(await store.listFills({ positionId: id }));
  const fills = unique(
    (f) => f.tradeId,
    changedFills,
    await store.listFills({ statuses: ["MATCHED"] }),
    ...ofClosed,
  );
  return { orders, fills, closedPositions: [...closed.values()] };
}
