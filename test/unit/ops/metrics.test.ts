/**
 * /metrics content from bus traffic on the in-memory bus: trading state, agent liveness per
 * instance, orders, fills, rejections by reason, decision and venue latencies, bus lag.
 */
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../bus/clock.ts";
import { MemoryBroker } from "../../../bus/memory.ts";
import { MessageFactory } from "../../../bus/messages.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { HeartbeatTracker } from "../../../infra/app/fleet-view.ts";
import { OpsMetrics, reasonLabel } from "../../../infra/app/metrics.ts";

const intent = {
  intentId: "intent-1",
  strategy: "canary",
  windowId: "w-1",
  tokenId: "tok1",
  kind: "ENTRY" as const,
  side: "BUY" as const,
  orderType: "GTC" as const,
  limitPrice: 550_000,
  size: 5_000_000,
  expiresAt: null,
  positionId: null,
  exitReason: null,
  bookSeq: 1,
  reason: "edge",
};

const order = (status: "OPEN" | "REJECTED", reason: string | null) => ({
  orderId: "order-1",
  venueOrderId: null,
  intentId: "intent-1",
  decisionId: null,
  positionId: null,
  strategy: "canary",
  windowId: "w-1",
  tokenId: "tok1",
  kind: "ENTRY" as const,
  side: "BUY" as const,
  orderType: "GTC" as const,
  price: 550_000,
  size: 5_000_000,
  filledSize: 0,
  status,
  reason,
  mode: "PAPER" as const,
});

function value(text: string, series: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

describe("ops metrics", () => {
  it("exposes state, liveness, orders, fills, rejections, latencies and bus lag", async () => {
    const clock = new VirtualClock();
    const broker = new MemoryBroker({ clock, rng: new SeededRng(1) });
    const bus = broker.connect("ops.test");
    const tracker = new HeartbeatTracker(clock);
    tracker.start(bus);
    const metrics = new OpsMetrics(clock, tracker, () => [
      { name: "portfolio.1", pid: 9, alive: false },
    ]);
    metrics.start(bus);
    const send = (agent: string) =>
      new MessageFactory(clock, new SeededRng(agent), { agent, instance: "1" });
    const hb = (agent: string, leader: boolean | null) =>
      send(agent).make("hb", {
        agent,
        instance: "1",
        seq: 1,
        lifecycle: "running",
        leader,
        pid: 9,
        startedAt: 0,
        mailboxDepth: 0,
        intervalMs: 500,
      });

    await bus.publish(hb("cro", true));
    await bus.publish(hb("portfolio", true));
    await bus.publish(
      send("cro").make("cro.state", {
        state: "PAUSED",
        reason: "operator",
        since: 0,
        epoch: 1,
        blockers: [],
        operatorHold: true,
        agents: [],
      }),
    );
    await bus.publish(send("strategy").make("strategy.intent", intent));
    await clock.advance(4);
    await bus.publish(
      send("cro").make("cro.decision", {
        decisionId: "d-1",
        intentHash: "a".repeat(64),
        intent,
        approved: false,
        reasons: ["POSITION_CAP", "ORDER_RATE"],
        checks: [],
        epoch: 1,
        expiresAt: clock.now() + 3_000,
      }),
    );
    await bus.publish(send("execution").make("exec.order.submitted", order("OPEN", null)));
    await clock.advance(20);
    await bus.publish(
      send("execution").make("exec.order.rejected", order("REJECTED", "price out of band: 0.99")),
    );
    await bus.publish(
      send("execution").make("exec.fill", {
        tradeId: "t-1",
        orderId: "order-1",
        venueOrderId: null,
        intentId: "intent-1",
        positionId: null,
        strategy: "canary",
        windowId: "w-1",
        tokenId: "tok1",
        kind: "ENTRY",
        side: "BUY",
        price: 550_000,
        size: 5_000_000,
        fee: 1_000,
        liquidity: "TAKER",
        status: "MATCHED",
        intendedPrice: 550_000,
        mode: "PAPER",
      }),
    );
    await clock.advance(100);

    const text = await metrics.text();
    expect(value(text, 'predator_trading_state{state="PAUSED"}')).toBe(1);
    expect(value(text, 'predator_trading_state{state="ACTIVE"}')).toBe(0);
    expect(value(text, 'predator_agent_up{agent="cro",instance="1",role="leader"}')).toBe(1);
    // The supervisor says portfolio.1 died: down at once although its heartbeat is fresh.
    expect(value(text, 'predator_agent_up{agent="portfolio",instance="1",role="leader"}')).toBe(0);
    expect(
      value(text, 'predator_agent_heartbeat_age_seconds{agent="cro",instance="1"}'),
    ).toBeGreaterThan(0);
    expect(text).toContain('predator_bus_delivery_lag_seconds{agent="cro",instance="1"}');
    expect(value(text, 'predator_orders_total{event="submitted"}')).toBe(1);
    expect(value(text, 'predator_orders_total{event="rejected"}')).toBe(1);
    expect(value(text, 'predator_fills_total{status="MATCHED"}')).toBe(1);
    expect(value(text, 'predator_rejections_total{source="cro",reason="POSITION_CAP"}')).toBe(1);
    expect(
      value(text, 'predator_rejections_total{source="venue",reason="price_out_of_band"}'),
    ).toBe(1);
    expect(value(text, 'predator_decisions_total{approved="false"}')).toBe(1);
    expect(value(text, "predator_decision_latency_seconds_count")).toBe(1);
    expect(value(text, "predator_decision_latency_seconds_sum")).toBeCloseTo(0.004, 6);
    expect(value(text, "predator_venue_latency_seconds_count")).toBe(1);
    expect(value(text, "predator_venue_latency_seconds_sum")).toBeCloseTo(0.02, 6);
    await metrics.stop();
    await tracker.stop();
  });

  it("turns free-text reasons into bounded labels", () => {
    expect(reasonLabel(null)).toBe("unspecified");
    expect(reasonLabel("insufficient balance: have 3, need 5")).toBe("insufficient_balance");
    expect(reasonLabel('order "abc-123" unknown')).toBe("order");
    expect(reasonLabel("12345")).toBe("other");
  });
});
