/**
 * "A position equals the sum of its fills" (invariant 5), checked from the ledger itself, in pairs:
 * before every write (store.savePosition) and after every read (restore at start). A violation is
 * an InvariantError: the actor's books can no longer be trusted, so it crashes and the supervisor
 * restarts it from durable state.
 */
import { notional } from "../../contracts/money.ts";
import { InvariantError } from "../runtime/errors.ts";
import { entries, type Ledger } from "./ledger.ts";
import type { Holdings } from "./pnl.ts";

export interface ConfirmedSums {
  bought: number;
  sold: number;
  fees: number;
  /** Σ notional of confirmed buys, each floored as it was booked. */
  buyCost: number;
  sellProceeds: number;
}

export function confirmedSums(ledger: Ledger): ConfirmedSums {
  const sums: ConfirmedSums = { bought: 0, sold: 0, fees: 0, buyCost: 0, sellProceeds: 0 };
  for (const e of entries(ledger)) {
    if (e.status !== "CONFIRMED") continue;
    sums.fees += e.fee;
    if (e.side === "BUY") {
      sums.bought += e.size;
      sums.buyCost += notional(e.size, e.price);
    } else {
      sums.sold += e.size;
      sums.sellProceeds += notional(e.size, e.price);
    }
  }
  return sums;
}

/** Every way the holdings disagree with the confirmed fills; empty when they agree. */
export function positionViolations(fills: Ledger, h: Holdings): string[] {
  const s = confirmedSums(fills);
  const out: string[] = [];
  const expected = s.bought - s.sold - h.settledSize;
  if (h.size !== expected) {
    out.push(
      `size ${h.size} ≠ confirmed bought ${s.bought} − sold ${s.sold} − settled ${h.settledSize}`,
    );
  }
  if (h.size < 0) out.push(`size ${h.size} is negative`);
  if (h.fees !== s.fees) out.push(`fees ${h.fees} ≠ Σ confirmed fees ${s.fees}`);
  if (h.entryCost !== s.buyCost) out.push(`entry cost ${h.entryCost} ≠ Σ buys ${s.buyCost}`);
  if (h.exitProceeds !== s.sellProceeds) {
    out.push(`exit proceeds ${h.exitProceeds} ≠ Σ sells ${s.sellProceeds}`);
  }
  const realized = h.exitProceeds + h.payout - (h.entryCost - h.costBasis) - h.fees;
  if (h.realizedPnl !== realized)
    out.push(`realized PnL ${h.realizedPnl} ≠ ${realized} from fills`);
  return out;
}

/** Throws InvariantError naming the position, the moment (write/read) and every violation. */
export function assertPositionSums(
  positionId: string,
  when: "write" | "read",
  fills: Ledger,
  h: Holdings,
): void {
  const violations = positionViolations(fills, h);
  if (violations.length > 0) {
    throw new InvariantError(
      `position ${positionId} (${when}) is not the sum of its confirmed fills: ${violations.join("; ")}`,
    );
  }
}
