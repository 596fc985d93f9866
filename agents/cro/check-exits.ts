/**
 * Exits and cancels skip the entry limits but must name something real: an exit sells shares of an
 * open position that are not already being sold; a cancel names an instrument the CRO knows.
 */
import type { CheckResult } from "../../contracts/cro.ts";
import { fromMicro } from "../../contracts/money.ts";
import { result } from "./check-result.ts";
import { WORKING_STATUSES, type CheckSnapshot } from "./check-types.ts";
import { unplaced } from "./check-limits.ts";

/** Shares of this token already being sold: working SELL orders and unplaced SELL approvals. */
function sharesBeingSold(s: CheckSnapshot): number {
  let selling = 0;
  for (const o of s.tokenOrders) {
    if (o.side === "SELL" && WORKING_STATUSES.includes(o.status)) {
      selling += Math.max(0, o.size - o.filledSize);
    }
  }
  for (const a of unplaced(s)) {
    if (a.side === "SELL" && a.tokenId === s.intent.tokenId) selling += a.size;
  }
  return selling;
}

export function exitPosition(s: CheckSnapshot): CheckResult {
  const { intent, position: p } = s;
  const fail = (why: string) => result("POSITION_EXISTS", false, why);
  if (intent.positionId === null) return fail("an EXIT must name its positionId");
  if (p === null) return fail(`position ${intent.positionId} not found`);
  if (p.state === "CLOSED") return fail(`position ${p.positionId} is CLOSED`);
  if (p.tokenId !== intent.tokenId || p.windowId !== intent.windowId) {
    return fail(`position ${p.positionId} is on ${p.windowId} ${p.tokenId}`);
  }
  if (intent.side !== "SELL") return fail("an EXIT sells the position's shares");
  const held = p.size + p.provisionalSize;
  const free = held - sharesBeingSold(s);
  if (intent.size > free) {
    return fail(
      `sells ${fromMicro(intent.size)} but only ${fromMicro(Math.max(0, free))} are free`,
    );
  }
  return result("POSITION_EXISTS", true, `sells ${fromMicro(intent.size)} of ${fromMicro(held)}`);
}

/** A cancel needs a known instrument: a listed window with that token, or an order on it. */
export function cancelInstrument(s: CheckSnapshot): CheckResult {
  const { tokenId, windowId } = s.intent;
  const w = s.window;
  const listed = w !== null && (w.upTokenId === tokenId || w.downTokenId === tokenId);
  const ordered = s.tokenOrders.some((o) => o.windowId === windowId);
  const ok = listed || ordered;
  const detail = ok ? `${windowId} ${tokenId} is known` : `${windowId} ${tokenId} is unknown`;
  return result("INSTRUMENT_ALLOWED", ok, detail);
}
