/**
 * The venue's reports against the system's books. Pure: the actor reads both sides, this decides.
 *
 * Only complete reports count. If any report failed or says `complete: false` there is no verdict
 * at all: an incomplete position list looks exactly like "flat", so nothing is compared.
 *
 * In-flight fills. The venue and the books are read a few milliseconds apart while fills travel
 * venue → Execution → Portfolio, so a correct system can differ for a moment. Two rules keep that
 * from raising false mismatches:
 *  1. tolerance: a token's venue shares may exceed the books' confirmed shares by up to the
 *     provisional (MATCHED, unconfirmed) BUY shares and fall short by up to the provisional SELL
 *     shares (the venue moves its ledger at the match); an order the books hold as PENDING,
 *     SUBMITTED or UNKNOWN may already rest at the venue (and reserve collateral there);
 *  2. persistence: any other difference is a mismatch only when the next complete run finds exactly
 *     the same difference (same key, same expected and actual values). A fill in flight changes
 *     one side between the two runs; a change behind the system's back does not.
 */
import type { Mismatch, Order, OrderStatus } from "../../contracts/index.ts";
import { fromMicro, MICRO } from "../../contracts/money.ts";
import type {
  ListReport,
  ValueReport,
  VenueBalance,
  VenueOrder,
  VenuePosition,
} from "../runtime/venue.ts";

export type VenueRead<T> = { ok: true; report: T } | { ok: false; error: string };

export interface VenueReports {
  positions: VenueRead<ListReport<VenuePosition>>;
  openOrders: VenueRead<ListReport<VenueOrder>>;
  balance: VenueRead<ValueReport<VenueBalance>>;
}

/** What the books say, read after the venue's reports. */
export interface Books {
  /** Positions that are not CLOSED. */
  positions: readonly { tokenId: string; size: number; provisionalSize: number }[];
  /** Fills still MATCHED (provisional): the venue may already count them, the positions not. */
  provisional: readonly { tokenId: string; side: "BUY" | "SELL"; size: number }[];
  /** Orders not in a final state, plus any order the venue lists as open. */
  orders: readonly Order[];
}

export type Comparison =
  | { verdict: "NO_VERDICT"; reasons: string[] }
  | {
      verdict: "COMPARED";
      differences: Mismatch[];
      positionsChecked: number;
      ordersChecked: number;
      collateral: number;
      allowance: number;
    };

const RESTING: ReadonlySet<OrderStatus> = new Set(["OPEN", "PARTIALLY_FILLED"]);
/** The venue may already hold these; the books learn it when Execution hears back. */
const IN_FLIGHT: ReadonlySet<OrderStatus> = new Set(["PENDING", "SUBMITTED", "UNKNOWN"]);
export const NON_FINAL_STATUSES: readonly OrderStatus[] = [...RESTING, ...IN_FLIGHT];

export function compareWithVenue(venue: VenueReports, books: Books): Comparison {
  const { positions, openOrders, balance } = venue;
  if (!positions.ok || !openOrders.ok || !balance.ok) {
    return { verdict: "NO_VERDICT", reasons: noVerdictReasons(venue) };
  }
  if (!positions.report.complete || !openOrders.report.complete || !balance.report.complete) {
    return { verdict: "NO_VERDICT", reasons: noVerdictReasons(venue) };
  }
  const pos = comparePositions(positions.report.items, books);
  const ord = compareOrders(openOrders.report.items, books.orders);
  const bal = compareBalance(balance.report.value, books.orders);
  return {
    verdict: "COMPARED",
    differences: [...pos.differences, ...ord.differences, ...bal],
    positionsChecked: pos.checked,
    ordersChecked: ord.checked,
    collateral: balance.report.value.collateral,
    allowance: balance.report.value.allowance,
  };
}

/** Why there is no verdict, one line per failed or incomplete report. */
export function noVerdictReasons(venue: VenueReports): string[] {
  const reasons: string[] = [];
  for (const [name, read] of Object.entries(venue) as [
    string,
    VenueRead<{ complete: boolean }>,
  ][]) {
    if (!read.ok) reasons.push(`${name}: ${read.error}`);
    else if (!read.report.complete) reasons.push(`${name}: incomplete report (complete: false)`);
  }
  return reasons;
}

function sumBy<T>(items: readonly T[], key: (t: T) => string, value: (t: T) => number) {
  const sums = new Map<string, number>();
  for (const item of items) sums.set(key(item), (sums.get(key(item)) ?? 0) + value(item));
  return sums;
}

