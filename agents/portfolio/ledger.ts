/**
 * The fills of one position, by trade id, and how a new report about a trade changes them
 * (invariant 5, "every fill counts once"). A trade's status only moves MATCHED → CONFIRMED or
 * MATCHED → FAILED, as the store's does; a repeat or a backwards move changes nothing.
 *
 * MATCHED fills are provisional: they are kept here but not booked. CONFIRMED books the fill
 * (pnl.ts); FAILED voids a provisional fill. A CONFIRMED report for a trade never seen MATCHED is
 * booked directly (the MATCHED report may have been lost or may still come; it would then be a
 * backwards move and be ignored).
 */
import type { FillStatus, Side } from "../../contracts/common.ts";
import type { IntentKind } from "../../contracts/intents.ts";

export interface FillFact {
  tradeId: string;
  kind: IntentKind;
  side: Side;
  price: number;
  size: number;
  fee: number;
}

export interface LedgerEntry extends FillFact {
  status: FillStatus;
}

export type Ledger = Readonly<Record<string, LedgerEntry>>;

/**
 * - apply: the report changes the ledger (new trade, or a forward status move);
 * - duplicate: this trade already has this status, or the report is an older status (MATCHED
 *   after CONFIRMED/FAILED): nothing changes;
 * - conflict: CONFIRMED after FAILED or FAILED after CONFIRMED, which the venue never does;
 *   nothing changes and the caller reports it.
 */
export type FillVerdict = "apply" | "duplicate" | "conflict";

export function classifyFill(ledger: Ledger, tradeId: string, status: FillStatus): FillVerdict {
  const known = ledger[tradeId];
  if (known === undefined) return "apply";
  if (known.status === status) return "duplicate";
  if (known.status === "MATCHED") return "apply";
  if (status === "MATCHED") return "duplicate";
  return "conflict";
}

/** Whether this report must be booked by accounting (a CONFIRMED that was not booked before). */
export function booksNow(ledger: Ledger, tradeId: string, status: FillStatus): boolean {
  return status === "CONFIRMED" && classifyFill(ledger, tradeId, status) === "apply";
}

export function withFill(ledger: Ledger, fill: FillFact, status: FillStatus): Ledger {
  return { ...ledger, [fill.tradeId]: { ...fill, status } };
}

export function entries(ledger: Ledger): LedgerEntry[] {
  return Object.values(ledger);
}

/** Shares of MATCHED (not yet confirmed or failed) fills on one side. */
export function provisionalShares(ledger: Ledger, side: Side): number {
  let total = 0;
  for (const e of entries(ledger)) if (e.status === "MATCHED" && e.side === side) total += e.size;
  return total;
}

export function hasProvisional(ledger: Ledger): boolean {
  return entries(ledger).some((e) => e.status === "MATCHED");
}
