import { describe, expect, it } from "vitest";
import { OPTS, startVenue } from "./helpers.ts";

describe("SimVenue GTD expiry", () => {
  it("expires a GTD order one security minute before expiresAt and frees its collateral", async () => {
    const h = await startVenue({ gtdSecurityMs: 60_000 });
    const expiresAt = h.clock.now() + 300_000;
    const r = await h.run(h.venue.placeOrder(h.req({ orderType: "GTD", expiresAt }), OPTS));
    if (r.outcome !== "accepted") throw new Error(JSON.stringify(r));
    expect((await h.run(h.venue.balance(OPTS))).value.reserved).toBeGreaterThan(0);
    await h.clock.runUntil(expiresAt - 60_001);
    expect(h.venue.snapshot().account.openOrders).toBe(1);
    await h.clock.runUntil(expiresAt - 60_000);
    const o = await h.run(h.venue.getOrder({ venueOrderId: r.venueOrderId }, OPTS));
    expect(o).toMatchObject({ status: "EXPIRED", remaining: h.req().size });
    expect((await h.run(h.venue.balance(OPTS))).value.reserved).toBe(0);
    const events = h.user.flatMap((e) => (e.type === "order" ? [e.event] : []));
    expect(events).toEqual(["placed", "expired"]);
    h.venue.assertInvariants();
  });
});

describe("SimVenue heartbeat (dead-man switch)", () => {
  it("does nothing until the first heartbeat arms it", async () => {
    const h = await startVenue({ heartbeatTimeoutMs: 10_000 });
    await h.run(h.venue.placeOrder(h.req(), OPTS));
    await h.clock.advance(60_000);
    expect(h.venue.snapshot().account.openOrders).toBe(1);
  });

  it("keeps orders while heartbeats arrive and cancels them all when they stop", async () => {
    const h = await startVenue({ heartbeatTimeoutMs: 10_000 });
    await h.run(h.venue.placeOrder(h.req(), OPTS));
    await h.run(h.venue.placeOrder(h.req(), OPTS));
    for (let i = 0; i < 5; i++) {
      const { deadlineTs } = await h.run(h.venue.heartbeat(OPTS));
      expect(deadlineTs).toBeGreaterThan(h.clock.now());
      await h.clock.advance(5_000);
    }
    expect(h.venue.snapshot().account.openOrders).toBe(2);
    await h.clock.advance(10_000);
    const open = await h.run(h.venue.openOrders(OPTS));
    expect(open.items).toEqual([]);
    const cancels = h.user.flatMap((e) =>
      e.type === "order" && e.event === "cancelled" ? [e.order.cancelReason] : [],
    );
    expect(cancels).toEqual(["HEARTBEAT", "HEARTBEAT"]);
    expect(h.venue.snapshot().counters.heartbeatExpiries).toBe(1);
  });
});
