/**
 * The paper validation report (issue 20): per strategy and overall, over a period, what the
 * stored rows say about its paper trading, side by side with what its manifest registered in
 * advance. Pure: the caller reads the rows (infra/cli/commands/report.ts).
 *
 * A trade is a settled position (CLOSED, bought something: settledTrade), counted in the period
 * its close falls in ([from, to)). Money is integer micro-USDC end to end: gross = net + fees,
 * net = the position's realized PnL (fees included). A figure the store does not hold is null,
 * shown as "not recorded": never a guessed number.
 */
import type { ExitReason } from "../../contracts/intents.ts";
import type { Position } from "../../contracts/positions.ts";
import type { StrategyManifest } from "../../contracts/strategy-manifest.ts";
import { activeFraction } from "../../agents/alert/summary.ts";
import { settledTrade } from "../../agents/cro/strategy-kill.ts";
import { slippage } from "../../agents/portfolio/pnl.ts";
import type { FillRecord, StoredCroEvent, StoredFeedGap } from "../../agents/runtime/store.ts";

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

export type ExitTrigger = ExitReason | "UNKNOWN";

export interface Interval {
  low: number;
  high: number;
}

export interface PnlPoint {
  /** Close time of the trade (epoch ms). */
  ts: number;
  positionId: string;
  /** Cumulative net PnL after this trade, micro-USDC. */
  cumulative: number;
}

export interface Figures {
  trades: number;
  wins: number;
  losses: number;
  /** wins / trades; null with no trade. */
  winRate: number | null;
  /** Wilson score interval, 95%; null with no trade. */
  winRateCi: Interval | null;
  grossPnl: number;
  fees: number;
  netPnl: number;
  /** Net PnL per trade, micro-USDC, truncated toward zero; null with no trade. */
  pnlPerTrade: number | null;
  /** Fills counted for slippage (not FAILED, of the period's trades). */
  fills: number;
  /** Mean adverse price difference per fill, micro (positive: worse than asked); null: no fill. */
  avgSlippage: number | null;
  /** The most adverse price difference of one fill, micro; null: no fill. */
  worstSlippage: number | null;
  /** Adverse difference times size over every fill, micro-USDC. */
  slippageCost: number;
  exits: Partial<Record<ExitTrigger, number>>;
  /** Largest fall of the cumulative net PnL from its running peak (from 0), micro-USDC. */
  maxDrawdown: number;
  curve: PnlPoint[];
}

export type Verdict = "WITHIN" | "OUTSIDE" | "TOO_FEW_TRADES" | "NO_MANIFEST";

export interface Comparison {
  manifestVersion: string;
  expectations: StrategyManifest["expectations"];
  minTrades: number;
  /** The 95% interval of the win rate overlaps the registered range. */
  winRateWithin: boolean | null;
  /** The average net PnL per trade lies in the registered range (exact integer comparison). */
  pnlPerTradeWithin: boolean | null;
}

export interface StrategyReport extends Figures {
  strategy: string;
  comparison: Comparison | null;
  verdict: Verdict;
  /** One line on why. */
  verdictDetail: string;
}

export interface PaperReport {
  from: number;
  to: number;
  strategyFilter: string | null;
  strategies: StrategyReport[];
  overall: Figures;
  /** Share of the period the CRO was ACTIVE; null: not recorded. */
  uptime: number | null;
  /** Runtime assertions passed / run; null: not recorded. */
  assertions: { passed: number; total: number; rate: number } | null;
  feed: {
    /** Share of feed messages received; null: not recorded (the store keeps gaps, not totals). */
    completeness: number | null;
    gaps: number;
    missedMessages: number;
  };
}

export interface PaperReportInput {
  from: number;
  to: number;
  strategy?: string;
  positions: readonly Position[];
  fills: readonly FillRecord[];
  croEvents: readonly StoredCroEvent[];
  feedGaps: readonly StoredFeedGap[];
  manifests: readonly StrategyManifest[];
  /** Assertion counts, when some store holds them; absent: not recorded. */
  assertions?: { passed: number; total: number } | null;
}

