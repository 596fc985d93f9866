/**
 * `predator trade-once` reports every step even when the order's terminal event overtakes the
 * CRO's decision: they come from different agents on different subjects, so either may be
 * delivered first (seen in the parity suite once an unrelated change moved the interleaving).
 */
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../bus/clock.ts";
import { MemoryBroker } from "../../../bus/memory.ts";
import { MessageFactory } from "../../../bus/messages.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { tradeOnce, type TradeReport } from "../../../infra/cli/commands/trade-once.ts";
import { bookMsg, entryOrder, T0, UP, vetoMsg } from "../portfolio/helpers.ts";

function health(status: "OK" | "STALE", staleTokens: string[]) {
  return { feed: "sim", status, staleTokens, lastMessageAgeMs: 0, gapsTotal: 0 };
}

async function run(approved: boolean): Promise<TradeReport> {
  const clock = new VirtualClock(T0);
  const broker = new MemoryBroker({ clock, rng: new SeededRng(5) });
  const agents = broker.connect("agents.1");
  const factory = new MessageFactory(clock, new SeededRng(6), { agent: "cro", instance: "1" });
  agents.subscribe("strategy.intent", async (intent) => {
    const {
      createdAt: _c,
      updatedAt: _u,
      epoch: _e,
      ...order
    } = entryOrder({
      intentId: intent.intentId,
      positionId: intent.positionId,
      status: approved ? "FILLED" : "REFUSED",
      filledSize: 0,
    });
    // the terminal order event first; the decision 50 ms later
    await agents.publish(
      factory.make(approved ? "exec.order.filled" : "exec.order.refused", order),
    );
    clock.setTimer(50, () => {
      void agents.publish(
        factory.make("cro.decision", { ...vetoMsg({ ...intent }), approved, reasons: [] }),
      );
    });
  });
  const ops = broker.connect("ops.1");
  const pending = tradeOnce(
    { bus: ops, clock, rng: new SeededRng(7) },
    { tokenId: UP, size: 1_000_000, timeoutMs: 2_000 },
  );
  const out: { report: TradeReport | null } = { report: null };
  void pending.then((r) => {
    out.report = r;
  });
  await agents.publish(factory.make("md.book", bookMsg(UP, 500_000, 1)));
  await clock.advance(10);
  await agents.publish(factory.make("md.health", health("OK", [])));
  for (let i = 0; i < 1_000 && out.report === null; i++) await clock.advance(10);
  if (out.report === null) throw new Error("trade-once never reported");
  return out.report;
}

describe("trade-once", () => {
  it("waits for the decision when the refusal arrives first", async () => {
    const report = await run(false);
    const validation = report.steps.find((s) => s.step === "validation");
    expect(validation).toMatchObject({ ok: false, detail: "vetoed: " });
    expect(report.steps.find((s) => s.step === "execution")?.ok).toBe(false);
  });

  it("waits for the approval when the order's end arrives first", async () => {
    const report = await run(true);
    expect(report.steps.find((s) => s.step === "validation")?.ok).toBe(true);
    expect(report.steps.find((s) => s.step === "execution")?.ok).toBe(true);
    // Reported in lifecycle order, though the order's end was heard 50 ms before the approval.
    expect(report.steps.map((s) => s.step)).toEqual(["intent", "validation", "execution", "pnl"]);
    const at = (step: string) => report.steps.find((s) => s.step === step)?.atMs ?? 0;
    expect(at("execution")).toBeLessThan(at("validation"));
  });

  it("sends no intent until the feed reports the token fresh, as FEED_FRESH requires", async () => {
    const clock = new VirtualClock(T0);
    const broker = new MemoryBroker({ clock, rng: new SeededRng(5) });
    const agents = broker.connect("agents.1");
    const factory = new MessageFactory(clock, new SeededRng(6), { agent: "md", instance: "1" });
    const intents: string[] = [];
    agents.subscribe("strategy.intent", (m) => {
      intents.push(m.tokenId);
    });
    const ops = broker.connect("ops.1");
    const attempts = [1, 2].map((n) =>
      tradeOnce(
        { bus: ops, clock, rng: new SeededRng(7 + n) },
        { tokenId: UP, size: 1_000_000, timeoutMs: n * 1_000 },
      ).then(
        () => "reported",
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      ),
    );
    await agents.publish(factory.make("md.book", bookMsg(UP, 500_000, 1)));
    await clock.advance(10);
    await agents.publish(factory.make("md.health", health("STALE", [UP])));
    await clock.advance(500);
    expect(intents).toEqual([]);
    await clock.advance(600);
    // The first attempt gave up at 1 s, naming what it last heard; the second is still waiting.
    expect(await attempts[0]).toMatch(/never reported .* fresh within 1000 ms .*STALE, .* stale/);
    expect(intents).toEqual([]);
    await agents.publish(factory.make("md.health", health("OK", [])));
    await clock.advance(10);
    expect(intents).toEqual([UP]);
    await clock.advance(2_000);
    expect(await attempts[1]).toBe("reported");
  });
});
