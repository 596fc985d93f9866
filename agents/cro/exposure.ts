/**
 * What the fleet holds, as the store records it: open positions, positions closed recently enough
 * to count toward today's or this session's PnL, and orders still working at the venue. Re-read
 * from the store on a timer (the store is the source of truth; core messages can be missed) and
 * updated from `portfolio.position` as it happens (a position may open and close between two
 * reads, and the store has no "closed since" query).
 */
import type { OrderRecord, PositionRecord, Store } from "../runtime/store.ts";
import { WORKING_STATUSES } from "./check-types.ts";

export const DAY_MS = 86_400_000;

export type PositionPnl = Pick<
  PositionRecord,
  "positionId" | "strategy" | "state" | "realizedPnl" | "unrealizedPnl" | "openedAt" | "closedAt"
>;

/** Start of the UTC day containing `now`. */
export function dayStart(now: number): number {
  return now - (now % DAY_MS);
}

/**
 * Realized plus unrealized PnL of every position open now or closed at or after `sinceTs`. A
 * position opened before `sinceTs` counts whole: windows last 15 minutes, so the error is small
 * and on the side of counting a loss rather than missing one.
 */
export function pnlSince(
  positions: Iterable<PositionPnl>,
  sinceTs: number,
  strategy: string | null = null,
): number {
  let total = 0;
  for (const p of positions) {
    if (p.closedAt !== null && p.closedAt < sinceTs) continue;
    if (strategy !== null && p.strategy !== strategy) continue;
    total += p.realizedPnl + (p.state === "CLOSED" ? 0 : p.unrealizedPnl);
  }
  return total;
}

function pnlView(p: PositionPnl): PositionPnl {
  const { positionId, strategy, state, realizedPnl, unrealizedPnl, openedAt, closedAt } = p;
  return { positionId, strategy, state, realizedPnl, unrealizedPnl, openedAt, closedAt };
}

export class Exposure {
  private readonly positions = new Map<string, PositionPnl>();
  private working: OrderRecord[] = [];

  /**
   * At start: open positions and those closed since `sinceTs` (a position closed then was last
   * written at or after it, so only those rows are read, however long the history).
   */
  async load(store: Store, sinceTs: number): Promise<void> {
    this.positions.clear();
    for (const p of await store.listPositions({ open: false, updatedSince: sinceTs })) {
      if (p.closedAt !== null && p.closedAt >= sinceTs)
        this.positions.set(p.positionId, pnlView(p));
    }
    // Open positions and working orders come from their own, small queries, never cut short.
    await this.refresh(store, sinceTs);
  }

  /** Re-reads open positions and working orders; fetches any position that closed meanwhile. */
  async refresh(store: Store, keepSinceTs: number): Promise<void> {
    const open = await store.listPositions({ open: true });
    const openIds = new Set(open.map((p) => p.positionId));
    for (const [id, p] of this.positions) {
      if (p.state === "CLOSED" || openIds.has(id)) continue;
      const now = await store.getPosition(id);
      if (now === null) this.positions.delete(id);
      else this.positions.set(id, pnlView(now));
    }
    for (const p of open) this.positions.set(p.positionId, pnlView(p));
    for (const [id, p] of this.positions) {
      if (p.closedAt !== null && p.closedAt < keepSinceTs) this.positions.delete(id);
    }
    this.working = await store.listOrders({ statuses: WORKING_STATUSES });
  }

  /** A position as Portfolio published it: seen at once, even if it closes before a refresh. */
  upsert(p: PositionPnl): void {
    this.positions.set(p.positionId, pnlView(p));
  }

  /** Every strategy's, or one strategy's (`strategy`). */
  pnlSince(sinceTs: number, strategy: string | null = null): number {
    return pnlSince(this.positions.values(), sinceTs, strategy);
  }

  openPositions(): number {
    let n = 0;
    for (const p of this.positions.values()) if (p.state !== "CLOSED") n++;
    return n;
  }

  workingOrders(): readonly OrderRecord[] {
    return this.working;
  }

  unknownOrderIds(): string[] {
    return this.working.filter((o) => o.status === "UNKNOWN").map((o) => o.orderId);
  }

  /** Nothing open and nothing working: a flatten is complete. */
  flat(): boolean {
    return this.openPositions() === 0 && this.working.length === 0;
  }
}
