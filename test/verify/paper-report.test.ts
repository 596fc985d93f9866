/**
 * The paper validation report's computation (issue 20) on hand-built rows: exact counts, Wilson
 * interval, gross/fees/net, slippage, drawdown, exits, uptime, feed gaps, verdicts against the
 * manifest, the period and strategy filters, and "not recorded" where the store holds nothing.
 */
import { describe, expect, it } from "vitest";
import type { Position } from "../../contracts/positions.ts";
import { strategyManifest, type StrategyManifest } from "../../contracts/strategy-manifest.ts";
import {
  LIST_ROWS_MAX,
  type FillRecord,
  type Store,
  type StoredCroEvent,
  type StoredFeedGap,
} from "../../agents/runtime/store.ts";
import { readPaperReport } from "../../infra/cli/commands/report.ts";
import { SHIPPED_MANIFESTS } from "../../agents/strategy/manifests.ts";
import { computePaperReport, wilson } from "../../infra/verify/paper-report.ts";
import {
  renderPaperHtml,
  renderPaperMarkdown,
  renderPaperTable,
} from "../../infra/verify/paper-render.ts";

const H = 3_600_000;
const T0 = Date.UTC(2026, 11, 1);
const T1 = T0 + 24 * H;

function manifest(
  name: string,
  winRatePct: { min: number; max: number },
  minTrades: number,
): StrategyManifest {
  const base = SHIPPED_MANIFESTS[0];
  if (base === undefined) throw new Error("no shipped manifest");
  return strategyManifest.parse({
    ...base,
    name,
    expectations: { winRatePct, pnlPerTrade: { min: -100_000, max: 500_000 } },
    kill: { minTrades, lookbackTrades: 100 },
    scaleUp: { ...base.scaleUp, minTrades: 100 },
  });
}

const MANIFESTS = [
  manifest("alpha", { min: 40, max: 80 }, 3),
  manifest("beta", { min: 40, max: 80 }, 30),
  manifest("gamma", { min: 90, max: 100 }, 2),
];

function pos(
  positionId: string,
  strategy: string,
  closedAt: number | null,
  realizedPnl: number,
  fees: number,
  exitReason: Position["exitReason"],
  over: Partial<Position> = {},
): Position {
  return {
    positionId,
    strategy,
    windowId: "w",
    tokenId: "t",
    mode: "PAPER",
    state: closedAt === null ? "MONITORING" : "CLOSED",
    size: 0,
    provisionalSize: 0,
    avgEntryPrice: 500_000,
    costBasis: 0,
    fees,
    realizedPnl,
    unrealizedPnl: 0,
    markPrice: null,
    exitReason,
    openedAt: (closedAt ?? T0) - H / 2,
    closedAt,
    ...over,
  };
}

function fill(
  tradeId: string,
  positionId: string,
  side: "BUY" | "SELL",
  price: number,
  intendedPrice: number,
  status: FillRecord["status"] = "CONFIRMED",
): FillRecord {
  return {
    tradeId,
    orderId: `o-${tradeId}`,
    venueOrderId: null,
    intentId: `i-${tradeId}`,
    positionId,
    strategy: "alpha",
    windowId: "w",
    tokenId: "t",
    kind: side === "BUY" ? "ENTRY" : "EXIT",
    side,
    price,
    size: 10_000_000,
    fee: 0,
    liquidity: "TAKER",
    status,
    intendedPrice,
    mode: "PAPER",
    ts: T0,
    updatedAt: T0,
  };
}

