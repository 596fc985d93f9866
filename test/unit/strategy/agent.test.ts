import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createStrategyAgent,
  defaultStrategies,
  type Strategy,
} from "../../../agents/strategy/index.ts";
import type { StrategyConfig } from "../../../agents/strategy/config.ts";
import type { MessageOf } from "../../../contracts/registry.ts";
import type { TradingState } from "../../../contracts/common.ts";
import { harness, MIN_SIZE, T0 } from "./helpers.ts";

type H = ReturnType<typeof harness>;

/**
 * A window with two minutes left at T0 (so T-60 s is T0 + 60 s), books every second, and the CRO
 * publishing `cro()` every 500 ms.
 */
async function scenario(
  o: {
    config?: Partial<StrategyConfig>;
    strategies?: Strategy[];
    window?: { startTs: number; endTs: number };
    up?: [number, number];
    down?: [number, number];
    cro?: (now: number) => TradingState | null;
  } = {},
) {
  const h = harness();
  const strategies = o.strategies ?? defaultStrategies();
  const host = await h.fleet.start(
    createStrategyAgent({
      strategies,
      config: o.config ?? { enabled: ["canary"] },
      // Ad-hoc strategies have no manifest: the agent's mechanics are tested here, not deployment.
      ...(o.strategies === undefined ? {} : { manifests: null }),
    }),
  );
  const win = h.window(o.window ?? { startTs: T0 - 780_000, endTs: T0 + 120_000 });
  await win.announce();
  const books: MessageOf<"md.book">[] = [];
  h.bus.subscribe("md.book", (m) => {
    books.push(m);
  });
  const cro = o.cro ?? (() => "ACTIVE");
  const publishCro = () => {
    const state = cro(h.clock.now());
    if (state !== null) void h.croState(state);
  };
  publishCro();
  h.clock.setInterval(500, publishCro);
  const [upBid, upAsk] = o.up ?? [580_000, 620_000];
  const [downBid, downAsk] = o.down ?? [380_000, 420_000];
  h.clock.setInterval(1_000, () => {
    void h.sendBook(win.payload, "up", upBid, upAsk);
    void h.sendBook(win.payload, "down", downBid, downAsk);
  });
  return { ...h, host, win: win.payload, books };
}

async function advanceTo(h: H, ts: number) {
  await h.clock.runUntil(ts);
}

