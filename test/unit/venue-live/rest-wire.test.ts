/**
 * The REST answers of the live adapter (rest-wire.ts): recorded shapes parse, malformed ones give a
 * reason naming the endpoint and the field; the windows' deterministic slugs match Polymarket's.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  balanceSchema,
  cancelSchema,
  clobMarketSchema,
  clobWindow,
  gammaEventsSchema,
  gammaMarketSchema,
  gammaWindow,
  heartbeatSchema,
  instrumentWindowMs,
  marketsPageSchema,
  orderResponseSchema,
  parseRest,
  windowSlugs,
} from "../../../infra/venue-live/rest-wire.ts";

const FIX = new URL("./fixtures/nautilus_trader/", import.meta.url);
const fixture = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(path, FIX), "utf8")) as unknown;

describe("the windows' deterministic slugs", () => {
  it("current and next: {asset}-updown-{len}-{start, unix s}, starts aligned to the length", () => {
    // Recorded gamma_market.json: btc-updown-5m-1773307200 is 09:20–09:25Z on 2026-03-12.
    const now = Date.parse("2026-03-12T09:22:31Z");
    expect(windowSlugs("btc-updown-5m", now)?.map((w) => w.slug)).toEqual([
      "btc-updown-5m-1773307200",
      "btc-updown-5m-1773307500",
    ]);
    // Reference §4.5: btc-updown-15m-1778437800 (aligned to 900 s).
    expect(windowSlugs("btc-updown-15m", 1778437800_000 + 899_999)?.[0]?.slug).toBe(
      "btc-updown-15m-1778437800",
    );
    expect(instrumentWindowMs("eth-updown-1h")).toBe(3_600_000);
    expect(instrumentWindowMs("btc-updown-70s")).toBe(70_000);
    expect(windowSlugs("btc-15m", now)).toBeNull();
  });
});

describe("recorded answers parse", () => {
  it("Gamma market (gamma_market.json) → the window, Up first, start at eventStartTime", () => {
    const raw = fixture("test_data/gamma_market.json");
    const m = parseRest(gammaMarketSchema, "GET /events", raw);
    expect(m.ok).toBe(true);
    if (!m.ok) return;
    const w = gammaWindow(m.value, 0, Date.parse("2026-03-12T09:21:00Z"));
    expect(w).toMatchObject({
      slug: "btc-updown-5m-1773307200",
      startTs: Date.parse("2026-03-12T09:20:00Z"),
      endTs: Date.parse("2026-03-12T09:25:00Z"),
      upTokenId: "104239898038807136052399800151408521467737075933964991162589336683346093173875",
      tickSize: 10_000,
      minSize: 5_000_000,
      feeRateBps: 1000,
      status: "OPEN",
      outcome: null,
    });
    // The event that embeds it, as /events?slug= answers it.
    const events = parseRest(gammaEventsSchema, "GET /events", [
      { slug: "btc-updown-5m-1773307200", markets: [raw] },
    ]);
    expect(events.ok).toBe(true);
  });

  it("a resolved Gamma market: outcomePrices [1,0] → UP; [0,1] → DOWN", () => {
    for (const [file, outcome] of [
      ["test_data/gamma_market_closed_binary_accepting_true.json", "UP"],
      ["test_data/gamma_market_closed_binary_accepting_false.json", "DOWN"],
    ] as const) {
      const m = parseRest(gammaMarketSchema, "GET /events", fixture(file));
      if (!m.ok) throw new Error(m.reason);
      expect(gammaWindow(m.value, 0, 0)).toMatchObject({ status: "RESOLVED", outcome });
    }
  });

  it("CLOB market rows, cancels, balance-allowance, order responses", () => {
    const clob = parseRest(
      clobMarketSchema,
      "GET /markets",
      fixture("test_data/clob_market_closed_binary_accepting_true.json"),
    );
    if (!clob.ok) throw new Error(clob.reason);
    expect(clobWindow(clob.value, 0)).toMatchObject({ status: "RESOLVED", outcome: "UP" });
    const page = fixture("resources/http_responses/markets.json");
    const parsed = parseRest(marketsPageSchema, "GET /markets", page);
    if (!parsed.ok) throw new Error(parsed.reason);
    // Every row of a recorded page (election-era markets, not windows) is a valid market object.
    for (const row of parsed.value.data) {
      const r = parseRest(clobMarketSchema, "GET /markets", row);
      expect(r.ok ? "ok" : r.reason).toBe("ok");
    }
    for (const f of [
      "http_cancel_response_ok",
      "http_cancel_response_failed",
      "http_batch_cancel_response",
    ]) {
      expect(parseRest(cancelSchema, "DELETE /order", fixture(`test_data/${f}.json`)).ok).toBe(
        true,
      );
    }
    for (const f of ["http_balance_allowance_collateral", "http_balance_allowance_conditional"]) {
      expect(
        parseRest(balanceSchema, "GET /balance-allowance", fixture(`test_data/${f}.json`)).ok,
      ).toBe(true);
    }
    for (const f of [
      "http_order_response_ok",
      "http_order_response_failed",
      "http_order_response_trade_ids_only",
    ]) {
      expect(parseRest(orderResponseSchema, "POST /order", fixture(`test_data/${f}.json`)).ok).toBe(
        true,
      );
    }
    expect(parseRest(heartbeatSchema, "POST /v1/heartbeats", { heartbeat_id: "h1" })).toEqual({
      ok: true,
      value: { heartbeat_id: "h1" },
    });
    expect(parseRest(heartbeatSchema, "POST /v1/heartbeats", { status: "ok" }).ok).toBe(true);
  });
});

describe("malformed answers name the endpoint and the field", () => {
  it.each([
    [orderResponseSchema, "POST /order", { orderID: "0xab" }, /^POST \/order: success /],
    [orderResponseSchema, "POST /order", { success: true, orderID: 7 }, /^POST \/order: orderID /],
    [orderResponseSchema, "POST /order", "OK", /^POST \/order: \(body\) /],
    [cancelSchema, "DELETE /order", { canceled: "0x1" }, /^DELETE \/order: canceled /],
    [cancelSchema, "DELETE /order", { canceled: [], not_canceled: [1] }, /not_canceled /],
    [balanceSchema, "GET /balance-allowance", { balance: 5 }, /^GET \/balance-allowance: balance /],
    [
      balanceSchema,
      "GET /balance-allowance",
      { balance: "250.500000" },
      /balance expected an integer amount in base units/,
    ],
    [balanceSchema, "GET /balance-allowance", { balance: "1", allowance: "-1" }, /allowance /],
    [heartbeatSchema, "POST /v1/heartbeats", {}, /^POST \/v1\/heartbeats: heartbeat_id expected/],
    [heartbeatSchema, "POST /v1/heartbeats", { heartbeat_id: 5 }, /heartbeat_id /],
    [marketsPageSchema, "GET /markets", { data: {}, next_cursor: "LTE=" }, /GET \/markets: data /],
    [marketsPageSchema, "GET /markets", { data: [] }, /GET \/markets: next_cursor /],
    [clobMarketSchema, "GET /markets", { market_slug: "x", tokens: "no" }, /tokens /],
    [gammaEventsSchema, "GET /events", { slug: "x" }, /^GET \/events: \(body\) /],
    [
      gammaEventsSchema,
      "GET /events",
      [{ slug: "x", markets: [{ slug: "x", outcomes: "[]", clobTokenIds: '["1"]' }] }],
      /0\.markets\.0\.clobTokenIds expected two token ids/,
    ],
  ] as const)("%#: %s %j", (schema, endpoint, body, reason) => {
    const r = parseRest(schema, endpoint, body);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
