/**
 * The recorded user-channel trade with a complementary maker (shared fixtures, NautilusTrader
 * `resources/ws_messages/user_trade1.json`: a BUY Yes taker at 0.518 filled by five Yes makers and
 * one No maker at 0.482) booked by the live adapter (issue 17): a maker's fill is on the maker
 * order's own token, side and price.
 */
import { readFileSync } from "node:fs";
import type { ClobClient, Trade } from "@polymarket/clob-client-v2";
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { LiveVenue } from "../../../infra/venue-live/live-venue.ts";

const FIXTURE = new URL(
  "./fixtures/nautilus_trader/resources/ws_messages/user_trade1.json",
  import.meta.url,
);
const trade = JSON.parse(readFileSync(FIXTURE, "utf8")) as Trade;
const YES = trade.asset_id;
const NO_MAKER = trade.maker_orders.find((m) => m.asset_id !== YES);
const YES_MAKER = trade.maker_orders.find((m) => m.asset_id === YES);

function venueAs(address: string): LiveVenue {
  const client = { getTrades: () => Promise.resolve([trade]) } as unknown as ClobClient;
  const settings = {
    host: "http://127.0.0.1:9",
    wsUrl: "ws://127.0.0.1:9/ws",
    chainId: 137 as const,
    privateKey: `0x${"1".repeat(64)}`,
    creds: null,
    signatureType: 0 as const,
  };
  return new LiveVenue(
    client,
    settings,
    { clock: new VirtualClock(), rng: new SeededRng(1) },
    address,
  );
}

describe("maker fills from a recorded user-channel trade", () => {
  it("the complementary (No) maker is booked on No, as a BUY, at its own price 0.482", async () => {
    if (NO_MAKER === undefined) throw new Error("fixture has no complementary maker");
    const live = venueAs(NO_MAKER.maker_address);
    const r = await live.trades({}, { timeoutMs: 1_000 });
    expect(r.items.map((t) => [t.tokenId, t.side, t.price, t.size, t.liquidity, t.fee])).toEqual([
      [NO_MAKER.asset_id, "BUY", 482_000, 10_000_000, "MAKER", 0],
    ]);
    live.close();
  });

  it("a same-token (Yes) maker is booked on Yes as a SELL at the trade price", async () => {
    if (YES_MAKER === undefined) throw new Error("fixture has no same-token maker");
    const live = venueAs(YES_MAKER.maker_address);
    const r = await live.trades({}, { timeoutMs: 1_000 });
    expect(r.items.map((t) => [t.tokenId, t.side, t.price, t.liquidity])).toEqual([
      [YES, "SELL", 518_000, "MAKER"],
    ]);
    expect(r.items[0]?.size).toBe(Math.round(Number(YES_MAKER.matched_amount) * 1e6));
    live.close();
  });
});