describe("Strategy agent: canary through the pipeline", () => {
  it("emits one ENTRY intent exactly at T-60s on the favoured side, minimum size, FAK at the best ask", async () => {
    const s = await scenario();
    await advanceTo(s, T0 + 59_999);
    expect(s.intents).toEqual([]);
    await advanceTo(s, T0 + 60_000);
    expect(s.intents).toHaveLength(1);
    const intent = s.intents[0];
    expect(intent).toMatchObject({
      ts: T0 + 60_000,
      strategy: "canary",
      windowId: s.win.windowId,
      tokenId: s.win.upTokenId,
      kind: "ENTRY",
      side: "BUY",
      orderType: "FAK",
      limitPrice: 620_000,
      size: MIN_SIZE,
      expiresAt: null,
      exitReason: null,
      source: { agent: "strategy", instance: "1" },
    });
    expect(intent?.positionId).toMatch(
      /^pos-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(intent?.intentId).toMatch(/^int-/);
    // The intent continues the chain of the book it was decided on.
    const book = s.books.find((b) => b.id === intent?.causationId);
    expect(book).toMatchObject({ tokenId: s.win.upTokenId, seq: intent?.bookSeq });
    expect(intent?.correlationId).toBe(book?.correlationId);

    await advanceTo(s, T0 + 119_000);
    expect(s.intents).toHaveLength(1);
    await s.fleet.stop();
  });

  it("picks Down when Down is favoured", async () => {
    const s = await scenario({ up: [300_000, 320_000], down: [680_000, 700_000] });
    await advanceTo(s, T0 + 61_000);
    expect(s.intents.map((i) => [i.tokenId, i.limitPrice])).toEqual([[s.win.downTokenId, 700_000]]);
    await s.fleet.stop();
  });

  it("emits nothing when neither side's mid is above 0.50", async () => {
    const s = await scenario({ up: [490_000, 510_000], down: [490_000, 510_000] });
    await advanceTo(s, T0 + 119_000);
    expect(s.intents).toEqual([]);
    await s.fleet.stop();
  });

  it("emits nothing outside its slot: a window joined after the slot passed", async () => {
    const s = await scenario({ window: { startTs: T0 - 860_000, endTs: T0 + 40_000 } });
    await advanceTo(s, T0 + 39_000);
    expect(s.intents).toEqual([]);
    await s.fleet.stop();
  });

  it("does not enter again after a restart when the store already holds its entry order", async () => {
    const h = harness();
    const windowId = `btc-updown-15m-${(T0 - 780_000) / 1000}`;
    await h.store.upsertOrder({
      orderId: "ord-1",
      venueOrderId: null,
      intentId: "int-1",
      decisionId: null,
      positionId: "pos-1",
      strategy: "canary",
      windowId,
      tokenId: `${windowId}-up`,
      kind: "ENTRY",
      side: "BUY",
      orderType: "FAK",
      price: 620_000,
      size: MIN_SIZE,
      filledSize: MIN_SIZE,
      status: "FILLED",
      reason: null,
      mode: "SIM",
      createdAt: T0,
      updatedAt: T0,
      epoch: 1,
    });
    await h.fleet.start(
      createStrategyAgent({ strategies: defaultStrategies(), config: { enabled: ["canary"] } }),
    );
    const win = h.window({ startTs: T0 - 780_000, endTs: T0 + 120_000 });
    await win.announce();
    h.croEvery500(() => "ACTIVE");
    h.clock.setInterval(1_000, () => void h.sendBook(win.payload, "up", 580_000, 620_000));
    await h.clock.runUntil(T0 + 70_000);
    expect(h.intents).toEqual([]);
    await h.fleet.stop();
  });
});

describe("Strategy agent: the CRO gate", () => {
  it("emits nothing while cro.state is PAUSED, and enters once it turns ACTIVE within the slot", async () => {
    const s = await scenario({ cro: (now) => (now < T0 + 70_000 ? "PAUSED" : "ACTIVE") });
    await advanceTo(s, T0 + 69_999);
    expect(s.intents).toEqual([]);
    // The next book or evaluation tick after ACTIVE arrives (books come every second).
    await advanceTo(s, T0 + 71_000);
    expect(s.intents).toHaveLength(1);
    expect(s.intents[0]?.ts).toBeGreaterThanOrEqual(T0 + 70_000);
    await s.fleet.stop();
  });

  it("emits nothing while the last ACTIVE cro.state is older than croSilenceMs", async () => {
    const silentFrom = T0 + 57_500;
    const back = T0 + 70_000;
    const s = await scenario({ cro: (now) => (now < silentFrom || now >= back ? "ACTIVE" : null) });
    await advanceTo(s, back - 1);
    expect(s.intents).toEqual([]);
    await advanceTo(s, back + 1_000);
    expect(s.intents).toHaveLength(1);
    expect(s.intents[0]?.ts).toBeGreaterThanOrEqual(back);
    await s.fleet.stop();
  });

  it("emits nothing with no cro.state at all, or under HALTED", async () => {
    for (const cro of [() => null, () => "HALTED" as const]) {
      const s = await scenario({ cro });
      await advanceTo(s, T0 + 119_000);
      expect(s.intents).toEqual([]);
      await s.fleet.stop();
    }
  });
});

describe("Strategy agent: invariant — never act on a window that has not started", () => {
  it("emits nothing for a window announced OPEN before its start, even inside the canary's slot", async () => {
    // 55 s long, starting in 5 s: at T0 the canary's slot (T-60 s .. T-45 s) is already open.
    const startTs = T0 + 5_000;
    const s = await scenario({ window: { startTs, endTs: T0 + 55_000 } });
    await advanceTo(s, startTs - 1);
    expect(s.intents).toEqual([]);
    await advanceTo(s, startTs + 1_000);
    expect(s.intents.map((i) => i.ts)).toEqual([startTs]);
    await s.fleet.stop();
  });

  it("holds back even a strategy that always wants to buy until the window starts", async () => {
    const params = z.object({});
    const eager: Strategy<typeof params> = {
      name: "eager",
      instruments: ["btc-updown-15m"],
      params,
      evaluate: (w) => ({
        tokenId: w.up.tokenId,
        side: "BUY",
        orderType: "GTC",
        limitPrice: 500_000,
        size: w.minSize,
        reason: "always",
      }),
    };
    const startTs = T0 + 60_000;
    const s = await scenario({
      strategies: [eager],
      config: {},
      window: { startTs, endTs: startTs + 900_000 },
    });
    await advanceTo(s, startTs - 1);
    expect(s.intents).toEqual([]);
    await advanceTo(s, startTs + 5_000);
    expect(s.intents.map((i) => [i.ts, i.orderType])).toEqual([[startTs, "GTC"]]);
    await s.fleet.stop();
  });
});

describe("Strategy agent: momentum", () => {
  it("enters the rising side once its mid has gained riseMin over the lookback", async () => {
    const h = harness();
    const config = {
      enabled: ["momentum"],
      params: { momentum: { lookbackMs: 10_000, timeRemainingMinMs: 60_000 } },
    };
    await h.fleet.start(createStrategyAgent({ strategies: defaultStrategies(), config }));
    const win = h.window({ startTs: T0 - 300_000, endTs: T0 + 600_000 });
    await win.announce();
    h.croEvery500(() => "ACTIVE");
    let k = 0;
    h.clock.setInterval(1_000, () => {
      k++;
      void h.sendBook(win.payload, "up", 490_000 + 5_000 * k, 510_000 + 5_000 * k);
      void h.sendBook(win.payload, "down", 490_000 - 5_000 * k, 510_000 - 5_000 * k);
    });
    await h.clock.runUntil(T0 + 30_000);
    expect(h.intents).toHaveLength(1);
    expect(h.intents[0]).toMatchObject({
      ts: T0 + 11_000,
      strategy: "momentum",
      tokenId: win.payload.upTokenId,
      limitPrice: 510_000 + 5_000 * 11,
      size: MIN_SIZE,
    });
    await h.fleet.stop();
  });
});

describe("Strategy agent: bad strategies", () => {
  it("survives a strategy that throws or signals nonsense, emitting nothing for them", async () => {
    const params = z.object({});
    const broken: Strategy<typeof params> = {
      name: "broken",
      instruments: ["btc-updown-15m"],
      params,
      evaluate: () => {
        throw new Error("bug");
      },
    };
    const foreign: Strategy<typeof params> = {
      name: "foreign",
      instruments: ["btc-updown-15m"],
      params,
      evaluate: () => ({
        tokenId: "elsewhere",
        side: "BUY",
        orderType: "FAK",
        limitPrice: 500_000,
        size: 1,
        reason: "",
      }),
    };
    const s = await scenario({ strategies: [broken, foreign], config: {} });
    await advanceTo(s, T0 + 10_000);
    expect(s.intents).toEqual([]);
    expect(s.host.state()).toBe("running");
    await s.fleet.stop();
  });
});