/** Wilson score interval for `wins` of `n` at `z`. */
export function wilson(wins: number, n: number, z = Z95): Interval | null {
  if (n <= 0) return null;
  const p = wins / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

interface Trade {
  position: Position;
  closedAt: number;
}

function tradesOf(positions: readonly Position[], from: number, to: number): Trade[] {
  const out: Trade[] = [];
  for (const p of positions) {
    const t = settledTrade(p);
    if (t !== null && t.closedAt >= from && t.closedAt < to)
      out.push({ position: p, closedAt: t.closedAt });
  }
  return out.sort(
    (a, b) =>
      a.closedAt - b.closedAt ||
      (a.position.positionId < b.position.positionId
        ? -1
        : a.position.positionId > b.position.positionId
          ? 1
          : 0),
  );
}

/** The figures of a set of trades and their fills. */
export function figures(trades: readonly Trade[], fills: readonly FillRecord[]): Figures {
  const n = trades.length;
  const wins = trades.filter((t) => t.position.realizedPnl > 0).length;
  const netPnl = trades.reduce((s, t) => s + t.position.realizedPnl, 0);
  const fees = trades.reduce((s, t) => s + t.position.fees, 0);
  const ids = new Set(trades.map((t) => t.position.positionId));
  const counted = fills.filter(
    (f) => f.status !== "FAILED" && f.positionId !== null && ids.has(f.positionId),
  );
  const slips = counted.map((f) => slippage(f));
  const exits: Partial<Record<ExitTrigger, number>> = {};
  for (const t of trades) {
    const k: ExitTrigger = t.position.exitReason ?? "UNKNOWN";
    exits[k] = (exits[k] ?? 0) + 1;
  }
  let cumulative = 0;
  let peak = 0;
  let maxDrawdown = 0;
  const curve: PnlPoint[] = [];
  for (const t of trades) {
    cumulative += t.position.realizedPnl;
    peak = Math.max(peak, cumulative);
    maxDrawdown = Math.max(maxDrawdown, peak - cumulative);
    curve.push({ ts: t.closedAt, positionId: t.position.positionId, cumulative });
  }
  const slipSum = slips.reduce((s, x) => s + x.adversePriceMicro, 0);
  return {
    trades: n,
    wins,
    losses: n - wins,
    winRate: n === 0 ? null : wins / n,
    winRateCi: wilson(wins, n),
    grossPnl: netPnl + fees,
    fees,
    netPnl,
    pnlPerTrade: n === 0 ? null : Math.trunc(netPnl / n),
    fills: counted.length,
    avgSlippage: slips.length === 0 ? null : Math.trunc(slipSum / slips.length),
    worstSlippage: slips.length === 0 ? null : Math.max(...slips.map((x) => x.adversePriceMicro)),
    slippageCost: slips.reduce((s, x) => s + x.adverseCostMicro, 0),
    exits,
    maxDrawdown,
    curve,
  };
}

/** Compares a strategy's figures with its manifest's registered expectations. */
export function compare(
  f: Figures,
  m: StrategyManifest | undefined,
): Pick<StrategyReport, "comparison" | "verdict" | "verdictDetail"> {
  if (m === undefined)
    return { comparison: null, verdict: "NO_MANIFEST", verdictDetail: "no manifest registered" };
  const { winRatePct: wr, pnlPerTrade: pp } = m.expectations;
  const n = f.trades;
  const ci = f.winRateCi;
  const winRateWithin = ci === null ? null : ci.high * 100 >= wr.min && ci.low * 100 <= wr.max;
  const pnlPerTradeWithin = n === 0 ? null : f.netPnl >= pp.min * n && f.netPnl <= pp.max * n;
  const comparison: Comparison = {
    manifestVersion: m.version,
    expectations: m.expectations,
    minTrades: m.kill.minTrades,
    winRateWithin,
    pnlPerTradeWithin,
  };
  if (n < m.kill.minTrades)
    return {
      comparison,
      verdict: "TOO_FEW_TRADES",
      verdictDetail: `${n} trade(s), the manifest asks for ${m.kill.minTrades} before judging`,
    };
  const out: string[] = [];
  if (winRateWithin === false) out.push(`win rate 95% CI outside [${wr.min}, ${wr.max}]%`);
  if (pnlPerTradeWithin === false) out.push("PnL per trade outside its range");
  return out.length === 0
    ? { comparison, verdict: "WITHIN", verdictDetail: "win rate CI and PnL per trade in range" }
    : { comparison, verdict: "OUTSIDE", verdictDetail: out.join("; ") };
}

/** The report. Pure: same rows, same report. */
export function computePaperReport(input: PaperReportInput): PaperReport {
  const { from, to } = input;
  const only = input.strategy;
  const positions =
    only === undefined ? input.positions : input.positions.filter((p) => p.strategy === only);
  const trades = tradesOf(positions, from, to);
  const manifests = new Map(input.manifests.map((m) => [m.name, m]));
  const names = new Set(trades.map((t) => t.position.strategy));
  if (only !== undefined) names.add(only);
  else for (const m of input.manifests) names.add(m.name);
  const strategies = [...names].sort().map((strategy): StrategyReport => {
    const f = figures(
      trades.filter((t) => t.position.strategy === strategy),
      input.fills,
    );
    return { strategy, ...f, ...compare(f, manifests.get(strategy)) };
  });
  const gaps = input.feedGaps.filter((g) => g.ts >= from && g.ts < to);
  const a = input.assertions ?? null;
  return {
    from,
    to,
    strategyFilter: only ?? null,
    strategies,
    overall: figures(trades, input.fills),
    uptime: activeFraction(input.croEvents, from, to),
    assertions: a === null || a.total === 0 ? null : { ...a, rate: a.passed / a.total },
    feed: {
      completeness: null,
      gaps: gaps.length,
      missedMessages: gaps.reduce((s, g) => s + (g.toSeq - g.fromSeq + 1), 0),
    },
  };
}
