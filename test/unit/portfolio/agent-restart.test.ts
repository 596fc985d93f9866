/**
 * Restart recovers (invariant 9): the Portfolio host is killed like kill -9 and started again on
 * the same EmbeddedFleet and MemoryStore. Open positions come back from their persisted
 * snapshots, deadlines kept outside the machine are re-armed, a decided-but-unsent exit is sent
 * again under the same id, and a stored position that is not the sum of its fills is refused.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createActor } from "xstate";
import { InvariantError } from "../../../agents/runtime/errors.ts";
import { positionMachine, stateOf } from "../../../agents/portfolio/machine.ts";
import { toPosition, toRecord } from "../../../agents/portfolio/record.ts";
import {
  bookMsg,
  buy,
  fillMsg,
  harness,
  INPUT,
  UP,
  waitFor,
  WINDOW_END,
  windowMsg,
  type Harness,
} from "./helpers.ts";

let h: Harness;
afterEach(async () => {
  await h.fleet.stop();
});

async function killAndRestart(config = {}) {
  await h.fleet.kill("portfolio");
  await h.clock.runUntilIdle();
  return h.startPortfolio(config);
}

describe("Portfolio agent: restart", () => {
  it("restores an open position from its snapshot and carries on (high-water mark included)", async () => {
    h = harness();
    await h.startPortfolio({ trailingStopPct: 10, takeProfitPct: 0 });
    await h.send("md.window", windowMsg("OPEN"));
    await h.send("exec.fill", fillMsg({ status: "CONFIRMED" }));
    await h.send("md.book", bookMsg(UP, 600_000, 1));
    const before = await h.store.getPosition("pos-1");

    const host = await killAndRestart({ trailingStopPct: 10, takeProfitPct: 0 });
    expect(host.state()).toBe("running");
    const after = await h.store.getPosition("pos-1");
    expect(after?.snapshot).toEqual(before?.snapshot);

    // 0.54 = 0.60 − 10 %: only a restored high-water mark of 0.60 makes this a trailing stop
    await h.send("md.book", bookMsg(UP, 550_000, 2));
    expect(h.exits).toEqual([]);
    await h.send("md.book", bookMsg(UP, 540_000, 3));
    expect(h.exits).toHaveLength(1);
    expect(h.exits[0]).toMatchObject({ intentId: "exit-1-pos-1", exitReason: "TRAILING_STOP" });
    expect(h.last()).toMatchObject({ state: "EXIT_PENDING", size: 10_000_000 });
  });

  it("re-arms the window-end deadline after a restart", async () => {
    h = harness();
    await h.startPortfolio();
    await h.send("exec.fill", fillMsg({ status: "CONFIRMED" }));
    await h.clock.advance(10 * 60_000);
    await killAndRestart();
    await h.clock.runUntil(WINDOW_END - 1);
    expect(h.last().state).toBe("MONITORING");
    await h.clock.runUntil(WINDOW_END);
    await h.clock.runUntilIdle();
    expect(h.last().state).toBe("EXPIRY");
  });

  it("re-arms the exit deadline after a restart", async () => {
    h = harness();
    await h.startPortfolio({ exitTimeoutMs: 10_000 });
    await h.send("exec.fill", fillMsg({ status: "CONFIRMED" }));
    await h.send("md.book", bookMsg(UP, 400_000, 1));
    expect(h.last().state).toBe("EXIT_PENDING");
    const sentAt = h.clock.now();
    await h.clock.advance(3_000);
    await killAndRestart({ exitTimeoutMs: 10_000 });
    await h.clock.runUntil(sentAt + 9_999);
    expect(h.last().state).toBe("EXIT_PENDING");
    await h.clock.runUntil(sentAt + 10_000);
    await h.clock.runUntilIdle();
    expect(h.last().state).toBe("MONITORING");
  });

  it("sends a decided but unsent exit again at start, under the same intent id", async () => {
    h = harness();
    // As if the previous leader crashed between persisting STOP_TRIGGERED and publishing.
    const actor = createActor(positionMachine, { input: INPUT }).start();
    actor.send({ type: "FILL_CONFIRMED", fill: buy("trade-1"), at: 1 });
    actor.send({ type: "STOP", reason: "STOP_LOSS", at: 2 });
    const s = actor.getSnapshot();
    const position = toPosition(s.context, stateOf(s.value), null, 700);
    await h.store.savePosition(toRecord(position, s.context, actor.getPersistedSnapshot(), 2));

    await h.startPortfolio();
    expect(h.exits.map((e) => [e.intentId, e.exitReason, e.size])).toEqual([
      ["exit-1-pos-1", "STOP_LOSS", 10_000_000],
    ]);
    expect(h.last().state).toBe("EXIT_PENDING");
  });

  it("a fill published while the Portfolio is down is booked once after it restarts", async () => {
    h = harness();
    await h.startPortfolio();
    await h.send("exec.fill", fillMsg({ status: "MATCHED" }));
    await h.fleet.kill("portfolio");
    await h.send("exec.fill", fillMsg({ status: "CONFIRMED" }));
    await h.startPortfolio();
    await waitFor(h.clock, () => h.positions.some((p) => p.state === "MONITORING"), "the fill");
    await h.clock.advance(10_000); // any redelivery of unacked messages happens in here
    expect(await h.store.getPosition("pos-1")).toMatchObject({ size: 10_000_000, fees: 175_000 });
    expect(h.positions.filter((p) => p.state === "MONITORING")).toHaveLength(1);
  });

  it("refuses to start on a stored position that is not the sum of its fills (InvariantError)", async () => {
    h = harness();
    await h.startPortfolio();
    await h.send("exec.fill", fillMsg({ status: "CONFIRMED" }));
    await h.fleet.kill("portfolio");
    const stored = await h.store.getPosition("pos-1");
    if (stored === null) throw new Error("position not stored");
    const snapshot = stored.snapshot as { context: { holdings: { size: number } } };
    snapshot.context.holdings.size = 12_000_000; // someone edited the row behind our back
    await h.store.savePosition({ ...stored, size: 12_000_000, snapshot });

    const host = await h.startPortfolio();
    expect(host.crashError()).toBeInstanceOf(InvariantError);
    expect(host.crashError()?.message).toMatch(
      /pos-1 \(read\) is not the sum of its confirmed fills/,
    );
  });
});