const POSITIONS: Position[] = [
  pos("p1", "alpha", T0 + 1 * H, 300_000, 20_000, "TAKE_PROFIT"),
  pos("p2", "alpha", T0 + 2 * H, -500_000, 10_000, "STOP_LOSS"),
  pos("p3", "alpha", T0 + 3 * H, 100_000, 15_000, "SETTLEMENT"),
  pos("p4", "alpha", T0 + 4 * H, 200_000, 5_000, "SETTLEMENT"),
  // Not counted: closed before the period, still open, never filled.
  pos("p5", "alpha", T0 - H, 999, 1, "SETTLEMENT"),
  pos("p6", "alpha", null, 0, 0, null),
  pos("p7", "alpha", T0 + 5 * H, 0, 0, "FLATTEN", { avgEntryPrice: null }),
  pos("p8", "beta", T0 + 5 * H, -50_000, 1_000, "FLATTEN"),
  pos("p9", "gamma", T0 + 6 * H, -100_000, 2_000, "TRAILING_STOP"),
  pos("p10", "gamma", T0 + 7 * H, -100_000, 2_000, "STOP_LOSS"),
];

const FILLS: FillRecord[] = [
  fill("f1", "p1", "BUY", 510_000, 500_000), // 0.01 worse
  fill("f2", "p1", "SELL", 700_000, 690_000), // 0.01 better
  fill("f3", "p2", "BUY", 530_000, 500_000), // 0.03 worse
  fill("f4", "p2", "BUY", 900_000, 500_000, "FAILED"), // not a trade
  fill("f5", "p5", "BUY", 990_000, 500_000), // its position is outside the period
];

const CRO: StoredCroEvent[] = (
  [
    { id: 1, ts: T0 - H, state: "ACTIVE" },
    { id: 2, ts: T0 + 6 * H, state: "PAUSED" },
    { id: 3, ts: T0 + 12 * H, state: "ACTIVE" },
  ] as const
).map((e) => ({ ...e, epoch: 1, reason: "", actor: "cro", operatorHold: false, detail: null }));

const GAPS: StoredFeedGap[] = [
  { id: 1, feed: "clob", tokenId: "t", fromSeq: 10, toSeq: 14, ts: T0 + H },
  { id: 2, feed: "clob", tokenId: "t", fromSeq: 1, toSeq: 100, ts: T0 - H },
];

const INPUT = {
  from: T0,
  to: T1,
  positions: POSITIONS,
  fills: FILLS,
  croEvents: CRO,
  feedGaps: GAPS,
  manifests: MANIFESTS,
};

