import { describe, expect, it } from "vitest";
import { MICRO } from "../../../contracts/money.ts";
import type { VenueTrade } from "../../../agents/runtime/venue.ts";
import { OPTS, price, shares, startVenue } from "./helpers.ts";

function tradeEvents(h: { user: { type: string }[] }): VenueTrade[] {
  return (h.user as { type: string; trade?: VenueTrade }[]).flatMap((e) =>
    e.type === "trade" && e.trade !== undefined ? [e.trade] : [],
  );
}

describe("SimVenue trade settlement", () => {
  it("reports a trade MATCHED at once and CONFIRMED after the confirm delay", async () => {
    const h = await startVenue({ trades: { confirmDelayMs: 4_000 } });
    h.venue.addLiquidity(h.up, "SELL", price(0.5), shares(10));
    const r = await h.run(h.venue.placeOrder(h.req({ orderType: "FOK", size: shares(10) }), OPTS));
    if (r.outcome !== "accepted") throw new Error(JSON.stringify(r));
    const [trade] = r.trades;
    expect(trade?.status).toBe("MATCHED");
    await h.clock.runUntil((trade?.matchedAt ?? 0) + 3_999);
    expect(tradeEvents(h).map((t) => t.status)).toEqual(["MATCHED"]);
    await h.clock.advance(1);
    const events = tradeEvents(h);
    expect(events.map((t) => [t.tradeId, t.status])).toEqual([
      [trade?.tradeId, "MATCHED"],
      [trade?.tradeId, "CONFIRMED"],
    ]);
    expect((await h.run(h.venue.positions(OPTS))).items).toEqual([
      { tokenId: h.up, shares: shares(10) },
    ]);
  });

  it("reverses a FAILED trade in the ledger: cash, fee and shares all come back", async () => {
    const h = await startVenue({ trades: { confirmDelayMs: 4_000, failProbability: 1 } });
    h.venue.addLiquidity(h.up, "SELL", price(0.5), shares(10));
    const r = await h.run(h.venue.placeOrder(h.req({ orderType: "FOK", size: shares(10) }), OPTS));
    expect(r.outcome).toBe("accepted");
    const provisional = (await h.run(h.venue.balance(OPTS))).value.collateral;
    expect(provisional).toBeLessThan(1_000 * MICRO);
    await h.clock.advance(5_000);
    expect(tradeEvents(h).map((t) => t.status)).toEqual(["MATCHED", "FAILED"]);
    expect((await h.run(h.venue.balance(OPTS))).value.collateral).toBe(1_000 * MICRO);
    expect((await h.run(h.venue.positions(OPTS))).items).toEqual([]);
    const report = await h.run(h.venue.trades({}, OPTS));
    expect(report.items.map((t) => t.status)).toEqual(["FAILED"]);
  });

  it("lists trades changed since a time", async () => {
    const h = await startVenue({ trades: { confirmDelayMs: 4_000 } });
    h.venue.addLiquidity(h.up, "SELL", price(0.5), shares(20));
    await h.run(h.venue.placeOrder(h.req({ orderType: "FOK", size: shares(10) }), OPTS));
    await h.clock.advance(10_000);
    const mark = h.clock.now();
    await h.run(h.venue.placeOrder(h.req({ orderType: "FOK", size: shares(10) }), OPTS));
    const all = await h.run(h.venue.trades({}, OPTS));
    const recent = await h.run(h.venue.trades({ sinceTs: mark }, OPTS));
    expect(all.items).toHaveLength(2);
    expect(recent.items).toHaveLength(1);
    expect(recent.complete).toBe(true);
  });
});
