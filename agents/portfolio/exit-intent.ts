/**
 * Builds the `portfolio.exit` intent for a triggered position. Exits are FAK sells: they take what
 * the book offers now and never rest. The limit price is the best bid minus a named slippage
 * allowance, floored to the tick (a lower limit is the more marketable one for a sell) and clamped
 * to [tick, 1 − tick] so that it is always a valid price.
 *
 * The tick is the coarsest one the token's books have carried. When the venue refines a window's
 * tick near a price edge, the books carry the new tick before the CRO has the new md.window (a
 * different subject and consumer, so no order between them): an exit priced on the new, finer grid
 * was vetoed TICK_SIZE against the old one. A finer tick divides a coarser one, so a price on the
 * coarsest grid is valid on both. Only below the coarse tick (a bid under about 0.01 plus the
 * slippage) is the finer grid used, since the coarse one would clamp the limit above the bid.
 *
 * The intent id is deterministic (position + attempt): a restarted Portfolio that re-sends the
 * exit of a position it had already triggered sends the same id, which the INTENTS stream
 * deduplicates, so the CRO sees one intent.
 */
import { createHash } from "node:crypto";
import { MICRO, fromMicro } from "../../contracts/money.ts";
import type { Payload } from "../../bus/messages.ts";
import { InvariantError } from "../runtime/errors.ts";
import type { PositionContext } from "./machine.ts";

/** Used only when no book has told us the token's tick size yet (Polymarket's usual tick). */
export const FALLBACK_TICK_MICRO = 10_000;
const INTENT_ID_LENGTH_MAX = 128;

/** What Portfolio keeps of a token's latest book. */
export interface BookView {
  bid: number | null;
  tickSize: number;
  /** The coarsest tick this token's books have carried (see the top of this file). */
  coarsestTick?: number;
  minSize: number;
  seq: number;
}

export function exitLimitPrice(
  bid: number | null,
  tickSize: number,
  slippageMicro: number,
  coarsestTick?: number,
): number {
  const tick = tickSize > 0 ? tickSize : FALLBACK_TICK_MICRO;
  const coarse = Math.max(tick, coarsestTick ?? tick);
  if (bid === null) return coarse;
  const target = bid - slippageMicro;
  return onGrid(target, target >= coarse ? coarse : tick);
}

/** Floored to the tick and clamped to [tick, 1 − tick]. */
function onGrid(price: number, tick: number): number {
  return Math.min(Math.max(Math.floor(price / tick) * tick, tick), MICRO - tick);
}

export function exitIntentId(positionId: string, attempt: number): string {
  const id = `exit-${attempt}-${positionId}`;
  if (id.length <= INTENT_ID_LENGTH_MAX) return id;
  return `exit-${attempt}-${createHash("sha256").update(positionId).digest("hex")}`;
}

export function exitIntent(
  position: PositionContext,
  sellableSize: number,
  book: BookView | null,
  slippageMicro: number,
  detail: string,
): Payload<"portfolio.exit"> {
  const exitReason = position.exitReason;
  if (exitReason === null) {
    throw new InvariantError(`position ${position.positionId}: exit without an exit reason`);
  }
  const limitPrice = exitLimitPrice(
    book?.bid ?? null,
    book?.tickSize ?? FALLBACK_TICK_MICRO,
    slippageMicro,
    book?.coarsestTick,
  );
  const bid = book?.bid ?? null;
  return {
    intentId: exitIntentId(position.positionId, position.exitAttempts + 1),
    strategy: position.strategy,
    windowId: position.windowId,
    tokenId: position.tokenId,
    kind: "EXIT",
    side: "SELL",
    orderType: "FAK",
    limitPrice,
    size: sellableSize,
    expiresAt: null,
    positionId: position.positionId,
    exitReason,
    bookSeq: book?.seq ?? null,
    reason: `${exitReason}: ${detail}; bid ${bid === null ? "none" : fromMicro(bid)}`.slice(0, 500),
  };
}
