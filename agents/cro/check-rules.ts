/**
 * The individual checks that are not about money: trading state, liveness, scope, the window and
 * the instrument. Money checks (caps, limits, balance, rate) are in check-limits.ts.
 */
import type { CheckResult } from "../../contracts/cro.ts";
import type { Mode } from "../../contracts/common.ts";
import { fromMicro } from "../../contracts/money.ts";
import type { CheckSnapshot } from "./check-types.ts";
import { tokenFresh } from "./feed.ts";
import { result } from "./check-result.ts";

const MODE_CONTROL: Record<Mode, string> = {
  PAPER: "paper",
  DRY_RUN: "dry-run",
  LIVE: "live",
  SIM: "sim",
};

/** ENTRY needs ACTIVE (and the mode the operator allows); EXIT anything but HALTED; CANCEL always. */
export function tradingState(s: CheckSnapshot): CheckResult {
  const { kind } = s.intent;
  if (kind === "CANCEL") return result("TRADING_STATE", true, `${s.state}: cancels always pass`);
  if (kind === "EXIT") {
    const ok = s.state !== "HALTED";
    return result("TRADING_STATE", ok, ok ? `${s.state}: exits pass` : "HALTED: only cancels pass");
  }
  if (s.state !== "ACTIVE") return result("TRADING_STATE", false, `${s.state}: no new entries`);
  const allowed = s.controls.trading_mode;
  if (MODE_CONTROL[s.mode] !== allowed) {
    return result(
      "TRADING_STATE",
      false,
      `trading_mode is ${allowed} but the fleet runs ${s.mode}`,
    );
  }
  return result("TRADING_STATE", true, "ACTIVE");
}

export function killSwitch(s: CheckSnapshot): CheckResult {
  const on = s.controls.kill_switch === "on";
  return result("KILL_SWITCH", !on, on ? "kill_switch is on" : "kill_switch is off");
}

export function duplicateIntent(s: CheckSnapshot): CheckResult {
  return s.alreadyDecided
    ? result("DUPLICATE_INTENT", false, `intent ${s.intent.intentId} was already decided`)
    : result("DUPLICATE_INTENT", true, "first decision for this intentId");
}

export function agentsAlive(s: CheckSnapshot): CheckResult {
  return s.agentsDown.length === 0
    ? result("AGENTS_ALIVE", true, "every required agent is alive")
    : result("AGENTS_ALIVE", false, `not alive: ${s.agentsDown.join(", ")}`);
}

export function feedFresh(s: CheckSnapshot): CheckResult {
  const v = tokenFresh(s.feeds, s.intent.tokenId, s.now, s.controls.feed_stale_ms);
  return result("FEED_FRESH", v.ok, v.detail);
}

/** In an allowed series, on a window the CRO has seen listed, on one of that window's tokens. */
export function instrumentAllowed(s: CheckSnapshot): CheckResult {
  const { windowId, tokenId } = s.intent;
  const allowed = s.controls.allowed_instruments;
  const inSeries = allowed.some((p) => p === "*" || windowId === p || windowId.startsWith(`${p}-`));
  if (!inSeries) {
    return result("INSTRUMENT_ALLOWED", false, `${windowId} is outside ${allowed.join(",")}`);
  }
  const w = s.window;
  if (w === null) return result("INSTRUMENT_ALLOWED", false, `window ${windowId} is not listed`);
  if (tokenId !== w.upTokenId && tokenId !== w.downTokenId) {
    return result("INSTRUMENT_ALLOWED", false, `token ${tokenId} is not a token of ${windowId}`);
  }
  return result("INSTRUMENT_ALLOWED", true, `${windowId} ${tokenId}`);
}

export function strategyAllowed(s: CheckSnapshot): CheckResult {
  const allowed = s.controls.allowed_strategies;
  const ok = allowed.includes("*") || allowed.includes(s.intent.strategy);
  return result("STRATEGY_ALLOWED", ok, `${s.intent.strategy} in ${allowed.join(",")}: ${ok}`);
}

/** A strategy the CRO halted (its kill criterion tripped, or an operator) opens nothing new. */
export function strategyHalted(s: CheckSnapshot): CheckResult {
  const h = s.strategyHalt ?? null;
  if (h === null) return result("STRATEGY_HALTED", true, `${s.intent.strategy} is not halted`);
  const detail = `${s.intent.strategy} halted by ${h.actor}: ${h.reason}`;
  return result("STRATEGY_HALTED", false, detail.slice(0, 500));
}

/** An entry stays within its strategy's manifest: its instruments, its order size. */
export function strategyManifest(s: CheckSnapshot): CheckResult {
  const m = s.strategyManifest ?? null;
  const { strategy, windowId, size } = s.intent;
  if (m === null) return result("STRATEGY_MANIFEST", true, `${strategy}: no manifest loaded`);
  if (!m.instruments.some((p) => windowId.startsWith(p))) {
    const detail = `${windowId} is outside ${strategy} ${m.version}'s instruments (${m.instruments.join(", ")})`;
    return result("STRATEGY_MANIFEST", false, detail.slice(0, 500));
  }
  const max = m.scaleUpOrderSize ?? m.orderSize;
  if (size > max) {
    const which = m.scaleUpOrderSize === undefined ? "orderSize" : "scale-up orderSize";
    const detail = `size ${fromMicro(size)} above ${strategy} ${m.version}'s ${which} ${fromMicro(max)}`;
    return result("STRATEGY_MANIFEST", false, detail);
  }
  return result("STRATEGY_MANIFEST", true, `within ${strategy} ${m.version}`);
}

/**
 * Review mode: a strategy scales up (an entry above its manifest's initial orderSize) only once
 * the trades of its first N windows are on the review list and all marked reviewed.
 */
