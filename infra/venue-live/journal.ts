/**
 * The live adapter's durable notes, written through the Store port's audit log (PostgreSQL in
 * production, so they survive a restart of the adapter's process):
 *  - `venue.order_hash`: our client order id → the EIP-712 order hash (the venue's order id),
 *    written after signing and BEFORE the POST, so an order whose answer was lost (UNKNOWN) can be
 *    found at the venue after a restart;
 *  - `venue.dry_run`: DRY_RUN's signed payload and the book at decision time.
 * Rows carry the client order id as `orderId`, so `predator audit` shows them with the order.
 */
import type { Clock } from "../../bus/clock.ts";
import type { Store } from "../../agents/runtime/store.ts";

export type VenueJournal = Pick<Store, "appendAudit" | "auditFor">;

export const ORDER_HASH_KIND = "venue.order_hash";
export const DRY_RUN_KIND = "venue.dry_run";
/** The `agent` column of the adapter's rows. */
export const JOURNAL_AGENT = "venue-live";

export async function recordOrderHash(
  journal: VenueJournal,
  clock: Clock,
  clientOrderId: string,
  hash: string,
  detail: Record<string, unknown>,
): Promise<void> {
  await journal.appendAudit({
    ts: clock.now(),
    agent: JOURNAL_AGENT,
    kind: ORDER_HASH_KIND,
    correlationId: null,
    intentId: null,
    orderId: clientOrderId,
    positionId: null,
    decisionId: null,
    detail: { hash, ...detail },
  });
}

/** The order hash journaled for `clientOrderId`, or null when we never signed such an order. */
export async function findOrderHash(
  journal: VenueJournal,
  clientOrderId: string,
): Promise<string | null> {
  const rows = await journal.auditFor(clientOrderId);
  for (const row of rows) {
    if (row.kind !== ORDER_HASH_KIND || row.orderId !== clientOrderId) continue;
    const hash = (row.detail as { hash?: unknown } | null)?.hash;
    if (typeof hash === "string" && /^0x[0-9a-fA-F]{64}$/.test(hash)) return hash;
  }
  return null;
}
