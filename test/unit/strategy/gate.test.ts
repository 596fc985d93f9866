import { describe, expect, it } from "vitest";
import { checkSignal, croGate, windowGate } from "../../../agents/strategy/gate.ts";
import { MarketView, type WindowInfo } from "../../../agents/strategy/market-view.ts";
import {
  StrategyRegistry,
  DuplicateStrategyError,
  defaultStrategies,
} from "../../../agents/strategy/registry.ts";
import { activeStrategies, strategyConfig } from "../../../agents/strategy/config.ts";
import { canary } from "../../../agents/strategy/canary.ts";
import type { MdBook } from "../../../contracts/market-data.ts";
import { lv, MIN_SIZE, T0, WINDOW_MS } from "./helpers.ts";

const w: WindowInfo = {
  windowId: "btc-updown-15m-1767225600",
  slug: "btc-updown-15m-1767225600",
  startTs: T0,
  endTs: T0 + WINDOW_MS,
  upTokenId: "up",
  downTokenId: "down",
  tickSize: 10_000,
  minSize: MIN_SIZE,
  status: "OPEN",
};

describe("CRO gate", () => {
  it("passes only a fresh ACTIVE cro.state", () => {
    expect(croGate({ state: "ACTIVE", ts: T0, epoch: 1 }, T0 + 1_999, 2_000)).toEqual({ ok: true });
    expect(croGate({ state: "ACTIVE", ts: T0, epoch: 1 }, T0 + 2_000, 2_000).ok).toBe(false);
    expect(croGate({ state: "PAUSED", ts: T0, epoch: 1 }, T0, 2_000).ok).toBe(false);
    expect(croGate({ state: "HALTED", ts: T0, epoch: 1 }, T0, 2_000).ok).toBe(false);
    expect(croGate(null, T0, 2_000)).toEqual({ ok: false, reason: "no cro.state yet" });
  });
});

describe("window gate", () => {
  it("refuses a window that has not started, even one announced OPEN", () => {
    expect(windowGate(w, T0 - 1)).toEqual({ ok: false, reason: "window has not started" });
    expect(windowGate(w, T0).ok).toBe(true);
    expect(windowGate({ ...w, status: "LISTED" }, T0).ok).toBe(false);
    expect(windowGate(w, T0 + WINDOW_MS).ok).toBe(false);
  });
});

describe("signal check", () => {
  const s = {
    tokenId: "up",
    side: "BUY",
    orderType: "FAK",
    limitPrice: 600_000,
    size: MIN_SIZE,
    reason: "",
  } as const;
  it("accepts a sane signal and refuses foreign tokens, bad prices and sizes", () => {
    expect(checkSignal(s, w).ok).toBe(true);
    expect(checkSignal({ ...s, tokenId: "other" }, w).ok).toBe(false);
    expect(checkSignal({ ...s, limitPrice: 1_000_000 }, w).ok).toBe(false);
    expect(checkSignal({ ...s, limitPrice: 0.5 }, w).ok).toBe(false);
    expect(checkSignal({ ...s, size: 0 }, w).ok).toBe(false);
    expect(checkSignal({ ...s, orderType: "GTD" as never }, w).ok).toBe(false);
  });
});

describe("market view", () => {
  const view = () =>
    new MarketView({ historyMs: 60_000, midSampleMs: 1_000, bookMaxAgeMs: 5_000, windowsMax: 2 });
  const md = (tokenId: string, seq: number, bid: number, ask: number): MdBook =>
    ({
      id: `m${seq}`,
      correlationId: `c${seq}`,
      tokenId,
      windowId: w.windowId,
      seq,
      bids: [lv(bid)],
      asks: [lv(ask)],
      sourceTs: T0,
      receiveTs: T0,
    }) as MdBook;

  it("samples at most one mid per bucket, the latest, and forgets books gone stale", () => {
    const v = view();
    v.applyWindow(w);
    v.applyBook(md("up", 1, 400_000, 420_000), T0 + 100);
    v.applyBook(md("up", 2, 500_000, 520_000), T0 + 900);
    v.applyBook(md("up", 3, 600_000, 620_000), T0 + 1_100);
    expect(v.applyBook(md("up", 3, 1, 2), T0 + 1_200)).toBeNull();
    const state = v.windowState(w, T0 + 2_000, 0);
    expect(state.up.mids).toEqual([
      { ts: T0 + 900, mid: 510_000 },
      { ts: T0 + 1_100, mid: 610_000 },
    ]);
    expect(state.up.book?.seq).toBe(3);
    expect(state.timeRemainingMs).toBe(WINDOW_MS - 2_000);
    expect(v.windowState(w, T0 + 6_101, 0).up.book).toBeNull();
  });

  it("ignores books of unknown windows and a late OPEN after RESOLVED", () => {
    const v = view();
    expect(v.applyBook(md("up", 1, 400_000, 420_000), T0)).toBeNull();
    expect(v.applyWindow(w)).toBe("added");
    expect(v.applyWindow({ ...w, status: "RESOLVED" })).toBe("resolved");
    expect(v.applyWindow(w)).toBe("ignored");
    expect(v.windows.size).toBe(0);
  });
});

describe("registry and configuration", () => {
  it("ships canary, momentum, probe and the guide's cheap-side, matched by slug prefix", () => {
    const r = defaultStrategies();
    expect(r.list().map((s) => s.name)).toEqual(["canary", "momentum", "probe", "cheap-side"]);
    expect(r.forSlug("btc-updown-15m-1767225600")).toHaveLength(4);
    expect(r.forSlug("eth-updown-15m-1767225600")).toHaveLength(0);
    expect(() => new StrategyRegistry([canary, canary])).toThrow(DuplicateStrategyError);
  });

  it("validates parameter overrides against each strategy's schema and fails fast", () => {
    const r = defaultStrategies();
    const ok = activeStrategies(
      r,
      strategyConfig({ enabled: ["canary"], params: { canary: { entryRemainingMs: 90_000 } } }),
    );
    expect(ok[0]?.params).toMatchObject({ entryRemainingMs: 90_000, orderType: "FAK" });
    expect(() =>
      activeStrategies(r, strategyConfig({ params: { canary: { orderType: "GTD" } } })),
    ).toThrow(/strategy\.params\.canary\.orderType/);
    expect(() => activeStrategies(r, strategyConfig({ enabled: ["nope"] }))).toThrow(
      /unknown strategy/,
    );
    expect(() => strategyConfig({ croSilenceMs: 5 })).toThrow(/croSilenceMs/);
  });
});
