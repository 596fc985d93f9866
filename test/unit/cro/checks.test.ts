import { describe, expect, it } from "vitest";
import { runChecks, ENTRY_CHECKS } from "../../../agents/cro/checks.ts";
import type { PendingApproval } from "../../../agents/cro/checks.ts";
import {
  T0,
  UP,
  cancelIntent,
  controls,
  entryIntent,
  exitIntent,
  openPosition,
  order,
  snapshot,
  windowInfo,
} from "./fixtures.ts";

const approval = (overrides: Partial<PendingApproval> = {}): PendingApproval => ({
  intentId: "int-earlier",
  windowId: entryIntent().windowId,
  tokenId: UP,
  kind: "ENTRY",
  side: "BUY",
  size: 5_000_000,
  reserved: 2_587_500,
  expiresAt: T0 + 1_000,
  ...overrides,
});

describe("pre-trade checks: an entry", () => {
  it("is approved when every check passes, and lists every check it ran", () => {
    const v = runChecks(snapshot());
    expect(v.reasons).toEqual([]);
    expect(v.approved).toBe(true);
    expect(v.checks).toHaveLength(ENTRY_CHECKS.length);
    expect(v.checks.every((c) => c.passed)).toBe(true);
  });

  const vetoes: [string, Parameters<typeof snapshot>[0]][] = [
    ["TRADING_STATE", { state: "PAUSED" }],
    ["TRADING_STATE", { controls: controls({ trading_mode: "live" }) }],
    ["KILL_SWITCH", { controls: controls({ kill_switch: "on" }) }],
    ["DUPLICATE_INTENT", { alreadyDecided: true }],
    ["AGENTS_ALIVE", { agentsDown: ["execution"] }],
    ["FEED_FRESH", { feeds: [] }],
    ["FEED_FRESH", { feeds: [{ feed: "venue", status: "OK", staleTokens: [UP], receivedAt: T0 }] }],
    [
      "FEED_FRESH",
      { feeds: [{ feed: "venue", status: "OK", staleTokens: [], receivedAt: T0 - 5_000 }] },
    ],
    ["INSTRUMENT_ALLOWED", { controls: controls({ allowed_instruments: "eth-updown-15m" }) }],
    ["INSTRUMENT_ALLOWED", { intent: entryIntent({ tokenId: "tok-other-window" }) }],
    ["STRATEGY_ALLOWED", { intent: entryIntent({ strategy: "rogue" }) }],
    ["POSITION_EXISTS", { intent: entryIntent({ side: "SELL" }) }],
    // An entry naming no position: its fills would be booked nowhere.
    ["POSITION_EXISTS", { intent: entryIntent({ positionId: null }) }],
    ["TICK_SIZE", { intent: entryIntent({ limitPrice: 505_000 }) }],
    ["MIN_SIZE", { intent: entryIntent({ size: 4_000_000 }) }],
    ["PRICE_BAND", { intent: entryIntent({ limitPrice: 990_000 }) }],
    ["PRICE_BAND", { intent: entryIntent({ limitPrice: 10_000 }) }],
    // 12 shares × 0.50 = $6.00 > $5 cap
    ["POSITION_CAP", { intent: entryIntent({ size: 12_000_000 }) }],
    // $3 already in the position + $2.50 more
    ["POSITION_CAP", { position: openPosition({ costBasis: 3_000_000 }) }],
    [
      "ORDERS_PER_WINDOW",
      {
        tokenOrders: [
          order({ status: "FILLED" }),
          order({ orderId: "o2", intentId: "i2", status: "REJECTED" }),
        ],
      },
    ],
    [
      "ORDERS_PER_WINDOW",
      { tokenOrders: [order({ status: "FILLED" })], pendingApprovals: [approval()] },
    ],
    // -$18 today, and this entry can lose $2.59 more: past the $20 limit
    ["DAILY_DRAWDOWN", { dailyPnl: -18_000_000 }],
    ["DAILY_DRAWDOWN", { dailyPnl: -20_000_000, sessionPnl: 0 }],
    ["SESSION_LOSS", { sessionPnl: -13_000_000 }],
    ["BALANCE", { balance: 2_000_000 }],
    ["BALANCE", { balance: null }],
    // $5 balance, $2.50 reserved by a working BUY order, $2.59 needed
    ["BALANCE", { balance: 5_000_000, openOrders: [order({ tokenId: "tok-elsewhere" })] }],
    ["BALANCE", { balance: 5_000_000, pendingApprovals: [approval({ tokenId: "tok-elsewhere" })] }],
    ["FUTURE_WINDOW", { window: windowInfo({ startTs: T0 + 1_000 }) }],
    ["WINDOW_CLOSED", { window: windowInfo({ status: "RESOLVED" }) }],
    [
      "WINDOW_CLOSED",
      {
        now: windowInfo().endTs,
        feeds: [{ feed: "v", status: "OK", staleTokens: [], receivedAt: windowInfo().endTs }],
      },
    ],
    ["UNKNOWN_ORDER", { tokenOrders: [order({ status: "UNKNOWN" })] }],
    ["ORDER_RATE", { recentEntryApprovals: 30 }],
  ];

  for (const [code, overrides] of vetoes) {
    it(`is vetoed with ${code} only: ${JSON.stringify(overrides).slice(0, 90)}`, () => {
      const v = runChecks(snapshot(overrides));
      expect(v.approved).toBe(false);
      expect(v.reasons).toEqual([code]);
      const failed = v.checks.filter((c) => !c.passed);
      expect(failed.every((c) => c.code === code && c.detail.length > 0)).toBe(true);
    });
  }

  it("is vetoed on an unlisted window: instrument, tick, size, start and end all unproven", () => {
    const v = runChecks(snapshot({ window: null }));
    expect(v.reasons).toEqual([
      "INSTRUMENT_ALLOWED",
      "TICK_SIZE",
      "MIN_SIZE",
      "FUTURE_WINDOW",
      "WINDOW_CLOSED",
    ]);
  });

  it("does not count refused orders, expired approvals or approvals already placed as orders", () => {
    const v = runChecks(
      snapshot({
        tokenOrders: [
          order({ status: "REFUSED" }),
          order({ orderId: "o2", intentId: "int-earlier", status: "FILLED" }),
        ],
        pendingApprovals: [approval(), approval({ intentId: "int-old", expiresAt: T0 })],
      }),
    );
    expect(v.reasons).toEqual([]);
  });

  it("passes exactly at the limits ($5 cap, -$20 day including the worst case)", () => {
    const atCap = runChecks(snapshot({ intent: entryIntent({ size: 10_000_000 }) }));
    expect(atCap.reasons).toEqual([]);
    // worst case 5 × 0.50 + fee 0.0875 = 2.5875
    const atLimit = runChecks(snapshot({ dailyPnl: -17_412_500 }));
    expect(atLimit.reasons).toEqual([]);
    const past = runChecks(snapshot({ dailyPnl: -17_412_501 }));
    expect(past.reasons).toEqual(["DAILY_DRAWDOWN"]);
  });
});

