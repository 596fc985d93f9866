/**
 * The strategy author's guide (docs/strategy-guide.md), run: its example strategy is judged on
 * hand-made windows, then trades in a seeded simulation of the whole production fleet, where the
 * CRO approves it, Execution fills it, Portfolio holds it, settlement closes it and the
 * reconciliation stays clean. If the guide's code stops working, this fails.
 */
import { describe, expect, it } from "vitest";
import { cheapSide, cheapSideParams } from "../../agents/strategy/cheap-side.ts";
import type { WindowState } from "../../agents/strategy/strategy.ts";
import { SimWorld } from "../../infra/chaos/sim/world.ts";
import { windowInstrument } from "../../infra/venue-sim/ids.ts";
import { BusObserver } from "../../infra/verify/observer.ts";

const T0 = Date.UTC(2026, 0, 1);

function windowState(over: {
  upAsk?: number;
  downAsk?: number;
  remainingMs?: number;
  positionsOpen?: number;
}): WindowState {
  const book = (ask: number | undefined) =>
    ask === undefined
      ? null
      : {
          seq: 1,
          bids: [{ price: ask - 20_000, size: 50_000_000 }],
          asks: [{ price: ask, size: 50_000_000 }],
          sourceTs: T0,
          receiveTs: T0,
        };
  const remaining = over.remainingMs ?? 600_000;
  return {
    windowId: "btc-updown-15m-1767225600",
    slug: "btc-updown-15m-1767225600",
    startTs: T0,
    endTs: T0 + 900_000,
    now: T0 + 900_000 - remaining,
    timeRemainingMs: remaining,
    up: { tokenId: "up", book: book(over.upAsk), mids: [] },
    down: { tokenId: "down", book: book(over.downAsk), mids: [] },
    tickSize: 10_000,
    minSize: 5_000_000,
    positionsOpen: over.positionsOpen ?? 0,
    underlying: null,
  };
}

describe("the guide's example strategy, by itself", () => {
  const on = cheapSideParams.parse({ askMax: 450_000 });

  it("does nothing until configured", () => {
    const off = cheapSideParams.parse({});
    expect(cheapSide.evaluate(windowState({ upAsk: 100_000 }), off)).toBeNull();
  });

  it("buys the minimum size of the cheaper side at its ask, early, once", () => {
    const signal = cheapSide.evaluate(windowState({ upAsk: 420_000, downAsk: 400_000 }), on);
    expect(signal).toMatchObject({ tokenId: "down", side: "BUY", limitPrice: 400_000 });
    expect(signal?.size).toBe(5_000_000);
    expect(cheapSide.evaluate(windowState({ upAsk: 500_000, downAsk: 520_000 }), on)).toBeNull();
    expect(cheapSide.evaluate(windowState({ upAsk: 400_000, remainingMs: 30_000 }), on)).toBeNull();
    expect(cheapSide.evaluate(windowState({ upAsk: 400_000, positionsOpen: 1 }), on)).toBeNull();
  });
});

describe("the guide's example strategy, in a seeded simulation of the whole fleet", () => {
  it("is approved by the CRO, fills, settles, and leaves the books reconciled", async () => {
    const windowMs = 120_000;
    const world = new SimWorld({
      seed: 7,
      cadence: "relaxed",
      venue: { windowMs },
      strategy: { enabled: ["cheap-side"], params: { "cheap-side": { askMax: 480_000 } } },
    });
    const seen = new BusObserver();
    world.broker.tap((e) => {
      seen.onBus(e);
    });
    const at = world.clock.now();
    const controls = {
      allowed_instruments: windowInstrument("btc", windowMs),
      allowed_strategies: "cheap-side",
    };
    for (const [key, value] of Object.entries(controls)) {
      await world.store.setControl(key, value, "guide", at);
    }
    await world.start();
    await world.clock.runUntil(at + 6 * windowMs);
    await world.stop();

    const intents = seen.intents.filter((i) => i.message.strategy === "cheap-side");
    const approved = seen.decisions.filter(
      (d) => d.message.approved && d.message.intent.strategy === "cheap-side",
    );
    expect(intents.length).toBeGreaterThan(0);
    expect(approved.length).toBeGreaterThan(0);
    expect(seen.fills.length).toBeGreaterThan(0);
    // Settled: every position of a window that ended is closed.
    const ended = (await world.store.listPositions({ open: true })).filter(
      (p) => Number(p.windowId.split("-").at(-1)) * 1_000 + windowMs < world.clock.now(),
    );
    expect(ended).toEqual([]);
    expect(seen.mismatches).toEqual([]);
    expect(seen.recon.some((r) => r.message.verdict === "CLEAN")).toBe(true);
  }, 120_000);
});
