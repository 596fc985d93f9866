/**
 * The assertions over fills, positions, exposure and liveness (the order-id ones are in
 * assertions.ts). Pure.
 */
import type { AssertionResult } from "../../contracts/recon.ts";
import { formatUsd, fromMicro, notional } from "../../contracts/money.ts";
import type { OrderStatus } from "../../contracts/orders.ts";
import type { FillRecord, OrderRecord } from "../runtime/store.ts";
import { type AssertionInput, verdict } from "./assertion-kit.ts";

/** No fill stays MATCHED (unconfirmed) past the bound: Execution must confirm or void it. */
export function fillConfirmation(i: AssertionInput): AssertionResult {
  const bound = i.limits.confirmBoundMs;
  const offenders = i.fills
    .filter((f) => f.status === "MATCHED" && i.now - f.ts > bound)
    .map((f) => `${f.tradeId} MATCHED for ${i.now - f.ts} ms`);
  return verdict("fill-confirmation", offenders, `no fill MATCHED longer than ${bound} ms`);
}

export function positionCount(i: AssertionInput): AssertionResult {
  const n = i.openPositions.length;
  const max = i.limits.openPositionsMax;
  const offenders = n > max ? [`${n} open positions, at most ${max} allowed`] : [];
  return verdict("position-count", offenders, `${n} open position(s) of at most ${max}`);
}

/**
 * Realized PnL recomputed from a closed position's confirmed fills, net of fees: sells in, buys out.
 * Settlement pays out at 1 or 0 without a fill, so a settled position may also equal that plus its
 * remaining shares at $1. Each fill's notional is floored, so one micro-unit per fill is tolerated.
 */
export function expectedRealized(fills: readonly FillRecord[]): {
  flows: number;
  netShares: number;
} {
  let flows = 0;
  let netShares = 0;
  for (const f of fills) {
    const value = notional(f.size, f.price);
    flows += (f.side === "SELL" ? value : -value) - f.fee;
    netShares += f.side === "BUY" ? f.size : -f.size;
  }
  return { flows, netShares };
}

export function pnlMatch(i: AssertionInput): AssertionResult {
  const byPosition = new Map<string, FillRecord[]>();
  for (const f of i.fills) {
    if (f.positionId === null || f.status === "FAILED") continue;
    const list = byPosition.get(f.positionId) ?? [];
    list.push(f);
    byPosition.set(f.positionId, list);
  }
  const offenders: string[] = [];
  let checked = 0;
  for (const p of i.closedPositions) {
    const fills = byPosition.get(p.positionId) ?? [];
    // A provisional fill may still be voided; judge the position once every fill is final.
    if (fills.some((f) => f.status === "MATCHED")) continue;
    checked++;
    const { flows, netShares } = expectedRealized(fills);
    const tolerance = fills.length;
    const asExited = Math.abs(p.realizedPnl - flows) <= tolerance;
    const asSettledAtOne =
      netShares > 0 && Math.abs(p.realizedPnl - (flows + netShares)) <= tolerance;
    if (!asExited && !asSettledAtOne) {
      const settled = netShares > 0 ? ` or ${fromMicro(flows + netShares)} if settled at 1` : "";
      offenders.push(
        `${p.positionId}: realized ${fromMicro(p.realizedPnl)}, fills give ${fromMicro(flows)}${settled}`,
      );
    }
  }
  return verdict("pnl-match", offenders, `${checked} closed position(s) match their fills`);
}

/** Statuses of an order that may still fill (UNKNOWN may exist at the venue). */
const LIVE: ReadonlySet<OrderStatus> = new Set([
  "PENDING",
  "SUBMITTED",
  "OPEN",
  "PARTIALLY_FILLED",
  "UNKNOWN",
]);

/** What a BUY order may still add to its position: the unfilled part at its limit price. */
export function stillCommitted(o: OrderRecord): number {
  if (o.side !== "BUY" || !LIVE.has(o.status)) return 0;
  return notional(Math.max(0, o.size - o.filledSize), o.price);
}

