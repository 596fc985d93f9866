/**
 * The RTDS crypto-price frames (reference §2.4) from the recorded vectors in
 * fixtures/nautilus_trader/test_data/rtds_*.json: an update is one tick in micro-USD (exact from
 * the E18 integer of the TWAP topics), a subscribe frame's backfill is ticks in time order, another
 * topic is unknown, a broken price frame malformed, keep-alive text ignored — never a throw.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  microOf,
  parseRtdsFrame,
  rtdsSubscribeMessage,
} from "../../../infra/venue-live/rtds-wire.ts";

const FIX = new URL("./fixtures/nautilus_trader/test_data/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIX), "utf8");

describe("RTDS wire", () => {
  it("a Chainlink TWAP-60 update is one tick, exact from full_accuracy_value", () => {
    expect(parseRtdsFrame(fixture("rtds_crypto_twap_sixty_update.json"))).toEqual([
      {
        kind: "ticks",
        ticks: [
          {
            symbol: "btc/usd",
            price: 64_997_810_000,
            ts: 1_786_179_814_000,
            origin: "rtds:crypto_prices_twap_sixty",
          },
        ],
      },
    ]);
  });

  it("the E18 integer wins over the display float; a decimal one falls back to the float", () => {
    expect(microOf(64_997.8, "64997810000000000000000")).toBe(64_997_810_000);
    expect(microOf(61_035.86, "61035.86000000")).toBe(61_035_860_000);
  });

  it("a crypto_prices update and a subscribe backfill (in time order)", () => {
    const [update] = parseRtdsFrame(fixture("rtds_crypto_prices_update.json"));
    expect(update).toMatchObject({
      kind: "ticks",
      ticks: [{ symbol: "btcusdt", price: 61_035_860_000, ts: 1_780_730_269_000 }],
    });
    const [sub] = parseRtdsFrame(fixture("rtds_crypto_prices_subscribe.json"));
    expect(sub?.kind === "ticks" ? sub.ticks.map((t) => t.ts) : []).toEqual([
      1_780_726_209_000, 1_780_726_210_000, 1_780_726_211_000,
    ]);
  });

  it("another topic is unknown, a broken price frame malformed, keep-alive ignored", () => {
    expect(parseRtdsFrame(fixture("rtds_equity_prices_update.json"))[0]?.kind).toBe("unknown");
    const broken = JSON.parse(fixture("rtds_crypto_twap_sixty_update.json")) as {
      payload: Record<string, unknown>;
    };
    broken.payload.value = "not a number";
    expect(parseRtdsFrame(JSON.stringify(broken))[0]).toMatchObject({
      kind: "malformed",
      reason: expect.stringContaining("value") as unknown,
    });
    expect(parseRtdsFrame(JSON.stringify({ ...broken, type: "bogus" }))[0]?.kind).toBe("unknown");
    for (const text of ["PONG", "", "not json", "null", "[1,2]"]) {
      expect(() => parseRtdsFrame(text)).not.toThrow();
    }
    expect(parseRtdsFrame("PONG")).toEqual([{ kind: "ignored" }]);
  });

  it("subscribes one symbol filter per subscription, the filter a JSON string", () => {
    expect(JSON.parse(rtdsSubscribeMessage("crypto_prices_chainlink", ["btc/usd"]))).toEqual({
      action: "subscribe",
      subscriptions: [
        { topic: "crypto_prices_chainlink", type: "update", filters: '{"symbol":"btc/usd"}' },
      ],
    });
  });
});