export function strategyReviewPending(s: CheckSnapshot): CheckResult {
  const r = s.strategyReview ?? null;
  const m = s.strategyManifest ?? null;
  const { strategy, size } = s.intent;
  if (r === null || m === null)
    return result("STRATEGY_REVIEW_PENDING", true, `${strategy}: not in review mode`);
  if (size <= m.orderSize || r.done) {
    const why = r.done ? "reviews done" : `initial orderSize ${fromMicro(m.orderSize)}`;
    return result("STRATEGY_REVIEW_PENDING", true, `size ${fromMicro(size)} within ${why}`);
  }
  const detail =
    `size ${fromMicro(size)} above ${strategy}'s initial orderSize ${fromMicro(m.orderSize)}: ` +
    `scale-up needs its first ${r.firstWindows} windows reviewed (${r.windows} traded, ` +
    `${r.pending} review(s) pending: predator review list)`;
  return result("STRATEGY_REVIEW_PENDING", false, detail.slice(0, 500));
}

/**
 * A strategy whose session loss reached its manifest's `risk.sessionMaxLoss` opens nothing new
 * this session (issue 20, Phase 3); the other strategies keep trading. Exact: PnL ≤ −max.
 */
export function strategySessionLoss(s: CheckSnapshot): CheckResult {
  const max = s.strategyManifest?.sessionMaxLoss;
  const pnl = s.strategySessionPnl;
  const { strategy } = s.intent;
  if (max === undefined || pnl === undefined)
    return result("STRATEGY_SESSION_LOSS", true, `${strategy}: no session max loss`);
  const ok = pnl > -max;
  const detail =
    `${strategy} session PnL ${fromMicro(pnl)} ` +
    `${ok ? "above" : "at or below"} its manifest's session max loss -${fromMicro(max)}`;
  return result("STRATEGY_SESSION_LOSS", ok, detail);
}

/**
 * Entries buy an outcome token into the position they name; selling needs shares already held,
 * i.e. an EXIT of a position. Reported under POSITION_EXISTS: a SELL entry is a sell without a
 * position, and an entry naming no position would fill into nothing Portfolio books, so its cost
 * would leave the books and its exposure escape the position cap (found by the simulator: seed
 * 205, extreme, relaxed cadence, where a rogue strategy's entries spent 12.24 USDC off the books).
 */
export function entryBuys(s: CheckSnapshot): CheckResult {
  if (s.intent.side !== "BUY") {
    return result(
      "POSITION_EXISTS",
      false,
      "an ENTRY must BUY; selling needs a position (send an EXIT)",
    );
  }
  if (s.intent.positionId === null) {
    return result("POSITION_EXISTS", false, "an ENTRY must name the position it opens");
  }
  return result("POSITION_EXISTS", true, `entry buys into ${s.intent.positionId}`);
}

/** Entries need a known tick; exits on an untracked window are left to the venue to check. */
export function tickSize(s: CheckSnapshot): CheckResult {
  const w = s.window;
  const price = s.intent.limitPrice;
  if (w === null) {
    const ok = s.intent.kind !== "ENTRY";
    return result("TICK_SIZE", ok, "tick size unknown: window not listed");
  }
  const ok = price % w.tickSize === 0;
  const detail = `price ${fromMicro(price)} ${ok ? "on" : "off"} tick ${fromMicro(w.tickSize)}`;
  return result("TICK_SIZE", ok, detail);
}

export function minSize(s: CheckSnapshot): CheckResult {
  const w = s.window;
  if (w === null) return result("MIN_SIZE", false, "minimum size unknown: window not listed");
  const ok = s.intent.size >= w.minSize;
  return result("MIN_SIZE", ok, `size ${fromMicro(s.intent.size)} vs min ${fromMicro(w.minSize)}`);
}

export function priceBand(s: CheckSnapshot): CheckResult {
  const { price_min: lo, price_max: hi } = s.controls;
  const p = s.intent.limitPrice;
  const ok = p >= lo && p <= hi;
  return result("PRICE_BAND", ok, `${fromMicro(p)} in [${fromMicro(lo)}, ${fromMicro(hi)}]: ${ok}`);
}

/** Never act on a window that has not started (DESIGN.md). An unknown window cannot be proven. */
export function futureWindow(s: CheckSnapshot): CheckResult {
  const w = s.window;
  if (w === null) return result("FUTURE_WINDOW", false, "window unknown: cannot prove it started");
  const ok = w.startTs <= s.now;
  const detail = ok ? "window has started" : `window starts in ${w.startTs - s.now} ms`;
  return result("FUTURE_WINDOW", ok, detail);
}

/** Nothing trades on a resolved or ended window; an untracked window blocks entries only. */
export function windowClosed(s: CheckSnapshot): CheckResult {
  const w = s.window;
  if (w === null) {
    return result("WINDOW_CLOSED", s.intent.kind !== "ENTRY", "window not listed: end unknown");
  }
  if (w.status === "RESOLVED") return result("WINDOW_CLOSED", false, "window is RESOLVED");
  const ok = s.now < w.endTs;
  const detail = ok ? `window ends in ${w.endTs - s.now} ms` : "window has ended";
  return result("WINDOW_CLOSED", ok, detail);
}

/** Invariant 6: an order in UNKNOWN state blocks more orders on that token until it resolves. */
export function unknownOrder(s: CheckSnapshot): CheckResult {
  const unknown = s.tokenOrders.filter((o) => o.status === "UNKNOWN").map((o) => o.orderId);
  return unknown.length === 0
    ? result("UNKNOWN_ORDER", true, "no UNKNOWN order on this token")
    : result("UNKNOWN_ORDER", false, `UNKNOWN order(s) on this token: ${unknown.join(", ")}`);
}
