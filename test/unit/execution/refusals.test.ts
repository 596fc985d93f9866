/**
 * Invariants 1 and 2 end to end: the agent on the in-memory bus against the simulated venue. A
 * refusal is proven by the venue itself — it holds no order of ours — not by a spy.
 */
import { afterEach, describe, expect, it } from "vitest";
import { intentHash } from "../../../contracts/index.ts";
import { Bench } from "./harness.ts";

let bench: Bench;
afterEach(async () => {
  await bench.stop();
});

async function started(): Promise<Bench> {
  bench = new Bench();
  await bench.start();
  return bench;
}

async function expectRefused(b: Bench, intentId: string, code: string): Promise<void> {
  const refused = b.ordersOf(`ord-${intentId}`).filter((m) => m.type === "exec.order.refused");
  expect(refused).toHaveLength(1);
  expect(refused[0]?.status).toBe("REFUSED");
  expect(refused[0]?.reason).toContain(code);
  expect(await b.audit(`ord-${intentId}`)).toContain("execution.refused");
}

describe("Execution refuses what the CRO did not approve", () => {
  it("places an order for a valid approval (the control case)", async () => {
    const b = await started();
    const intent = await b.approve();
    expect(b.venueOrders()).toBe(1);
    expect((await b.store.getOrder(`ord-${intent.intentId}`))?.status).toBe("OPEN");
    expect(b.ordersOf(`ord-${intent.intentId}`).map((m) => m.type)).toEqual([
      "exec.order.accepted",
    ]);
  });

  it("refuses a forged approval (the hash names another intent) without calling the venue", async () => {
    const b = await started();
    const intent = b.intent({ size: 50_000_000 });
    const forged = b.decision(intent, { intentHash: intentHash({ ...intent, size: 5_000_000 }) });
    await b.send(forged);
    await expectRefused(b, intent.intentId, "INTENT_HASH");
    expect(b.venueOrders()).toBe(0);
    expect(await b.store.getOrder(`ord-${intent.intentId}`)).toBeNull();
  });

  it("refuses a replayed approval: one intent is sent once", async () => {
    const b = await started();
    const intent = b.intent();
    await b.send(b.decision(intent));
    await b.send(b.decision(intent)); // a second approval (new decision id) for the same intent
    expect(b.venueOrders()).toBe(1);
    await expectRefused(b, intent.intentId, "DUPLICATE");
    expect((await b.store.getOrder(`ord-${intent.intentId}`))?.status).toBe("OPEN");
  });

  it("refuses an approval from an old CRO epoch", async () => {
    const b = await started();
    const intent = b.intent();
    b.croEpoch = 2;
    await b.setState("ACTIVE");
    await b.send(b.decision(intent, { epoch: 1 }));
    await expectRefused(b, intent.intentId, "EPOCH");
    expect(b.venueOrders()).toBe(0);
  });

  it("refuses an expired approval", async () => {
    const b = await started();
    const intent = b.intent();
    await b.send(b.decision(intent, { expiresAt: b.clock.now() - 1 }));
    await expectRefused(b, intent.intentId, "EXPIRED");
    expect(b.venueOrders()).toBe(0);
  });

  it("refuses a vetoed decision", async () => {
    const b = await started();
    const intent = b.intent();
    await b.send(b.decision(intent, { approved: false, reasons: ["POSITION_CAP"] }));
    await expectRefused(b, intent.intentId, "NOT_APPROVED");
    expect(b.venueOrders()).toBe(0);
  });

  it("refuses an entry under PAUSED but places an exit", async () => {
    const b = await started();
    await b.setState("PAUSED");
    const entry = b.intent();
    await b.send(b.decision(entry));
    await expectRefused(b, entry.intentId, "TRADING_STATE");
    expect(b.venueOrders()).toBe(0);
    const exit = await b.approve({ kind: "EXIT", side: "BUY", exitReason: "STOP_LOSS" });
    expect(b.venueOrders()).toBe(1);
    expect((await b.store.getOrder(`ord-${exit.intentId}`))?.status).toBe("OPEN");
  });

  it("lets only cancels through HALTED", async () => {
    const b = await started();
    const resting = await b.approve();
    expect(b.venueOrders()).toBe(1);
    await b.setState("HALTED");
    await b.clock.advance(100);
    const entry = b.intent();
    const exit = b.intent({ kind: "EXIT", side: "BUY" });
    await b.send(b.decision(entry));
    await b.send(b.decision(exit));
    await expectRefused(b, entry.intentId, "TRADING_STATE");
    await expectRefused(b, exit.intentId, "TRADING_STATE");
    expect(b.venueOrders()).toBe(1); // only the order placed while ACTIVE
    const cancel = b.intent({ kind: "CANCEL", positionId: resting.positionId });
    await b.send(b.decision(cancel));
    expect(b.ordersOf(`ord-${cancel.intentId}`)).toEqual([]);
    expect(await b.audit(cancel.intentId)).toContain("execution.cancel");
  });

  it("refuses everything once the CRO falls silent (dead man)", async () => {
    const b = await started();
    b.stopCro();
    await b.clock.advance(2_100);
    const intent = b.intent();
    await b.send(b.decision(intent, { expiresAt: b.clock.now() + 5_000 }));
    await expectRefused(b, intent.intentId, "CRO_SILENT");
    expect(b.venueOrders()).toBe(0);
  });

  it("refuses an order for a window that is over", async () => {
    const b = await started();
    const w = b.window();
    const intent = b.intent({ windowId: `btc-updown-15m-${(w.startMs - 900_000) / 1000}` });
    await b.send(b.decision(intent));
    await expectRefused(b, intent.intentId, "WINDOW_CLOSED");
    expect(b.venueOrders()).toBe(0);
    expect(await b.store.getOrder(`ord-${intent.intentId}`)).toBeNull();
  });
});