function comparePositions(venue: readonly VenuePosition[], books: Books) {
  const shares = sumBy(
    venue,
    (p) => p.tokenId,
    (p) => p.shares,
  );
  const confirmed = sumBy(
    books.positions,
    (p) => p.tokenId,
    (p) => p.size,
  );
  const held = sumBy(
    books.positions,
    (p) => p.tokenId,
    (p) => p.provisionalSize,
  );
  const side = (s: string) => books.provisional.filter((f) => f.side === s);
  const buying = sumBy(
    side("BUY"),
    (f) => f.tokenId,
    (f) => f.size,
  );
  const selling = sumBy(
    side("SELL"),
    (f) => f.tokenId,
    (f) => f.size,
  );
  const tokens = [...new Set([...shares.keys(), ...confirmed.keys()])].sort();
  const differences: Mismatch[] = [];
  for (const tokenId of tokens) {
    const actual = shares.get(tokenId) ?? 0;
    const expected = confirmed.get(tokenId) ?? 0;
    const up = Math.max(held.get(tokenId) ?? 0, buying.get(tokenId) ?? 0);
    const down = selling.get(tokenId) ?? 0;
    if (actual >= expected - down && actual <= expected + up) continue;
    const inFlight = `provisional +${fromMicro(up)}/-${fromMicro(down)}`;
    differences.push({
      kind: "POSITION",
      key: tokenId,
      expected: `${fromMicro(expected)} shares (${inFlight})`,
      actual: `${fromMicro(actual)} shares`,
    });
  }
  return { differences, checked: tokens.length };
}

function describe(status: string, filledSize: number): string {
  return `${status}, filled ${fromMicro(filledSize)}`;
}

function compareOrders(venue: readonly VenueOrder[], books: readonly Order[]) {
  const byId = new Map(books.map((o) => [o.orderId, o]));
  const byVenueId = new Map(
    books.flatMap((o) => (o.venueOrderId === null ? [] : [[o.venueOrderId, o]])),
  );
  const seen = new Set<string>();
  const differences: Mismatch[] = [];
  const resting = venue.filter((v) => v.status === "OPEN" || v.status === "PARTIALLY_FILLED");
  for (const v of resting) {
    const own = byVenueId.get(v.venueOrderId) ?? byId.get(v.clientOrderId);
    const actual = `${describe(v.status, v.filledSize)} at the venue`;
    if (own === undefined) {
      const key = `venue:${v.venueOrderId}`.slice(0, 256); // the schema's bound
      differences.push({ kind: "ORDER", key, expected: "not in the books", actual });
      continue;
    }
    seen.add(own.orderId);
    if (IN_FLIGHT.has(own.status)) continue;
    if (!RESTING.has(own.status) || own.filledSize !== v.filledSize) {
      const expected = describe(own.status, own.filledSize);
      differences.push({ kind: "ORDER", key: own.orderId, expected, actual });
    }
  }
  for (const own of books) {
    if (!RESTING.has(own.status) || seen.has(own.orderId)) continue;
    const expected = describe(own.status, own.filledSize);
    differences.push({
      kind: "ORDER",
      key: own.orderId,
      expected,
      actual: "not open at the venue",
    });
  }
  return {
    differences,
    checked: resting.length + books.filter((o) => !seen.has(o.orderId)).length,
  };
}

/** What a resting BUY reserves at the venue: remaining × price, rounded up. */
export function reserveFor(order: Pick<Order, "size" | "filledSize" | "price">): number {
  const n = BigInt(Math.max(0, order.size - order.filledSize)) * BigInt(order.price);
  const m = BigInt(MICRO);
  return Number((n + m - 1n) / m);
}

/**
 * Collateral reserved at the venue against the books' open BUY orders. The total collateral is not
 * compared: the books do not know the account's deposits, so it is reported, not judged.
 */
function compareBalance(balance: VenueBalance, books: readonly Order[]): Mismatch[] {
  const buys = books.filter((o) => o.side === "BUY");
  const low = buys.filter((o) => RESTING.has(o.status)).reduce((s, o) => s + reserveFor(o), 0);
  const slack = buys.filter((o) => IN_FLIGHT.has(o.status)).reduce((s, o) => s + reserveFor(o), 0);
  const out: Mismatch[] = [];
  if (balance.reserved < low || balance.reserved > low + slack) {
    out.push({
      kind: "BALANCE",
      key: "reserved",
      expected: `${fromMicro(low)} reserved for open BUY orders (in flight ${fromMicro(slack)})`,
      actual: `${fromMicro(balance.reserved)} reserved`,
    });
  }
  if (balance.collateral < balance.reserved) {
    out.push({
      kind: "BALANCE",
      key: "collateral",
      expected: `collateral >= reserved ${fromMicro(balance.reserved)}`,
      actual: `${fromMicro(balance.collateral)} collateral`,
    });
  }
  return out;
}

function identity(m: Mismatch): string {
  return JSON.stringify([m.kind, m.key, m.expected, m.actual]);
}

/**
 * The persistence rule: a difference is confirmed when the previous complete run found exactly the
 * same one; anything else is pending (possibly a fill in flight) and must be looked at again.
 */
export function confirmDifferences(
  current: readonly Mismatch[],
  previous: readonly Mismatch[],
): { confirmed: Mismatch[]; pending: Mismatch[] } {
  const before = new Set(previous.map(identity));
  const confirmed: Mismatch[] = [];
  const pending: Mismatch[] = [];
  for (const m of current) (before.has(identity(m)) ? confirmed : pending).push(m);
  return { confirmed, pending };
}
