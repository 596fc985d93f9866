/**
 * The user-channel parser (infra/venue-live/user-wire.ts) against the recorded user-channel
 * messages (shared fixtures, NautilusTrader: `resources/ws_messages/user_trade*.json`,
 * `order_*.json`, `test_data/ws_user_*.json`), and the socket client's handling of frames that
 * are malformed or unknown: counted, logged once with a truncated sample, never thrown (issue 17).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import type { Logger } from "../../../agents/runtime/logger.ts";
import {
  ourTrades,
  parseUserFrame,
  venueOrderOf,
  type Ours,
  type UserOrder,
  type UserTrade,
} from "../../../infra/venue-live/user-wire.ts";
import { UserWsClient } from "../../../infra/venue-live/user-ws.ts";

const DIR = fileURLToPath(new URL("./fixtures/nautilus_trader", import.meta.url));
const text = (path: string): string => readFileSync(`${DIR}/${path}`, "utf8");
const raw = (path: string): Record<string, unknown> =>
  JSON.parse(text(path)) as Record<string, unknown>;

function trade(path: string): UserTrade {
  const [m] = parseUserFrame(text(path));
  if (m?.kind !== "trade") throw new Error(`${path}: ${JSON.stringify(m)}`);
  return m.trade;
}

function order(path: string): UserOrder {
  const [m] = parseUserFrame(text(path));
  if (m?.kind !== "order") throw new Error(`${path}: ${JSON.stringify(m)}`);
  return m.order;
}

function ours(over: Partial<Ours> = {}): Ours {
  return {
    address: "0x0000000000000000000000000000000000000001",
    apiKey: "",
    clientIdOf: () => undefined,
    windowOf: () => "w",
    ...over,
  };
}

const T1 = raw("resources/ws_messages/user_trade1.json") as {
  id: string;
  asset_id: string;
  maker_orders: {
    asset_id: string;
    maker_address: string;
    owner: string;
    order_id: string;
    matched_amount: string;
  }[];
};
const NO_MAKER = T1.maker_orders.find((m) => m.asset_id !== T1.asset_id);
if (NO_MAKER === undefined) throw new Error("user_trade1 has no complementary maker");

describe("recorded user-channel trades", () => {
  it("user_trade1 (MINED, 6 makers): the complementary No maker is booked on No, BUY, 0.482 × 10", () => {
    const t = trade("resources/ws_messages/user_trade1.json");
    expect(t.status).toBe("MATCHED"); // MINED is not final
    expect(t.makers).toHaveLength(6);
    const booked = ourTrades(t, ours({ address: NO_MAKER.maker_address }));
    expect(booked).toEqual([
      {
        tradeId: `${T1.id}:${NO_MAKER.order_id}`,
        venueOrderId: NO_MAKER.order_id,
        clientOrderId: "",
        tokenId: NO_MAKER.asset_id,
        windowId: "w",
        side: "BUY",
        price: 482_000,
        size: 10_000_000,
        fee: 0,
        liquidity: "MAKER",
        status: "MATCHED",
        matchedAt: 1_725_868_859_000,
        updatedAt: 1_725_868_885_000,
      },
    ]);
  });

  it("our maker found by API key (owner), by order id, and only ours among six", () => {
    const t = trade("resources/ws_messages/user_trade1.json");
    const byKey = ourTrades(t, ours({ apiKey: NO_MAKER.owner }));
    expect(byKey.map((x) => [x.tokenId, x.side, x.price, x.size])).toEqual([
      [NO_MAKER.asset_id, "BUY", 482_000, 10_000_000],
    ]);
    const byId = ourTrades(
      t,
      ours({ clientIdOf: (id) => (id === NO_MAKER.order_id ? "c-1" : undefined) }),
    );
    expect(byId.map((x) => [x.clientOrderId, x.venueOrderId])).toEqual([
      ["c-1", NO_MAKER.order_id],
    ]);
    // Nobody's: a trade of the key in which none of the makers is ours books nothing.
    expect(ourTrades(t, ours())).toEqual([]);
  });

  it("a same-token Yes maker is a SELL at its own price; sizes are exact micro-units", () => {
    const t = trade("resources/ws_messages/user_trade1.json");
    const yes = T1.maker_orders.find((m) => m.matched_amount === "247.68");
    if (yes === undefined) throw new Error("fixture changed");
    const [b] = ourTrades(t, ours({ address: yes.maker_address }));
    expect([b?.tokenId, b?.side, b?.price, b?.size]).toEqual([
      T1.asset_id,
      "SELL",
      518_000,
      247_680_000,
    ]);
  });

  it("user_trade2 (MATCHED, TAKER): our taker order at the top level", () => {
    const t = trade("resources/ws_messages/user_trade2.json");
    const booked = ourTrades(t, ours());
    expect(booked.map((x) => [x.tradeId, x.side, x.price, x.size, x.liquidity, x.status])).toEqual([
      ["f50e8ab2-652d-4dc8-9c82-8e46197fe98d", "BUY", 520_000, 5_000_000, "TAKER", "MATCHED"],
    ]);
  });

  it("user_trade4 (CONFIRMED, makers at three prices, sides given)", () => {
    const t = trade("resources/ws_messages/user_trade4.json");
    expect(t.status).toBe("CONFIRMED");
    const booked = ourTrades(t, ours({ address: "0xa3D82Ed56F4c68d2328Fb8c29e568Ba2cAF7d7c8" }));
    expect(booked.map((x) => [x.side, x.price, x.size])).toEqual([
      ["BUY", 400_000, 5_000_000],
      ["BUY", 300_000, 5_000_000],
    ]);
  });

  it("synthetic vectors with ISO times parse (ws_user_trade.json)", () => {
    const t = trade("test_data/ws_user_trade.json");
    expect(t.matchedAt).toBe(Date.parse("2024-01-01T00:00:00Z"));
    expect(t.updatedAt).toBe(Date.parse("2024-01-01T00:01:00Z"));
    expect(t.size).toBe(25_000_000);
  });
});

describe("recorded user-channel orders", () => {
  const o = (path: string) => venueOrderOf(order(path), ours(), 42);

  it("PLACEMENT LIVE → OPEN, micro-units, created_at seconds → ms", () => {
    expect(o("resources/ws_messages/order_placement.json")).toMatchObject({
      venueOrderId: "0x0f76f4dc6eaf3332f4100f2e8a0b4a927351dd64646b7bb12f37df775c657a78",
      side: "BUY",
      orderType: "GTC",
      price: 513_000,
      size: 5_000_000,
      filledSize: 0,
      remaining: 5_000_000,
      status: "OPEN",
      expiresAt: null,
      createdAt: 1_725_842_520_000,
      updatedAt: 42,
    });
  });

  it("UPDATE LIVE 25 of 100 → PARTIALLY_FILLED; MATCHED → FILLED", () => {
    expect(o("test_data/ws_user_order_update.json")).toMatchObject({
      status: "PARTIALLY_FILLED",
      filledSize: 25_000_000,
      remaining: 75_000_000,
    });
    expect(o("test_data/ws_user_order_matched.json")).toMatchObject({
      status: "FILLED",
      remaining: 0,
    });
  });

  it('CANCELLATION: CANCELED, a FOK kill with size_matched "", a venue cancel INVALID', () => {
    expect(o("test_data/ws_user_order_cancellation.json").status).toBe("CANCELLED");
    expect(o("test_data/ws_user_order_fok_killed.json")).toMatchObject({
      status: "CANCELLED",
      filledSize: 0,
      createdAt: 0,
    });
    expect(o("test_data/ws_user_order_venue_cancel.json").status).toBe("CANCELLED");
    // Cancelled after matching in full: the fill is what counts.
    expect(o("resources/ws_messages/order_cancel.json").status).toBe("FILLED");
  });

  it("an array frame carries several events, in order", () => {
    const frame = JSON.stringify([
      raw("resources/ws_messages/order_placement.json"),
      raw("resources/ws_messages/user_trade2.json"),
    ]);
    expect(parseUserFrame(frame).map((m) => m.kind)).toEqual(["order", "trade"]);
  });
});

const TRADE2 = raw("resources/ws_messages/user_trade2.json");
const BAD: Array<[string, string]> = [
  ["not JSON", "{oops"],
  ["not an object", "[1]"],
  ["no id", JSON.stringify({ ...TRADE2, id: undefined })],
  ["price not a decimal", JSON.stringify({ ...TRADE2, price: "abc" })],
  ["negative size", JSON.stringify({ ...TRADE2, size: -5 })],
  ["maker_orders not a list", JSON.stringify({ ...TRADE2, maker_orders: "x" })],
  [
    "maker without matched_amount",
    JSON.stringify({ ...TRADE2, maker_orders: [{ order_id: "x" }] }),
  ],
  ["side unknown", JSON.stringify({ ...TRADE2, side: "HOLD" })],
  ["match_time garbage", JSON.stringify({ ...TRADE2, match_time: "yesterday" })],
  [
    "order without original_size",
    JSON.stringify({ ...raw("resources/ws_messages/order_placement.json"), original_size: null }),
  ],
];

describe("malformed and unknown frames", () => {
  it.each(BAD)("%s: malformed, with a reason", (_what, frame) => {
    const out = parseUserFrame(frame);
    expect(out.map((m) => m.kind)).toEqual(["malformed"]);
  });

  it("an unknown event_type is ignored as unknown; PONG is not unknown", () => {
    expect(parseUserFrame(JSON.stringify({ event_type: "rfq_quote", id: "x" }))).toEqual([
      { kind: "ignored", reason: 'unknown event_type "rfq_quote"', unknown: true },
    ]);
    expect(parseUserFrame("PONG")[0]).toMatchObject({ kind: "ignored", unknown: false });
  });

  it("the socket handler counts them, logs each reason once with a truncated sample, and never throws", () => {
    const warnings: Array<Record<string, unknown>> = [];
    const log = {
      warn: (o: Record<string, unknown>) => warnings.push(o),
      info: () => undefined,
    } as unknown as Logger;
    const delivered: string[] = [];
    const client = new UserWsClient({
      url: "ws://127.0.0.1:9/ws/user",
      creds: { key: "k", secret: "s", passphrase: "p" },
      clock: new VirtualClock(),
      rng: new SeededRng(1),
      log,
      onOpen: () => undefined,
      onDown: () => undefined,
      onOrder: (o) => delivered.push(`order ${o.id}`),
      onTrade: (t) => {
        delivered.push(`trade ${t.id}`);
        if (t.id === "boom") throw new Error("listener bug");
      },
    });
    const long = JSON.stringify({ ...TRADE2, price: "abc", pad: "x".repeat(5_000) });
    const frames = [
      ...BAD.map(([, f]) => f),
      long,
      long,
      JSON.stringify({ event_type: "rfq_quote" }),
      JSON.stringify({ event_type: "rfq_quote" }),
      "NO NEW ASSETS",
      "PONG",
      JSON.stringify({ ...TRADE2, id: "boom" }),
      text("resources/ws_messages/user_trade2.json"),
    ];
    for (const f of frames) {
      expect(() => {
        client.handleFrame(f);
      }).not.toThrow();
    }
    expect(client.stats).toMatchObject({
      frames: frames.length,
      malformed: BAD.length + 2,
      unknown: 3,
      trades: 2,
      handlerErrors: 1,
    });
    expect(delivered).toEqual(["trade boom", "trade f50e8ab2-652d-4dc8-9c82-8e46197fe98d"]);
    // One line per distinct reason; the sample is cut.
    const reasons = warnings.map((w) => `${String(w.kind)}: ${String(w.reason)}`);
    expect(new Set(reasons).size).toBe(reasons.length);
    expect(warnings.length).toBeLessThan(frames.length);
    for (const w of warnings) expect(String(w.sample).length).toBeLessThanOrEqual(220);
    client.close();
  });
});
