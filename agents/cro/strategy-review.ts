/**
 * First-N-windows review mode (issue 20, Phase 3). A strategy whose manifest sets
 * `reviewFirstWindows: N` has each trade of its first N windows put on a review list (stored,
 * `trade_reviews`); an operator marks each reviewed (`predator review mark`, audited). Until N
 * windows are on the list and none is pending, the CRO vetoes its entries above the manifest's
 * initial `risk.orderSize` (STRATEGY_REVIEW_PENDING); once done, up to `scaleUp.orderSize`.
 */
import type { Position } from "../../contracts/positions.ts";
import type { StrategyManifest } from "../../contracts/strategy-manifest.ts";
import type { TradeReviewRecord } from "../runtime/store.ts";

export interface ReviewStatus {
  /** The manifest's reviewFirstWindows. */
  firstWindows: number;
  /** Distinct windows with a trade on the list. */
  windows: number;
  pending: number;
  /** N windows on the list, none pending: the strategy may scale up. */
  done: boolean;
}

type Trade = Pick<Position, "positionId" | "strategy" | "windowId" | "avgEntryPrice" | "openedAt">;

export class StrategyReviews {
  private readonly rows = new Map<string, TradeReviewRecord>();

  constructor(private readonly manifest: (strategy: string) => StrategyManifest | null) {}

  restore(rows: readonly TradeReviewRecord[]): void {
    this.rows.clear();
    for (const r of rows) this.rows.set(r.positionId, r);
  }

  /** The review row this trade needs (a strategy in review mode, within its first N windows). */
  candidate(p: Trade): TradeReviewRecord | null {
    const n = this.manifest(p.strategy)?.reviewFirstWindows ?? 0;
    if (n === 0 || p.avgEntryPrice === null || this.rows.has(p.positionId)) return null;
    const windows = this.windowsOf(p.strategy);
    if (!windows.has(p.windowId) && windows.size >= n) return null;
    return {
      positionId: p.positionId,
      strategy: p.strategy,
      windowId: p.windowId,
      createdAt: p.openedAt,
      reviewedAt: null,
      reviewedBy: null,
      note: null,
    };
  }

  /** A row as stored (added or marked). */
  apply(row: TradeReviewRecord): void {
    this.rows.set(row.positionId, row);
  }

  get(positionId: string): TradeReviewRecord | null {
    return this.rows.get(positionId) ?? null;
  }

  /** Null: the strategy is not in review mode. */
  status(strategy: string): ReviewStatus | null {
    const n = this.manifest(strategy)?.reviewFirstWindows ?? 0;
    if (n === 0) return null;
    const mine = [...this.rows.values()].filter((r) => r.strategy === strategy);
    const windows = new Set(mine.map((r) => r.windowId)).size;
    const pending = mine.filter((r) => r.reviewedAt === null).length;
    return { firstWindows: n, windows, pending, done: windows >= n && pending === 0 };
  }

  private windowsOf(strategy: string): Set<string> {
    const out = new Set<string>();
    for (const r of this.rows.values()) if (r.strategy === strategy) out.add(r.windowId);
    return out;
  }
}
