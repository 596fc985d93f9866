/**
 * Reads what one reconciliation run judges: the venue's three reports (each with a timeout, an
 * error becoming a named reason, never a throw) and then the books from the store. The venue is
 * read first, so everything the system had processed when the venue answered is in the books.
 */
import type { Clock } from "../../bus/clock.ts";
import type { Order } from "../../contracts/orders.ts";
import type { ControlRow, FillRecord, Store } from "../runtime/store.ts";
import { VenueError, type Venue } from "../runtime/venue.ts";
import { NON_FINAL_STATUSES, type Books, type VenueRead, type VenueReports } from "./compare.ts";
import type { DecisionEvidence } from "./assertions.ts";

/** The venue did not answer within the run's own deadline (its adapter ignored the timeout). */
export class ReconDeadlineError extends Error {
  readonly code = "RECON_DEADLINE";
  constructor(what: string, ms: number) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = "ReconDeadlineError";
  }
}

/** How long past the venue timeout a run waits on its own clock before giving up on a call. */
const DEADLINE_GRACE_MS = 250;

function describeError(error: unknown): string {
  if (error instanceof VenueError || error instanceof ReconDeadlineError) {
    return `${error.code}: ${error.message}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function read<T>(
  clock: Clock,
  what: string,
  ms: number,
  call: () => Promise<T>,
): Promise<VenueRead<T>> {
  const limitMs = ms + DEADLINE_GRACE_MS;
  let expire: (error: Error) => void = () => undefined;
  const deadline = new Promise<never>((_, reject) => {
    expire = reject;
  });
  const timer = clock.setTimer(limitMs, () => {
    expire(new ReconDeadlineError(what, limitMs));
  });
  try {
    return { ok: true, report: await Promise.race([call(), deadline]) };
  } catch (error) {
    return { ok: false, error: describeError(error).slice(0, 300) };
  } finally {
    clock.clearTimer(timer);
  }
}

export async function readVenue(
  venue: Venue,
  clock: Clock,
  timeoutMs: number,
): Promise<VenueReports> {
  const opts = { timeoutMs };
  const [positions, openOrders, balance] = await Promise.all([
    read(clock, "positions", timeoutMs, () => venue.positions(opts)),
    read(clock, "openOrders", timeoutMs, () => venue.openOrders(opts)),
    read(clock, "balance", timeoutMs, () => venue.balance(opts)),
  ]);
  return { positions, openOrders, balance };
}

/**
 * Open positions, provisional fills and non-final orders, plus the books' view of any order the
 * venue lists. `fills` are the store's fills, read after the venue's reports.
 */
export async function readBooks(
  store: Store,
  venue: VenueReports,
  fills: readonly FillRecord[],
): Promise<Books> {
  const positions = await store.listPositions({ open: true });
  const provisional = fills.filter((f) => f.status === "MATCHED");
  const orders: Order[] = await store.listOrders({ statuses: NON_FINAL_STATUSES });
  const known = new Set(orders.map((o) => o.orderId));
  const listed = venue.openOrders.ok ? venue.openOrders.report.items : [];
  for (const v of listed) {
    if (known.has(v.clientOrderId)) continue;
    const own = await store.getOrder(v.clientOrderId);
    if (own !== null) {
      orders.push(own);
      known.add(own.orderId);
    }
  }
  return { positions, provisional, orders };
}

/** `approved` may sit at the top of the CRO's audit detail or under `decision`. */
function approvedIn(detail: unknown): boolean | null {
  if (typeof detail !== "object" || detail === null) return null;
  const d = detail as { approved?: unknown; decision?: { approved?: unknown } };
  if (typeof d.approved === "boolean") return d.approved;
  const nested = d.decision?.approved;
  return typeof nested === "boolean" ? nested : null;
}

/** The `cro.decision` audit entry of one decision, or undefined when the log has none. */
export async function readDecision(
  store: Store,
  decisionId: string,
): Promise<DecisionEvidence | undefined> {
  const entries = await store.auditFor(decisionId, 100);
  const entry = entries.find((e) => e.kind === "cro.decision" && e.decisionId === decisionId);
  if (entry === undefined) return undefined;
  return { approved: approvedIn(entry.detail), intentId: entry.intentId };
}

export function changedAt(rows: readonly ControlRow[], key: string): number {
  return rows.find((r) => r.key === key)?.updatedAt ?? 0;
}