describe("pre-trade checks: exits and cancels", () => {
  const exitOk = { intent: exitIntent(), position: openPosition() };

  for (const state of ["ACTIVE", "PAUSED", "FLATTENING"] as const) {
    it(`approve an exit of a real position under ${state}, whatever the entry limits say`, () => {
      const v = runChecks(
        snapshot({
          ...exitOk,
          state,
          agentsDown: ["strategy"],
          feeds: [],
          dailyPnl: -50_000_000,
          sessionPnl: -50_000_000,
          balance: 0,
          recentEntryApprovals: 1_000,
          controls: controls({ allowed_strategies: "other", position_cap_usd: "0" }),
        }),
      );
      expect(v.reasons).toEqual([]);
      expect(v.approved).toBe(true);
    });
  }

  it("veto an exit under HALTED (only cancels pass)", () => {
    expect(runChecks(snapshot({ ...exitOk, state: "HALTED" })).reasons).toEqual(["TRADING_STATE"]);
  });

  it("veto an exit while the kill switch is on", () => {
    const v = runChecks(snapshot({ ...exitOk, controls: controls({ kill_switch: "on" }) }));
    expect(v.reasons).toEqual(["KILL_SWITCH"]);
  });

  const notReal: [string, Parameters<typeof snapshot>[0]][] = [
    ["no such position", { intent: exitIntent(), position: null }],
    ["no positionId", { intent: exitIntent({ positionId: null }), position: openPosition() }],
    ["closed position", { intent: exitIntent(), position: openPosition({ state: "CLOSED" }) }],
    ["other token", { intent: exitIntent({ tokenId: "tok-down" }), position: openPosition() }],
    ["a BUY", { intent: exitIntent({ side: "BUY" }), position: openPosition() }],
    ["more than held", { intent: exitIntent({ size: 6_000_000 }), position: openPosition() }],
    [
      "shares already being sold",
      { ...exitOk, tokenOrders: [order({ kind: "EXIT", side: "SELL", size: 2_000_000 })] },
    ],
    [
      "shares already approved for sale",
      { ...exitOk, pendingApprovals: [approval({ kind: "EXIT", side: "SELL", size: 1 })] },
    ],
  ];
  for (const [what, overrides] of notReal) {
    it(`veto an exit with POSITION_EXISTS: ${what}`, () => {
      const v = runChecks(snapshot({ state: "PAUSED", ...overrides }));
      expect(v.reasons).toEqual(["POSITION_EXISTS"]);
    });
  }

  it("veto an exit with UNKNOWN_ORDER while an order on that token is UNKNOWN", () => {
    const v = runChecks(snapshot({ ...exitOk, tokenOrders: [order({ status: "UNKNOWN" })] }));
    expect(v.reasons).toEqual(["UNKNOWN_ORDER"]);
  });

  it("veto a duplicate exit", () => {
    const v = runChecks(snapshot({ ...exitOk, alreadyDecided: true }));
    expect(v.reasons).toEqual(["DUPLICATE_INTENT"]);
  });

  it("approve a cancel under HALTED, even with the kill switch on", () => {
    const v = runChecks(
      snapshot({
        intent: cancelIntent(),
        state: "HALTED",
        controls: controls({ kill_switch: "on" }),
      }),
    );
    expect(v.reasons).toEqual([]);
  });

  it("veto a cancel on an instrument the CRO has never seen", () => {
    const v = runChecks(
      snapshot({ intent: cancelIntent({ tokenId: "tok-nowhere" }), window: null }),
    );
    expect(v.reasons).toEqual(["INSTRUMENT_ALLOWED"]);
  });
});
