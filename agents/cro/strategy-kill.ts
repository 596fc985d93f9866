/**
 * Kill criteria (issue 20, Phase 3): each strategy's manifest registers the range its settled
 * results should lie in; once it has `kill.minTrades` settled trades, its last
 * `kill.lookbackTrades` are held to that range, and a win rate or an average PnL per trade
 * outside it halts the strategy. Only the CRO halts; an operator resumes.
 *
 * Integer arithmetic throughout: a win rate of w/n is compared with a whole-percent bound p as
 * 100·w against p·n, an average PnL per trade (micro-USDC) as the total against bound·n.
 *
 * A settled trade is a CLOSED position that bought something (it has an average entry price);
 * an entry that never filled is not a trade. A win is a positive realized PnL (fees included).
 */
import type { Position } from "../../contracts/positions.ts";
import type { StrategyManifest } from "../../contracts/strategy-manifest.ts";
import { fromMicro } from "../../contracts/money.ts";
import type { StrategyHaltRecord } from "../runtime/store.ts";

export interface SettledTrade {
  positionId: string;
  closedAt: number;
  realizedPnl: number;
}

export interface KillEvaluation {
  strategy: string;
  manifestVersion: string;
  /** Settled trades judged (the last lookbackTrades). */
  trades: number;
  wins: number;
  /** Their total realized PnL, micro-USDC. */
  pnl: number;
  /** Win rate in basis points, floored (for people; the comparison is exact). */
  winRateBps: number;
  /** Average PnL per trade, micro-USDC, truncated toward zero (for people). */
  pnlPerTrade: number;
  winRateOut: boolean;
  pnlOut: boolean;
  /** At least minTrades settled trades and one of the two outside its range. */
  tripped: boolean;
  expectations: StrategyManifest["expectations"];
  kill: StrategyManifest["kill"];
  /** One line: the numbers and the ranges. */
  text: string;
}

/** The newest `n` trades, by close time then position id. */
function newest(trades: readonly SettledTrade[], n: number): SettledTrade[] {
  return [...trades]
    .sort((a, b) => a.closedAt - b.closedAt || (a.positionId < b.positionId ? -1 : 1))
    .slice(-n);
}

/** Judges a strategy's settled trades against its manifest. Pure. */
export function evaluateKill(m: StrategyManifest, all: readonly SettledTrade[]): KillEvaluation {
  const judged = newest(all, m.kill.lookbackTrades);
  const n = judged.length;
  const wins = judged.filter((t) => t.realizedPnl > 0).length;
  const pnl = judged.reduce((sum, t) => sum + t.realizedPnl, 0);
  const { winRatePct: wr, pnlPerTrade: pp } = m.expectations;
  const counted = n >= m.kill.minTrades && n > 0;
  const winRateOut = counted && (100 * wins < wr.min * n || 100 * wins > wr.max * n);
  const pnlOut = counted && (pnl < pp.min * n || pnl > pp.max * n);
  const winRateBps = n === 0 ? 0 : Math.floor((wins * 10_000) / n);
  const pnlPerTrade = n === 0 ? 0 : Math.trunc(pnl / n);
  const pct = `${Math.floor(winRateBps / 100)}.${String(winRateBps % 100).padStart(2, "0")}%`;
  const text =
    `${m.name} ${m.version}: ${n} settled trades (min ${m.kill.minTrades}); ` +
    `win rate ${wins}/${n} = ${pct} ${winRateOut ? "OUTSIDE" : "in"} [${wr.min}, ${wr.max}]%; ` +
    `PnL per trade ${fromMicro(pnlPerTrade)} (total ${fromMicro(pnl)}) ` +
    `${pnlOut ? "OUTSIDE" : "in"} [${fromMicro(pp.min)}, ${fromMicro(pp.max)}]`;
  return {
    strategy: m.name,
    manifestVersion: m.version,
    trades: n,
    wins,
    pnl,
    winRateBps,
    pnlPerTrade,
    winRateOut,
    pnlOut,
    tripped: winRateOut || pnlOut,
    expectations: m.expectations,
    kill: m.kill,
    text,
  };
}

