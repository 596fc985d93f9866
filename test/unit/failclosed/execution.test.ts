/**
 * Execution fails closed on its own (issue 4, Liveness): when its bus connection drops, nothing
 * risk-increasing leaves (cancels still do), the venue's dead man is no longer fed, and when the
 * connection is back it re-reads its orders from the venue. The venue's own record is the proof.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MemoryBus } from "../../../bus/memory-bus.ts";
import { Bench } from "../execution/harness.ts";

let bench: Bench | null = null;
afterEach(async () => {
  await bench?.stop();
  bench = null;
});

async function started(b = new Bench()): Promise<Bench> {
  bench = b;
  await b.start();
  return b;
}

/** The Execution agent's own connection (a MemoryBus on the embedded fleet). */
function executionBus(b: Bench): MemoryBus {
  const bus = b.fleet.host("execution")?.bus;
  if (!(bus instanceof MemoryBus)) throw new Error("expected the agent's memory bus");
  return bus;
}

async function statusOf(b: Bench, orderId: string): Promise<string | undefined> {
  return (await b.store.getOrder(orderId))?.status;
}

describe("Execution when its bus connection drops", () => {
  it("refuses a new entry while disconnected, and places again once reconnected", async () => {
    const b = await started();
    executionBus(b).simulateStatus("disconnected");
    await b.clock.advance(600); // the stand-in CRO keeps talking: only the bus status differs
    const blocked = await b.approve();
    expect(b.venueOrders()).toBe(0);
    const refused = b.ordersOf(`ord-${blocked.intentId}`).map((m) => [m.type, m.reason]);
    expect(refused).toEqual([["exec.order.refused", expect.stringContaining("BUS_DOWN")]]);

    executionBus(b).simulateStatus("connected");
    await b.clock.advance(600);
    const placed = await b.approve();
    expect(await statusOf(b, `ord-${placed.intentId}`)).toBe("OPEN");
    expect(b.venueOrders()).toBe(1);
  });

  it("still sends cancels while disconnected", async () => {
    const b = await started();
    const target = await b.approve();
    expect(b.venue.snapshot().account.openOrders).toBe(1);
    executionBus(b).simulateStatus("reconnecting");
    await b.clock.advance(600);
    await b.approve({ kind: "CANCEL", positionId: target.positionId });
    expect(await statusOf(b, `ord-${target.intentId}`)).toBe("CANCELLED");
    expect(b.venue.snapshot().account.openOrders).toBe(0);
  });

  it("stops feeding the venue's dead man, so the venue cancels our orders at expiry", async () => {
    const b = await started();
    const intent = await b.approve();
    const orderId = `ord-${intent.intentId}`;
    await b.clock.advance(30_000); // connected and the CRO alive: the order keeps resting
    expect(await statusOf(b, orderId)).toBe("OPEN");
    const beats = b.venue.snapshot().counters.heartbeatExpiries;
    executionBus(b).simulateStatus("disconnected");
    await b.until(() => b.venue.snapshot().account.openOrders === 0, 20_000);
    expect(b.venue.snapshot().counters.heartbeatExpiries).toBe(beats + 1);
  });

  it("re-reads its orders from the venue when the connection returns", async () => {
    const b = await started();
    const intent = await b.approve();
    const orderId = `ord-${intent.intentId}`;
    executionBus(b).simulateStatus("disconnected");
    // While we are away the venue cancels the order and we never hear of it.
    b.venue.setFaults({ userEvent: () => "drop" });
    const cancelled = b.venue.cancelAll({ timeoutMs: 1_000 });
    await b.clock.advance(100);
    expect((await cancelled).cancelled).toHaveLength(1);
    b.venue.setFaults(null);
    expect(await statusOf(b, orderId)).toBe("OPEN"); // stale
    executionBus(b).simulateStatus("connected");
    await b.until(async () => (await statusOf(b, orderId)) === "CANCELLED", 5_000);
    await b.clock.advance(1_000); // let the fills catch-up of the resync finish
  });
});