describe("paper report computation", () => {
  it("Wilson 95% interval: 3 of 4 is [0.3006, 0.9544], 0 of 2 is [0, 0.6576]", () => {
    const a = wilson(3, 4);
    expect(a?.low).toBeCloseTo(0.300641, 5);
    expect(a?.high).toBeCloseTo(0.954413, 5);
    const b = wilson(0, 2);
    expect(b?.low).toBe(0);
    expect(b?.high).toBeCloseTo(0.65762, 5);
    expect(wilson(0, 0)).toBeNull();
  });

  it("per strategy: trades, win rate, money, slippage, exits, drawdown and the verdict", () => {
    const r = computePaperReport(INPUT);
    expect(r.strategies.map((s) => s.strategy)).toEqual(["alpha", "beta", "gamma"]);
    const alpha = r.strategies[0];
    expect(alpha).toMatchObject({
      trades: 4,
      wins: 3,
      losses: 1,
      winRate: 0.75,
      grossPnl: 150_000,
      fees: 50_000,
      netPnl: 100_000,
      pnlPerTrade: 25_000,
      fills: 3,
      avgSlippage: 10_000,
      worstSlippage: 30_000,
      slippageCost: 300_000,
      exits: { TAKE_PROFIT: 1, STOP_LOSS: 1, SETTLEMENT: 2 },
      maxDrawdown: 500_000,
      verdict: "WITHIN",
    });
    expect(alpha?.curve.map((p) => p.cumulative)).toEqual([300_000, -200_000, -100_000, 100_000]);
    expect(alpha?.comparison).toMatchObject({ winRateWithin: true, pnlPerTradeWithin: true });

    const beta = r.strategies[1];
    expect(beta).toMatchObject({ trades: 1, netPnl: -50_000, verdict: "TOO_FEW_TRADES" });
    expect(beta?.exits).toEqual({ FLATTEN: 1 });

    // 0 of 2 won: the interval's top (65.8%) is below the registered 90%.
    const gamma = r.strategies[2];
    expect(gamma).toMatchObject({ trades: 2, wins: 0, verdict: "OUTSIDE", maxDrawdown: 200_000 });
    expect(gamma?.comparison?.winRateWithin).toBe(false);
    expect(gamma?.comparison?.pnlPerTradeWithin).toBe(true);
    expect(gamma?.verdictDetail).toContain("win rate 95% CI outside [90, 100]%");
  });

  it("overall, uptime and feed gaps; assertions and feed completeness not recorded", () => {
    const r = computePaperReport(INPUT);
    expect(r.overall).toMatchObject({
      trades: 7,
      wins: 3,
      netPnl: -150_000,
      fees: 55_000,
      grossPnl: -95_000,
      maxDrawdown: 500_000,
    });
    expect(r.uptime).toBe(0.75);
    expect(r.assertions).toBeNull();
    expect(r.feed).toEqual({ completeness: null, gaps: 1, missedMessages: 5 });
    const table = renderPaperTable(r);
    expect(table).toContain("Assertion pass rate: not recorded");
    expect(table).toContain("Feed completeness: not recorded (1 gap(s), 5 missed message(s)");
    expect(table).toContain("Uptime (CRO ACTIVE): 75.0%");
    expect(table).toMatch(/alpha\s+4\s+3\/1\s+75\.0%\s+\[30\.1%, 95\.4%\]\s+\[40%, 80%\]/);
  });

  it("filters by period and by strategy; an unknown strategy has no manifest", () => {
    const r = computePaperReport({ ...INPUT, to: T0 + 2.5 * H, strategy: "alpha" });
    expect(r.strategies).toHaveLength(1);
    expect(r.strategies[0]).toMatchObject({
      trades: 2,
      wins: 1,
      netPnl: -200_000,
      fees: 30_000,
      verdict: "TOO_FEW_TRADES",
    });
    expect(r.overall.trades).toBe(2);
    const none = computePaperReport({ ...INPUT, strategy: "nobody" });
    expect(none.strategies[0]).toMatchObject({ trades: 0, winRate: null, verdict: "NO_MANIFEST" });
    expect(none.uptime).toBe(0.75);
    const unknown = computePaperReport({ ...INPUT, croEvents: [] });
    expect(unknown.uptime).toBeNull();
    expect(renderPaperTable(unknown)).toContain("Uptime (CRO ACTIVE): not recorded");
  });

  it("renders Markdown and a self-contained HTML page with the PnL chart", () => {
    const r = computePaperReport(INPUT);
    const md = renderPaperMarkdown(r);
    expect(md).toContain("| alpha | 4 | 3/1 | 75.0% |");
    const html = renderPaperHtml(r);
    expect(html).toContain("<svg");
    expect(html.match(/<polyline/g)).toHaveLength(3);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it("refuses a report from a list cut at the store's cap rather than guess", async () => {
    const rows = (n: number) => Promise.resolve(Array.from({ length: n }, () => POSITIONS[0]));
    const store = (positions: number, fills: number) =>
      ({
        listPositions: () => rows(positions),
        listFills: () => Promise.resolve(Array.from({ length: fills }, () => FILLS[0])),
        listCroEvents: () => Promise.resolve(CRO),
        listFeedGaps: () => Promise.resolve(GAPS),
      }) as unknown as Store;
    const o = { from: T0, to: T1, format: "json" as const };
    await expect(readPaperReport(store(LIST_ROWS_MAX, 0), o)).rejects.toThrow(
      /10000 closed positions read, the store's cap per query/,
    );
    await expect(readPaperReport(store(1, LIST_ROWS_MAX), o)).rejects.toThrow(/10000 fills read/);
    const ok = await readPaperReport(store(1, 1), o);
    expect(ok.overall.trades).toBe(1);
  });
});