/** A settled trade, or null when the position is not one (open, or never filled). */
export function settledTrade(
  p: Pick<Position, "positionId" | "state" | "avgEntryPrice" | "realizedPnl" | "closedAt">,
): SettledTrade | null {
  if (p.state !== "CLOSED" || p.closedAt === null || p.avgEntryPrice === null) return null;
  return { positionId: p.positionId, closedAt: p.closedAt, realizedPnl: p.realizedPnl };
}

export interface StrategyHaltView {
  strategy: string;
  reason: string;
  since: number;
  actor: string;
  manifestVersion: string | null;
}

type PositionFacts = Pick<
  Position,
  "positionId" | "strategy" | "state" | "avgEntryPrice" | "realizedPnl" | "closedAt"
>;

/**
 * What the CRO knows per strategy: its manifest, its halt (restored from the store at start) and
 * its settled trades since it was last resumed, bounded to the manifest's lookback.
 */
export class StrategyKill {
  private readonly manifests = new Map<string, StrategyManifest>();
  private readonly rows = new Map<string, StrategyHaltRecord>();
  private readonly trades = new Map<string, Map<string, SettledTrade>>();

  constructor(manifests: readonly StrategyManifest[]) {
    for (const m of manifests) this.manifests.set(m.name, m);
  }

  manifest(strategy: string): StrategyManifest | null {
    return this.manifests.get(strategy) ?? null;
  }

  /** Every manifest, by name. */
  all(): StrategyManifest[] {
    return [...this.manifests.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The stored rows, at start. */
  restore(rows: readonly StrategyHaltRecord[]): void {
    this.rows.clear();
    for (const r of rows) this.rows.set(r.strategy, r);
  }

  /** Positions closed before this count for no strategy (the earliest resume, or everything). */
  countingFrom(): number {
    let from = Number.POSITIVE_INFINITY;
    for (const name of this.manifests.keys()) from = Math.min(from, this.countingSince(name));
    return Number.isFinite(from) ? from : 0;
  }

  private countingSince(strategy: string): number {
    const row = this.rows.get(strategy);
    return row === undefined ? 0 : row.since;
  }

  halt(strategy: string): StrategyHaltView | null {
    const r = this.rows.get(strategy);
    if (r?.halted !== true) return null;
    const { reason, since, actor, manifestVersion } = r;
    return { strategy, reason, since, actor, manifestVersion };
  }

  halts(): StrategyHaltView[] {
    return [...this.rows.keys()]
      .sort()
      .map((s) => this.halt(s))
      .filter((h): h is StrategyHaltView => h !== null);
  }

  /** Records a halt or a resume (the caller has stored it); a resume starts the count again. */
  apply(row: StrategyHaltRecord): void {
    this.rows.set(row.strategy, row);
    if (!row.halted) this.trades.delete(row.strategy);
  }

  /** Every strategy with a manifest that is not halted, judged on the trades known now. */
  evaluateAll(): KillEvaluation[] {
    const out: KillEvaluation[] = [];
    for (const [name, m] of this.manifests) {
      if (this.halt(name) !== null) continue;
      out.push(evaluateKill(m, [...(this.trades.get(name)?.values() ?? [])]));
    }
    return out;
  }

  /**
   * Notes a position; returns the strategy's evaluation when this was a new settled trade of a
   * strategy with a manifest that is not halted (the caller halts it if it tripped).
   */
  record(p: PositionFacts): KillEvaluation | null {
    const m = this.manifests.get(p.strategy);
    const trade = settledTrade(p);
    if (m === undefined || trade === null || trade.closedAt < this.countingSince(p.strategy))
      return null;
    const book = this.trades.get(p.strategy) ?? new Map<string, SettledTrade>();
    this.trades.set(p.strategy, book);
    if (book.has(trade.positionId)) return null;
    book.set(trade.positionId, trade);
    // Bounded: only the newest lookbackTrades are ever judged.
    if (book.size > m.kill.lookbackTrades) {
      const keep = new Set(
        newest([...book.values()], m.kill.lookbackTrades).map((t) => t.positionId),
      );
      for (const id of book.keys()) if (!keep.has(id)) book.delete(id);
      if (!keep.has(trade.positionId)) return null;
    }
    if (this.halt(p.strategy) !== null) return null;
    return evaluateKill(m, [...book.values()]);
  }
}
