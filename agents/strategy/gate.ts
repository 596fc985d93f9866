/**
 * The checks between a strategy's Signal and a published intent. Pure. The CRO checks again and
 * owns every limit; these exist so the Strategy agent itself never acts blind (no fresh ACTIVE
 * cro.state), never acts on a window that has not started, and never forwards a malformed signal.
 */
import type { TradingState } from "../../contracts/common.ts";
import { MICRO } from "../../contracts/money.ts";
import type { WindowInfo } from "./market-view.ts";
import type { Signal } from "./strategy.ts";

const SIDES = ["BUY", "SELL"] as const;
const ORDER_TYPES = ["GTC", "FOK", "FAK"] as const;

export interface CroSeen {
  state: TradingState;
  /** The cro.state message's own timestamp (the CRO's clock). */
  ts: number;
  epoch: number;
}

export type GateResult = { ok: true } | { ok: false; reason: string };

/** Entries only while the last cro.state is ACTIVE and younger than `croSilenceMs`. */
export function croGate(last: CroSeen | null, now: number, croSilenceMs: number): GateResult {
  if (last === null) return { ok: false, reason: "no cro.state yet" };
  if (now - last.ts >= croSilenceMs) {
    return { ok: false, reason: `cro.state silent for ${now - last.ts} ms` };
  }
  if (last.state !== "ACTIVE") return { ok: false, reason: `trading state ${last.state}` };
  return { ok: true };
}

/** A window may be acted on only while OPEN, started and not yet ended. */
export function windowGate(w: WindowInfo, now: number): GateResult {
  if (now < w.startTs) return { ok: false, reason: "window has not started" };
  if (w.status !== "OPEN") return { ok: false, reason: `window ${w.status}` };
  if (now >= w.endTs) return { ok: false, reason: "window ended" };
  return { ok: true };
}

/** A signal must name one of the window's tokens and carry a sane price and size. */
export function checkSignal(s: Signal, w: WindowInfo): GateResult {
  if (s.tokenId !== w.upTokenId && s.tokenId !== w.downTokenId) {
    return { ok: false, reason: `token ${s.tokenId} is not in window ${w.windowId}` };
  }
  if (!Number.isInteger(s.limitPrice) || s.limitPrice <= 0 || s.limitPrice >= MICRO) {
    return { ok: false, reason: `limit price ${s.limitPrice} outside (0, 1)` };
  }
  if (!Number.isInteger(s.size) || s.size <= 0) return { ok: false, reason: `size ${s.size}` };
  // Strategies are plug-ins: check at run time what the types promise.
  if (!(SIDES as readonly string[]).includes(s.side)) return { ok: false, reason: "bad side" };
  if (!(ORDER_TYPES as readonly string[]).includes(s.orderType)) {
    return { ok: false, reason: "bad order type" };
  }
  return { ok: true };
}
