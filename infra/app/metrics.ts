/**
 * Prometheus metrics of the running fleet, fed only by the bus (and the supervisor's children when
 * `predator up` serves them): trading state, agent liveness per instance, orders, fills,
 * rejections by reason, decision and venue latencies, and bus lag (heartbeat age and delivery lag).
 * Counters count what this process has seen since it started.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Bus, Subscription } from "../../bus/port.ts";
import type { Clock } from "../../bus/clock.ts";
import { tradingState } from "../../contracts/common.ts";
import { ORDER_EVENTS, type OrderEvent } from "../../contracts/orders.ts";
import { agentRows, type HeartbeatTracker, type LocalChild } from "./fleet-view.ts";

/** Bound on the intents and orders remembered to measure latencies. */
export const LATENCY_PENDING_MAX = 10_000;
const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Venue answers that end the submit → answer latency. */
const VENUE_ANSWERS: readonly OrderEvent[] = [
  "accepted",
  "rejected",
  "filled",
  "partially_filled",
  "unknown",
];

export class OpsMetrics {
  readonly registry = new Registry();
  private readonly subs: Subscription[] = [];
  private readonly intentsSeenAt = new Map<string, number>();
  private readonly submittedAt = new Map<string, number>();
  private readonly state: Gauge;
  private readonly orders: Counter;
  private readonly fills: Counter;
  private readonly rejections: Counter;
  private readonly decisions: Counter;
  private readonly decisionLatency: Histogram;
  private readonly venueLatency: Histogram;

  constructor(clock: Clock, tracker: HeartbeatTracker, local: () => readonly LocalChild[]) {
    const registers = [this.registry];
    this.state = new Gauge({
      name: "predator_trading_state",
      help: "1 for the CRO's current trading state (from cro.state), 0 for the others",
      labelNames: ["state"],
      registers,
    });
    this.orders = new Counter({
      name: "predator_orders_total",
      help: "order events seen on exec.order.*",
      labelNames: ["event"],
      registers,
    });
    this.fills = new Counter({
      name: "predator_fills_total",
      help: "fills seen on exec.fill",
      labelNames: ["status"],
      registers,
    });
    this.rejections = new Counter({
      name: "predator_rejections_total",
      help: "CRO vetoes (by check code), orders refused by Execution and rejected by the venue",
      labelNames: ["source", "reason"],
      registers,
    });
    this.decisions = new Counter({
      name: "predator_decisions_total",
      help: "CRO decisions",
      labelNames: ["approved"],
      registers,
    });
    this.decisionLatency = new Histogram({
      name: "predator_decision_latency_seconds",
      help: "intent published → CRO decision published (message timestamps)",
      buckets: LATENCY_BUCKETS_S,
      registers,
    });
    this.venueLatency = new Histogram({
      name: "predator_venue_latency_seconds",
      help: "order submitted → first venue answer (message timestamps)",
      buckets: LATENCY_BUCKETS_S,
      registers,
    });
    const heartbeatRows = () => agentRows(tracker.instances(), [], local(), clock.now());
    new Gauge({
      name: "predator_agent_up",
      help: "1 when the instance's heartbeat is fresh and says running (and its process is alive)",
      labelNames: ["agent", "instance", "role"],
      registers,
      collect() {
        this.reset();
        for (const r of heartbeatRows())
          this.set(
            { agent: r.agent, instance: r.instance, role: r.role ?? "unknown" },
            r.alive ? 1 : 0,
          );
      },
    });
    new Gauge({
      name: "predator_agent_heartbeat_age_seconds",
      help: "time since the instance's last heartbeat was received",
      labelNames: ["agent", "instance"],
      registers,
      collect() {
        this.reset();
        for (const r of heartbeatRows())
          if (r.heartbeatAgeMs !== null)
            this.set({ agent: r.agent, instance: r.instance }, r.heartbeatAgeMs / 1000);
      },
    });
    new Gauge({
      name: "predator_bus_delivery_lag_seconds",
      help: "receipt time − send time of the instance's last heartbeat (bus lag, clock skew included)",
      labelNames: ["agent", "instance"],
      registers,
      collect() {
        this.reset();
        for (const h of tracker.instances())
          this.set({ agent: h.agent, instance: h.instance }, h.deliveryLagMs / 1000);
      },
    });
    for (const s of tradingState.options) this.state.set({ state: s }, 0);
  }

  start(bus: Bus): void {
    let current: string | null = null;
    this.subs.push(
      bus.subscribe("cro.state", (m) => {
        if (current !== null && current !== m.state) this.state.set({ state: current }, 0);
        current = m.state;
        this.state.set({ state: m.state }, 1);
      }),
      bus.subscribe("strategy.intent", (m) => {
        remember(this.intentsSeenAt, m.intentId, m.ts);
      }),
      bus.subscribe("portfolio.exit", (m) => {
        remember(this.intentsSeenAt, m.intentId, m.ts);
      }),
      bus.subscribe("cro.decision", (m) => {
        this.decisions.inc({ approved: String(m.approved) });
        for (const reason of m.reasons) this.rejections.inc({ source: "cro", reason });
        observeSince(this.decisionLatency, this.intentsSeenAt, m.intent.intentId, m.ts);
      }),
      bus.subscribe("exec.fill", (m) => {
        this.fills.inc({ status: m.status });
      }),
    );
    for (const event of ORDER_EVENTS) {
      this.subs.push(
        bus.subscribe(`exec.order.${event}`, (m) => {
          this.orders.inc({ event });
          if (event === "submitted") remember(this.submittedAt, m.orderId, m.ts);
          if (VENUE_ANSWERS.includes(event))
            observeSince(this.venueLatency, this.submittedAt, m.orderId, m.ts);
          if (event === "rejected")
            this.rejections.inc({ source: "venue", reason: reasonLabel(m.reason) });
          if (event === "refused")
            this.rejections.inc({ source: "execution", reason: reasonLabel(m.reason) });
        }),
      );
    }
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async stop(): Promise<void> {
    await Promise.all(this.subs.splice(0).map((s) => s.unsubscribe()));
  }
}

function remember(map: Map<string, number>, key: string, ts: number): void {
  if (map.has(key)) return;
  map.set(key, ts);
  if (map.size > LATENCY_PENDING_MAX) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
}

function observeSince(h: Histogram, map: Map<string, number>, key: string, ts: number): void {
  const start = map.get(key);
  if (start === undefined) return;
  map.delete(key);
  h.observe(Math.max(0, ts - start) / 1000);
}

/**
 * A bounded label from a free-text reason: its first words up to a colon or digit, so ids and
 * amounts in the text do not create a new series each.
 */
export function reasonLabel(reason: string | null): string {
  if (reason === null || reason.trim() === "") return "unspecified";
  const head = reason.split(/[:(\d"]/)[0] ?? "";
  const label = head
    .trim()
    .toLowerCase()
    .replace(/[^a-z_ ]/g, "")
    .replace(/\s+/g, "_")
    .slice(0, 40);
  return label === "" ? "other" : label;
}