/**
 * Open exposure per position stays within `position_cap_usd`, as the CRO's POSITION_CAP check
 * counts it: what the held shares cost (costBasis) plus what its live BUY orders may still cost at
 * their limit prices. Positions opened before the last change of the cap are judged by the cap
 * they were opened under, which the store no longer has, so they are skipped.
 */
export function capitalCap(i: AssertionInput): AssertionResult {
  const cap = i.controls.position_cap_usd;
  const exposure = new Map<string, { amount: number; since: number }>();
  const add = (key: string, amount: number, at: number) => {
    const e = exposure.get(key) ?? { amount: 0, since: at };
    exposure.set(key, { amount: e.amount + amount, since: Math.min(e.since, at) });
  };
  for (const p of i.openPositions) add(p.positionId, p.costBasis, p.openedAt);
  for (const o of i.orders) {
    if (stillCommitted(o) > 0)
      add(o.positionId ?? `order:${o.orderId}`, stillCommitted(o), o.createdAt);
  }
  const offenders: string[] = [];
  let total = 0;
  for (const [key, e] of exposure) {
    total += e.amount;
    if (e.since < i.controlsChangedAt.positionCap || e.amount <= cap) continue;
    offenders.push(`${key}: ${formatUsd(e.amount)} committed, cap ${formatUsd(cap)}`);
  }
  return verdict(
    "capital-cap",
    offenders,
    `open exposure ${formatUsd(total)}, cap ${formatUsd(cap)} per position`,
  );
}

/**
 * Every required agent has an instance whose heartbeat is fresh and that is not stopping; for a
 * singleton that instance must hold the lease (a hot standby alone does no work).
 *
 * Silence is evidence only when the reconciler could hear: it is not judged while the reconciler's
 * own bus is down, it counts from the moment the bus came back, and when no heartbeat at all (not
 * even the reconciler's own, which comes back to it over the bus) arrived within the timeout, the
 * reconciler's own receiving path (its connection, its event loop) is what is silent. A bus-wide
 * outage is an infrastructure fault: the CRO's liveness pauses trading on it and recovers when the
 * heartbeats are back; it must not latch a HALTED on a runtime assertion (issue 19).
 */
export function heartbeats(i: AssertionInput): AssertionResult {
  const timeout = i.limits.agentTimeoutMs;
  const required = `${i.limits.requiredAgents.length} required agent(s) alive`;
  if (i.bus.down) return notJudged("the reconciler is disconnected from the bus");
  const newest = Math.max(...i.heartbeats.map((h) => h.lastSeenAt));
  if (i.heartbeats.length > 0 && i.now - newest > timeout) {
    return notJudged(`no heartbeat from any agent for ${i.now - newest} ms`);
  }
  const back = i.bus.backAt ?? Number.NEGATIVE_INFINITY;
  const offenders: string[] = [];
  for (const agent of i.limits.requiredAgents) {
    const seen = i.heartbeats.filter((h) => h.agent === agent);
    const fresh = seen.filter(
      (h) =>
        i.now - Math.max(h.lastSeenAt, back) <= timeout &&
        h.lifecycle !== "stopping" &&
        h.lifecycle !== "stopped",
    );
    const singleton = seen.some((h) => h.leader !== null);
    if (fresh.some((h) => !singleton || h.leader === true)) continue;
    if (seen.length === 0) {
      if (i.now - Math.max(i.startedAt, back) > i.limits.startupGraceMs) {
        offenders.push(`${agent}: no heartbeat seen`);
      }
    } else if (fresh.length > 0) {
      offenders.push(`${agent}: no instance holds the lease`);
    } else {
      const last = Math.max(...seen.map((h) => h.lastSeenAt));
      offenders.push(`${agent}: last heartbeat ${i.now - last} ms ago`);
    }
  }
  return verdict("heartbeats", offenders, required);
}

function notJudged(why: string): AssertionResult {
  return { name: "heartbeats", passed: true, detail: `not judged: ${why}` };
}
