/**
 * The operator's event feed: trading-state changes, CRO decisions, orders, fills, reconciliation
 * mismatches and alerts, each reduced to one flat record. Live from the bus (`--follow`) or, for
 * recent history, from PostgreSQL (cro_events, orders, fills, alerts).
 */
import type { Bus, Subscription } from "../../bus/port.ts";
import { ORDER_EVENTS } from "../../contracts/orders.ts";
import { formatUsd, fromMicro } from "../../contracts/money.ts";
import type { Store } from "../../agents/runtime/store.ts";

export interface OpsEvent {
  ts: number;
  /** state | decision | order.<event> | fill | recon.mismatch | alert */
  kind: string;
  text: string;
  detail: Record<string, unknown>;
}

/** Subscribes to every event type; `emit` gets each as it arrives. */
export function followEvents(bus: Bus, emit: (e: OpsEvent) => void): Subscription[] {
  let last: string | null = null;
  const subs: Subscription[] = [
    // cro.state is republished periodically: only a change of state or reason is an event.
    bus.subscribe("cro.state", (m) => {
      const key = `${m.state}|${m.reason}`;
      if (key === last) return;
      last = key;
      emit({
        ts: m.ts,
        kind: "state",
        text: `${m.state} — ${m.reason}`,
        detail: { state: m.state, reason: m.reason, epoch: m.epoch },
      });
    }),
    bus.subscribe("cro.decision", (m) => {
      const i = m.intent;
      const verdict = m.approved ? "approved" : `vetoed (${m.reasons.join(", ")})`;
      emit({
        ts: m.ts,
        kind: "decision",
        text: `${verdict} ${i.kind} ${i.side} ${i.windowId} by ${i.strategy}`,
        detail: {
          decisionId: m.decisionId,
          intentId: i.intentId,
          approved: m.approved,
          reasons: m.reasons,
        },
      });
    }),
    bus.subscribe("exec.fill", (m) => {
      emit({
        ts: m.ts,
        kind: "fill",
        text: `${m.status} ${m.side} ${fromMicro(m.size)} sh @ ${fromMicro(m.price)} fee ${formatUsd(m.fee)} order ${m.orderId}`,
        detail: { tradeId: m.tradeId, orderId: m.orderId, status: m.status },
      });
    }),
    bus.subscribe("recon.mismatch", (m) => {
      emit({
        ts: m.ts,
        kind: "recon.mismatch",
        text: `${m.mismatches.length} mismatch(es) in run ${m.runId}`,
        detail: { runId: m.runId },
      });
    }),
    bus.subscribe("alert.sent", (m) => {
      emit({
        ts: m.ts,
        kind: "alert",
        text: `${m.severity} ${m.title}`,
        detail: { alertId: m.alertId },
      });
    }),
  ];
  for (const event of ORDER_EVENTS) {
    subs.push(
      bus.subscribe(`exec.order.${event}`, (m) => {
        emit({
          ts: m.ts,
          kind: `order.${event}`,
          text: `${m.orderId} ${m.side} ${fromMicro(m.size)} sh @ ${fromMicro(m.price)} ${m.status}${m.reason === null ? "" : ` (${m.reason})`}`,
          detail: { orderId: m.orderId, status: m.status, reason: m.reason },
        });
      }),
    );
  }
  return subs;
}

/** Bound on the rows read from each table. */
const ROWS_PER_TABLE_MAX = 10_000;

/** The most recent `limit` events since `sinceTs` from PostgreSQL, oldest first. */
export async function recentEvents(
  store: Store,
  sinceTs: number,
  limit: number,
): Promise<OpsEvent[]> {
  const rows = { limit: ROWS_PER_TABLE_MAX };
  const [states, orders, fills, alerts] = await Promise.all([
    store.listCroEvents({ sinceTs, ...rows }),
    store.listOrders(rows),
    store.listFills(rows),
    store.listAlerts(rows),
  ]);
  const events: OpsEvent[] = [
    ...states.map((e) => ({
      ts: e.ts,
      kind: "state",
      text: `${e.state} — ${e.reason} (by ${e.actor})`,
      detail: { state: e.state, reason: e.reason, actor: e.actor, epoch: e.epoch },
    })),
    ...orders.map((o) => ({
      ts: o.updatedAt,
      kind: `order.${o.status.toLowerCase()}`,
      text: `${o.orderId} ${o.side} ${fromMicro(o.size)} sh @ ${fromMicro(o.price)} ${o.status}${o.reason === null ? "" : ` (${o.reason})`}`,
      detail: { orderId: o.orderId, status: o.status },
    })),
    ...fills.map((f) => ({
      ts: f.ts,
      kind: "fill",
      text: `${f.status} ${f.side} ${fromMicro(f.size)} sh @ ${fromMicro(f.price)} fee ${formatUsd(f.fee)} order ${f.orderId}`,
      detail: { tradeId: f.tradeId, orderId: f.orderId, status: f.status },
    })),
    ...alerts.map((a) => ({
      ts: a.createdAt,
      kind: "alert",
      text: `${a.severity} ${a.title}`,
      detail: { alertId: a.alertId, status: a.status },
    })),
  ];
  return events
    .filter((e) => e.ts >= sinceTs)
    .sort((a, b) => a.ts - b.ts)
    .slice(-limit);
}

export function formatEvent(e: OpsEvent, json: boolean): string {
  if (json) return JSON.stringify(e);
  return `${new Date(e.ts).toISOString()}  ${e.kind.padEnd(16)} ${e.text}`;
}
