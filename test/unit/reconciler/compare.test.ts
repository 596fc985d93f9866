import { describe, expect, it } from "vitest";
import {
  compareWithVenue,
  confirmDifferences,
  reserveFor,
  type Books,
  type VenueReports,
} from "../../../agents/reconciler/compare.ts";
import type { VenueOrder } from "../../../agents/runtime/venue.ts";
import { T0, TOKEN, WINDOW, order } from "./fixtures.ts";

function venueOrder(over: Partial<VenueOrder> = {}): VenueOrder {
  return {
    venueOrderId: "v-2",
    clientOrderId: "ord-int-2",
    tokenId: TOKEN,
    windowId: WINDOW,
    side: "BUY",
    orderType: "GTC",
    price: 400_000,
    size: 5_000_000,
    filledSize: 0,
    remaining: 5_000_000,
    status: "OPEN",
    cancelReason: null,
    expiresAt: null,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

const resting = order({
  orderId: "ord-int-2",
  venueOrderId: "v-2",
  price: 400_000,
  filledSize: 0,
  status: "OPEN",
});

function reports(
  over: { shares?: number; orders?: VenueOrder[]; reserved?: number } = {},
): VenueReports {
  return {
    positions: {
      ok: true,
      report: {
        complete: true,
        items: [{ tokenId: TOKEN, shares: over.shares ?? 5_000_000 }],
        asOf: T0,
      },
    },
    openOrders: {
      ok: true,
      report: { complete: true, items: over.orders ?? [venueOrder()], asOf: T0 },
    },
    balance: {
      ok: true,
      report: {
        complete: true,
        value: { collateral: 50_000_000, allowance: 1e12, reserved: over.reserved ?? 2_000_000 },
        asOf: T0,
      },
    },
  };
}

function books(over: Partial<Books> = {}): Books {
  return {
    positions: [{ tokenId: TOKEN, size: 5_000_000, provisionalSize: 0 }],
    provisional: [],
    orders: [resting],
    ...over,
  };
}

function differences(venue: VenueReports, b: Books) {
  const c = compareWithVenue(venue, b);
  if (c.verdict !== "COMPARED") throw new Error(`expected a comparison, got ${JSON.stringify(c)}`);
  return c.differences;
}

describe("compareWithVenue", () => {
  it("finds nothing when the venue and the books agree", () => {
    const c = compareWithVenue(reports(), books());
    expect(c).toMatchObject({
      verdict: "COMPARED",
      differences: [],
      positionsChecked: 1,
      collateral: 50_000_000,
    });
  });

  it("reports a token whose venue shares differ from the confirmed shares", () => {
    expect(differences(reports({ shares: 7_000_000 }), books())).toEqual([
      {
        kind: "POSITION",
        key: TOKEN,
        expected: "5.000000 shares (provisional +0.000000/-0.000000)",
        actual: "7.000000 shares",
      },
    ]);
  });

  it("reports shares the books do not hold at all, and books the venue does not", () => {
    const venue = reports();
    if (venue.positions.ok)
      venue.positions.report.items.push({ tokenId: "tok-down", shares: 1_000_000 });
    const keys = differences(
      venue,
      books({
        positions: [...books().positions, { tokenId: "tok-x", size: 1, provisionalSize: 0 }],
      }),
    ).map((d) => d.key);
    expect(keys).toEqual(["tok-down", "tok-x"]);
  });

  it("allows a position's provisional (MATCHED, unconfirmed) BUY shares above the confirmed", () => {
    const inFlight = books({
      positions: [{ tokenId: TOKEN, size: 5_000_000, provisionalSize: 2_000_000 }],
    });
    expect(differences(reports({ shares: 7_000_000 }), inFlight)).toEqual([]);
    expect(differences(reports({ shares: 7_000_001 }), inFlight)).toHaveLength(1);
    expect(differences(reports({ shares: 4_999_999 }), inFlight)).toHaveLength(1);
  });

  it("allows MATCHED fills in flight: buys above, sells below the confirmed shares", () => {
    const fills = books({
      provisional: [
        { tokenId: TOKEN, side: "BUY", size: 1_000_000 },
        { tokenId: TOKEN, side: "SELL", size: 3_000_000 },
      ],
    });
    expect(differences(reports({ shares: 6_000_000 }), fills)).toEqual([]);
    expect(differences(reports({ shares: 2_000_000 }), fills)).toEqual([]);
    expect(differences(reports({ shares: 1_999_999 }), fills)).toEqual([
      expect.objectContaining({ expected: "5.000000 shares (provisional +1.000000/-3.000000)" }),
    ]);
    expect(differences(reports({ shares: 6_000_001 }), fills)).toHaveLength(1);
  });

  it("gives no verdict on an incomplete report: an empty list is not 'flat'", () => {
    const venue = reports();
    venue.positions = { ok: true, report: { complete: false, items: [], asOf: T0 } };
    expect(compareWithVenue(venue, books())).toEqual({
      verdict: "NO_VERDICT",
      reasons: ["positions: incomplete report (complete: false)"],
    });
  });

  it("gives no verdict when a report failed, naming the error", () => {
    const venue = reports();
    venue.balance = { ok: false, error: "VENUE_TIMEOUT: venue balance timed out after 1500 ms" };
    venue.openOrders = { ok: true, report: { complete: false, items: [], asOf: T0 } };
    expect(compareWithVenue(venue, books())).toEqual({
      verdict: "NO_VERDICT",
      reasons: [
        "openOrders: incomplete report (complete: false)",
        "balance: VENUE_TIMEOUT: venue balance timed out after 1500 ms",
      ],
    });
  });

  it("reports an open order the books do not know and one the venue no longer has", () => {
    const foreign = venueOrder({ venueOrderId: "v-9", clientOrderId: "manual-1" });
    const d = differences(reports({ orders: [foreign] }), books());
    expect(d.map((x) => [x.kind, x.key, x.actual])).toEqual([
      ["ORDER", "venue:v-9", "OPEN, filled 0.000000 at the venue"],
      ["ORDER", "ord-int-2", "not open at the venue"],
    ]);
  });

  it("reports an order whose filled size differs, and one the books hold as final", () => {
    const partial = venueOrder({
      status: "PARTIALLY_FILLED",
      filledSize: 1_000_000,
      remaining: 4_000_000,
    });
    expect(
      differences(reports({ orders: [partial], reserved: 1_600_000 }), books())[0],
    ).toMatchObject({
      key: "ord-int-2",
      expected: "OPEN, filled 0.000000",
    });
    const cancelled = { ...resting, status: "CANCELLED" as const };
    // The books expect nothing reserved for a cancelled order, and the venue (here) agrees.
    expect(differences(reports({ reserved: 0 }), books({ orders: [cancelled] }))).toEqual([
      expect.objectContaining({
        kind: "ORDER",
        key: "ord-int-2",
        expected: "CANCELLED, filled 0.000000",
      }),
    ]);
  });

  it("accepts an order the books still hold as PENDING, SUBMITTED or UNKNOWN", () => {
    for (const status of ["PENDING", "SUBMITTED", "UNKNOWN"] as const) {
      expect(differences(reports(), books({ orders: [{ ...resting, status }] }))).toEqual([]);
    }
  });

  it("compares the collateral reserved for open BUY orders", () => {
    expect(reserveFor({ size: 5_000_000, filledSize: 0, price: 400_000 })).toBe(2_000_000);
    expect(reserveFor({ size: 3_333_333, filledSize: 0, price: 330_000 })).toBe(1_100_000);
    const d = differences(reports({ reserved: 2_500_000 }), books());
    expect(d).toEqual([
      {
        kind: "BALANCE",
        key: "reserved",
        expected: "2.000000 reserved for open BUY orders (in flight 0.000000)",
        actual: "2.500000 reserved",
      },
    ]);
  });
});

describe("confirmDifferences (the persistence rule)", () => {
  const d = { kind: "POSITION" as const, key: TOKEN, expected: "5", actual: "7" };

  it("confirms a difference only when the previous run saw exactly the same one", () => {
    expect(confirmDifferences([d], [])).toEqual({ confirmed: [], pending: [d] });
    expect(confirmDifferences([d], [d])).toEqual({ confirmed: [d], pending: [] });
  });

  it("keeps a difference that moved between runs pending (a fill in flight)", () => {
    const moved = { ...d, actual: "9" };
    expect(confirmDifferences([moved], [d])).toEqual({ confirmed: [], pending: [moved] });
  });
});
