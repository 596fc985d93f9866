import { describe, expect, it } from "vitest";
import { VenueServerError, VenueTimeoutError } from "../../../agents/runtime/venue.ts";
import { OPTS, price, shares, startVenue } from "./helpers.ts";

describe("SimVenue idempotency and ambiguous outcomes", () => {
  it("returns the existing order for a repeated clientOrderId and never creates a second", async () => {
    const h = await startVenue();
    const req = h.req({ clientOrderId: "same-1" });
    const a = await h.run(h.venue.placeOrder(req, OPTS));
    const b = await h.run(h.venue.placeOrder(req, OPTS));
    expect(a.outcome).toBe("accepted");
    expect(b).toEqual(a);
    expect((await h.run(h.venue.openOrders(OPTS))).items).toHaveLength(1);
    const other = await h.run(h.venue.placeOrder({ ...req, price: price(0.4) }, OPTS));
    expect(other).toMatchObject({ outcome: "rejected", code: "DUPLICATE_CLIENT_ID" });
    expect((await h.run(h.venue.openOrders(OPTS))).items).toHaveLength(1);
  });

  it("a 5xx after the order was accepted: the caller sees unknown, the order exists", async () => {
    const h = await startVenue();
    h.venue.setFaults({ beforePlace: () => "5xx-accepted" });
    const r = await h.run(h.venue.placeOrder(h.req({ clientOrderId: "amb-1" }), OPTS));
    expect(r.outcome).toBe("unknown");
    h.venue.setFaults(null);
    const o = await h.run(h.venue.getOrder({ clientOrderId: "amb-1" }, OPTS));
    expect(o).toMatchObject({ clientOrderId: "amb-1", status: "OPEN" });
    // Retrying with the same clientOrderId resolves the ambiguity without a second order.
    const retry = await h.run(h.venue.placeOrder(h.req({ clientOrderId: "amb-1" }), OPTS));
    expect(retry).toMatchObject({ outcome: "accepted", venueOrderId: o?.venueOrderId });
  });

  it("a 5xx before the order was accepted: the caller sees unknown, no order exists", async () => {
    const h = await startVenue();
    h.venue.setFaults({ beforePlace: () => "5xx-not-accepted" });
    const r = await h.run(h.venue.placeOrder(h.req({ clientOrderId: "amb-2" }), OPTS));
    expect(r.outcome).toBe("unknown");
    h.venue.setFaults(null);
    expect(await h.run(h.venue.getOrder({ clientOrderId: "amb-2" }, OPTS))).toBeNull();
    expect((await h.run(h.venue.balance(OPTS))).value.reserved).toBe(0);
  });

  it("a lost answer: the caller waits out its timeout and sees unknown; the order exists", async () => {
    const h = await startVenue();
    h.venue.setFaults({ beforePlace: () => "timeout" });
    const start = h.clock.now();
    const r = await h.run(
      h.venue.placeOrder(h.req({ clientOrderId: "amb-3" }), { timeoutMs: 700 }),
    );
    expect(r.outcome).toBe("unknown");
    expect(h.clock.now() - start).toBe(700);
    expect(await h.run(h.venue.getOrder({ clientOrderId: "amb-3" }, OPTS))).not.toBeNull();
  });

  it("a request slower than the timeout is still executed when it arrives", async () => {
    const h = await startVenue({ latency: { fixedMs: 600, jitterMs: 0 } });
    const r = await h.run(h.venue.placeOrder(h.req({ clientOrderId: "slow" }), { timeoutMs: 500 }));
    expect(r.outcome).toBe("unknown");
    expect(h.venue.snapshot().account.ordersTotal).toBe(0);
    await h.clock.advance(100);
    expect(h.venue.snapshot().account.ordersTotal).toBe(1);
  });

  it("an injected refusal is a definitive rejection and creates nothing", async () => {
    const h = await startVenue();
    h.venue.setFaults({ beforePlace: () => "reject" });
    const r = await h.run(h.venue.placeOrder(h.req(), OPTS));
    expect(r).toMatchObject({ outcome: "rejected", code: "VENUE_UNAVAILABLE" });
    expect(h.venue.snapshot().account.ordersTotal).toBe(0);
  });

  it("other calls fail with named errors: 5xx does not run, timeout runs and loses the answer", async () => {
    const h = await startVenue();
    const r = await h.run(h.venue.placeOrder(h.req(), OPTS));
    if (r.outcome !== "accepted") throw new Error("not accepted");
    h.venue.setFaults({ beforeCall: () => "5xx" });
    await expect(h.run(h.venue.cancelOrder(r.venueOrderId, OPTS))).rejects.toBeInstanceOf(
      VenueServerError,
    );
    expect(h.venue.snapshot().account.openOrders).toBe(1);
    h.venue.setFaults({ beforeCall: () => "timeout" });
    await expect(h.run(h.venue.cancelOrder(r.venueOrderId, OPTS))).rejects.toMatchObject({
      code: "VENUE_TIMEOUT",
    });
    expect(h.venue.snapshot().account.openOrders).toBe(0);
    await expect(h.run(h.venue.balance(OPTS))).rejects.toBeInstanceOf(VenueTimeoutError);
  });

  it("marks a cut-short report incomplete", async () => {
    const h = await startVenue();
    for (let i = 0; i < 4; i++) await h.run(h.venue.placeOrder(h.req({ size: shares(5) }), OPTS));
    h.venue.setFaults({ report: () => "truncate" });
    const open = await h.run(h.venue.openOrders(OPTS));
    expect([open.complete, open.items.length]).toEqual([false, 2]);
    expect((await h.run(h.venue.balance(OPTS))).complete).toBe(false);
  });

  it("marks a report past its item bound incomplete", async () => {
    const h = await startVenue({ reportItemsMax: 3 });
    for (let i = 0; i < 4; i++) await h.run(h.venue.placeOrder(h.req({ size: shares(5) }), OPTS));
    const open = await h.run(h.venue.openOrders(OPTS));
    expect([open.complete, open.items.length]).toEqual([false, 3]);
  });
});
