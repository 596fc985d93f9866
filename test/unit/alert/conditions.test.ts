/**
 * The conditions the Alert agent detects on its own timer or from streams of state: agent deaths,
 * feed trouble, drawdown thresholds, the daily summary. Delivered over real HTTP (JSON format).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Payload } from "../../../bus/messages.ts";
import { AlertBench, T0 } from "./harness.ts";
import { readinessOverrideAudit } from "../../../agents/alert/overrides.ts";

let bench: AlertBench;
afterEach(async () => {
  await bench.stop();
});

async function jsonOnly(config: Record<string, unknown> = {}): Promise<AlertBench> {
  const b = new AlertBench();
  await b.receiver.open();
  await b.start({ webhooks: [{ format: "json", url: b.receiver.url("/json") }], ...config });
  return b;
}

const titles = (b: AlertBench) => b.receiver.received.map((r) => String(r.body.title));

function heartbeat(seq: number): Payload<"hb"> {
  return {
    agent: "execution",
    instance: "1",
    seq,
    lifecycle: "running",
    leader: true,
    pid: 7,
    startedAt: T0,
    mailboxDepth: 0,
    intervalMs: 500,
  };
}

function position(realizedPnl: number, id = "pos-1"): Payload<"portfolio.position"> {
  return {
    positionId: id,
    strategy: "canary",
    windowId: `btc-updown-15m-${T0 / 1000}`,
    tokenId: "tok-up",
    mode: "PAPER",
    state: "CLOSED",
    size: 0,
    provisionalSize: 0,
    avgEntryPrice: 500_000,
    costBasis: 0,
    fees: 0,
    realizedPnl,
    unrealizedPnl: 0,
    markPrice: null,
    exitReason: "STOP_LOSS",
    openedAt: T0,
    closedAt: T0 + 1_000,
  };
}

describe("Alert agent conditions", () => {
  it("reports an agent dead once when its heartbeats stop, and back when they resume", async () => {
    bench = await jsonOnly({ agentTimeoutMs: 2_500 });
    for (let seq = 0; seq < 4; seq++) {
      await bench.publish("hb", heartbeat(seq));
      await bench.drive(() => false, 500, 1);
    }
    expect(titles(bench)).toEqual([]);
    await bench.drive(() => bench.receiver.received.length > 0, 100, 40);
    await bench.drive(() => false, 500, 10); // silent for longer still: no second alert
    expect(titles(bench)).toEqual(["Agent dead: execution.1"]);
    expect(bench.receiver.received[0]?.body.severity).toBe("CRITICAL");
    await bench.publish("hb", heartbeat(5));
    await bench.drive(() => bench.receiver.received.length > 1, 100, 10);
    expect(titles(bench)).toEqual(["Agent dead: execution.1", "Agent back: execution.1"]);
  });

  it("alerts on a stale feed once per dedupe window, and on its recovery", async () => {
    bench = await jsonOnly({ dedupeWindowMs: 60_000 });
    const health = (status: "OK" | "STALE"): Payload<"md.health"> => ({
      feed: "venue",
      status,
      staleTokens: status === "STALE" ? ["tok-up"] : [],
      lastMessageAgeMs: 6_000,
      gapsTotal: 0,
    });
    for (let i = 0; i < 5; i++) {
      await bench.publish("md.health", health("STALE"), "market-data");
      await bench.drive(() => false, 1_000, 1);
    }
    await bench.publish("md.health", health("OK"), "market-data");
    await bench.drive(() => bench.receiver.received.length >= 2, 100, 20);
    expect(titles(bench)).toEqual(["Market feed venue STALE", "Market feed venue recovered"]);
  });

  it("alerts at 50% and 80% of the daily drawdown limit, each once", async () => {
    bench = await jsonOnly();
    await bench.publish("portfolio.position", position(-9_000_000), "portfolio"); // 45% of $20
    await bench.drive(() => false, 100, 5);
    expect(titles(bench)).toEqual([]);
    await bench.publish("portfolio.position", position(-11_000_000), "portfolio"); // 55%
    await bench.drive(() => bench.receiver.received.length >= 1, 100, 10);
    await bench.publish("portfolio.position", position(-6_000_000, "pos-2"), "portfolio"); // 85%
    await bench.drive(() => bench.receiver.received.length >= 2, 100, 10);
    await bench.publish("portfolio.position", position(-1_000_000, "pos-3"), "portfolio"); // 90%
    await bench.drive(() => false, 1_000, 3);
    expect(titles(bench)).toEqual([
      "Daily drawdown at 50% of the limit",
      "Daily drawdown at 80% of the limit",
    ]);
    expect(bench.receiver.received.map((r) => r.body.severity)).toEqual(["WARNING", "CRITICAL"]);
    expect(String(bench.receiver.received[1]?.body.body)).toContain("-$17.00");
  });

  it("counts today's closed positions from the store after a restart", async () => {
    bench = new AlertBench();
    const closed = { ...position(-11_000_000), machineVersion: 1, snapshot: {}, updatedAt: T0 };
    await bench.store.savePosition(closed);
    await bench.receiver.open();
    await bench.start({ webhooks: [{ format: "json", url: bench.receiver.url("/json") }] });
    await bench.drive(() => bench.receiver.received.length > 0, 100, 20);
    expect(titles(bench)).toEqual(["Daily drawdown at 50% of the limit"]);
  });

  it("sends the daily summary at the configured UTC hour, from the store", async () => {
    bench = new AlertBench();
    await bench.receiver.open();
    await bench.store.appendCroEvent({
      ts: T0 - 2 * 86_400_000,
      epoch: 1,
      state: "ACTIVE",
      reason: "ok",
      actor: "cro",
      operatorHold: false,
      detail: null,
    });
    await bench.store.appendCroEvent({
      ts: T0 + 1_800_000,
      epoch: 1,
      state: "PAUSED",
      reason: "feed",
      actor: "cro",
      operatorHold: false,
      detail: null,
    });
    await bench.start({
      webhooks: [{ format: "json", url: bench.receiver.url("/json") }],
      summaryHourUtc: 1,
    });
    await bench.clock.advance(3_600_000 - 500);
    await bench.idle();
    expect(titles(bench)).toEqual([]);
    await bench.drive(() => bench.receiver.received.length > 0, 100, 20);
    expect(titles(bench)).toEqual(["Daily summary 2025-12-31"]);
    const body = String(bench.receiver.received[0]?.body.body);
    expect(body).toContain("Trades: 0 fills");
    expect(body).toContain("Assertions: no checks seen");
    // ACTIVE from before the period until T0 + 30 min, PAUSED after: 23.5 h of 24 h.
    expect(body).toContain("Uptime: trading ACTIVE 97.9% of the period");
  });

  it("alerts when the CRO halts a strategy, once, and when it is resumed", async () => {
    bench = await jsonOnly();
    const state = (halts: Payload<"cro.state">["strategyHalts"]): Payload<"cro.state"> => ({
      state: "ACTIVE",
      reason: "all clear",
      since: T0,
      epoch: 1,
      blockers: [],
      operatorHold: false,
      agents: [],
      strategyHalts: halts,
    });
    const halt = {
      strategy: "cheap-side",
      reason:
        "kill criterion: cheap-side 1.0.0: 20 settled trades (min 20); win rate 2/20 = 10.00% OUTSIDE [40, 70]%",
      since: T0 + 5_000,
      actor: "cro",
      manifestVersion: "1.0.0",
    };
    await bench.publish("cro.state", state([]), "cro");
    await bench.publish("cro.state", state([halt]), "cro");
    await bench.drive(() => bench.receiver.received.length > 0, 100, 20);
    // Republished every 500 ms: the same halt is the same incident.
    await bench.publish("cro.state", state([halt]), "cro");
    await bench.drive(() => false, 100, 5);
    expect(titles(bench)).toEqual(["Strategy halted: cheap-side"]);
    const first = bench.receiver.received[0]?.body;
    expect(first?.severity).toBe("CRITICAL");
    expect(String(first?.body)).toContain("win rate 2/20 = 10.00% OUTSIDE [40, 70]%");
    expect(String(first?.body)).toContain("predator strategy resume cheap-side");
    await bench.publish("cro.state", state([]), "cro");
    await bench.drive(() => bench.receiver.received.length > 1, 100, 20);
    expect(titles(bench)).toEqual(["Strategy halted: cheap-side", "Strategy resumed: cheap-side"]);
  });

  it("alerts a readiness override once: the one `predator up` wrote before the fleet, and later ones", async () => {
    bench = new AlertBench();
    await bench.receiver.open();
    // Written by `predator up --mode live --override-readiness` just before the fleet starts, and
    // one from two days ago: history, not news.
    const missing = ["canary", "kill-switch-drill"];
    await bench.store.appendAudit(
      readinessOverrideAudit(T0 - 2 * 86_400_000, "old", "long ago", missing, []),
    );
    await bench.store.appendAudit(
      readinessOverrideAudit(T0 - 5_000, "carol", "staging wallet drill", missing, []),
    );
    await bench.start({ webhooks: [{ format: "json", url: bench.receiver.url("/json") }] });
    await bench.drive(() => bench.receiver.received.length > 0, 100, 20);
    await bench.drive(() => false, 500, 6); // several check ticks: no repeat
    expect(titles(bench)).toEqual([
      "Readiness overridden: LIVE start without the go-live evidence",
    ]);
    const first = bench.receiver.received[0]?.body;
    expect(first?.severity).toBe("CRITICAL");
    expect(String(first?.body)).toContain("Overridden by carol");
    expect(String(first?.body)).toContain("Reason: staging wallet drill");
    expect(String(first?.body)).toContain("Missing evidence: canary, kill-switch-drill");
    // Another override while it runs is alerted on the next check.
    await bench.store.appendAudit(
      readinessOverrideAudit(bench.clock.now(), "dave", "second try", ["exits"], []),
    );
    await bench.drive(() => bench.receiver.received.length > 1, 100, 30);
    expect(String(bench.receiver.received[1]?.body.body)).toContain("Overridden by dave");
    // A restarted Alert agent does not alert the stored ones again.
    await bench.fleet.kill("alert", "1");
    await bench.start({ webhooks: [{ format: "json", url: bench.receiver.url("/json") }] }, "2");
    await bench.store.appendAudit(
      readinessOverrideAudit(bench.clock.now(), "erin", "third", ["exits"], []),
    );
    await bench.drive(() => bench.receiver.received.length > 2, 100, 60);
    await bench.drive(() => false, 500, 4);
    expect(bench.receiver.received.map((r) => String(r.body.body).split("\n")[0])).toEqual([
      expect.stringMatching(/^Overridden by carol/),
      expect.stringMatching(/^Overridden by dave/),
      expect.stringMatching(/^Overridden by erin/),
    ]);
  });
});
