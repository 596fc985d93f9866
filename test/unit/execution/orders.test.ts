import { describe, expect, it } from "vitest";
import type { OrderRecord } from "../../../agents/runtime/store.ts";
import type { VenueOrder } from "../../../agents/runtime/venue.ts";
import {
  applyVenueOrder,
  eventFor,
  isFinal,
  NOT_AT_VENUE,
  orderIdFor,
} from "../../../agents/execution/orders.ts";
import { backoffMs, resolveExecutionConfig } from "../../../agents/execution/config.ts";

const rec: OrderRecord = {
  orderId: "ord-int-1",
  venueOrderId: null,
  intentId: "int-1",
  decisionId: "dec-1",
  positionId: "pos-1",
  strategy: "canary",
  windowId: "btc-updown-15m-1767225600",
  tokenId: "123",
  kind: "ENTRY",
  side: "BUY",
  orderType: "GTC",
  price: 400_000,
  size: 5_000_000,
  filledSize: 0,
  status: "UNKNOWN",
  reason: "timeout",
  mode: "PAPER",
  createdAt: 1,
  updatedAt: 1,
  epoch: 1,
};

const vo = (o: Partial<VenueOrder>): VenueOrder => ({
  venueOrderId: "0x1",
  clientOrderId: "ord-int-1",
  tokenId: "123",
  windowId: rec.windowId,
  side: "BUY",
  orderType: "GTC",
  price: 400_000,
  size: 5_000_000,
  filledSize: 0,
  remaining: 5_000_000,
  status: "OPEN",
  cancelReason: null,
  expiresAt: null,
  createdAt: 1,
  updatedAt: 2,
  ...o,
});

describe("order records", () => {
  it("derives the client order id from the intent", () => {
    expect(orderIdFor("int-1")).toBe("ord-int-1");
  });

  it("takes the venue's word over an inferred UNKNOWN", () => {
    const next = applyVenueOrder(rec, vo({ status: "OPEN" }), 10);
    expect(next).toMatchObject({ status: "OPEN", venueOrderId: "0x1", updatedAt: 10 });
  });

  it("never moves a reported status backwards, and the filled size only grows", () => {
    const partial = { ...rec, status: "PARTIALLY_FILLED" as const, filledSize: 2_000_000 };
    expect(applyVenueOrder(partial, vo({ status: "OPEN", filledSize: 0 }), 10)).toMatchObject({
      status: "PARTIALLY_FILLED",
      filledSize: 2_000_000,
    });
    const filled = {
      ...rec,
      status: "FILLED" as const,
      filledSize: 5_000_000,
      venueOrderId: "0x1",
    };
    expect(
      applyVenueOrder(filled, vo({ status: "CANCELLED", filledSize: 5_000_000 }), 10),
    ).toBeNull();
  });

  it("lets the venue overrule a NOT_AT_VENUE rejection, and nothing else final", () => {
    const notAtVenue = { ...rec, status: "REJECTED" as const, reason: `${NOT_AT_VENUE}: x` };
    expect(isFinal(notAtVenue)).toBe(false);
    expect(applyVenueOrder(notAtVenue, vo({ status: "OPEN" }), 10)?.status).toBe("OPEN");
    const rejected = { ...rec, status: "REJECTED" as const, reason: "MIN_SIZE: too small" };
    expect(isFinal(rejected)).toBe(true);
    expect(applyVenueOrder(rejected, vo({ status: "OPEN" }), 10)?.status).toBe("REJECTED");
  });

  it("returns null when the report tells nothing new", () => {
    const open = { ...rec, status: "OPEN" as const, venueOrderId: "0x1" };
    expect(applyVenueOrder(open, vo({ status: "OPEN" }), 10)).toBeNull();
  });

  it("announces each status on its own event", () => {
    expect(eventFor("OPEN")).toBe("accepted");
    expect(eventFor("UNKNOWN")).toBe("unknown");
    expect(eventFor("REFUSED")).toBe("refused");
  });
});

describe("execution config", () => {
  it("has the documented defaults", () => {
    const c = resolveExecutionConfig();
    expect(c.croSilenceMs).toBe(2_000);
    expect(c.confirmTimeoutMs).toBe(5_000);
  });

  it("rejects a bad bound, naming it", () => {
    expect(() => resolveExecutionConfig({ croSilenceMs: -1 })).toThrow(/croSilenceMs/);
  });

  it("backs off exponentially up to its bound", () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffMs(a, 250, 1_000))).toEqual([
      250, 500, 1_000, 1_000, 1_000,
    ]);
  });
});
