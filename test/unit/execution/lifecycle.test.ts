/**
 * The order lifecycle (invariants 1, 6 and 9): persisted before it is sent, UNKNOWN after a lost
 * answer until the venue itself says what happened, cancelled on HALTED/FLATTENING, recovered on
 * restart without a second send.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Fence, OrderRecord } from "../../../agents/runtime/store.ts";
import { StoreUnavailableError } from "../../../agents/runtime/store.ts";
import type { VirtualClock } from "../../../bus/clock.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";
import { Bench } from "./harness.ts";
import { StoreAtSendVenue } from "./venues.ts";

let bench: Bench | null = null;
afterEach(async () => {
  await bench?.stop();
  bench = null;
});

async function started(b: Bench): Promise<Bench> {
  bench = b;
  await b.start();
  return b;
}

const statusOf = async (b: Bench, orderId: string) => (await b.store.getOrder(orderId))?.status;

/** Fails every order write (the PENDING insert and later updates) while `failing`. */
class FailingUpsertStore extends MemoryStore {
  failing = false;
  override upsertOrder(order: OrderRecord, fence?: Fence): Promise<void> {
    if (this.failing) return Promise.reject(new StoreUnavailableError("store down (test)"));
    return super.upsertOrder(order, fence);
  }
  override insertOrder(order: OrderRecord, fence?: Fence): Promise<boolean> {
    if (this.failing) return Promise.reject(new StoreUnavailableError("store down (test)"));
    return super.insertOrder(order, fence);
  }
}

describe("an order is persisted before it is sent", () => {
  it("is PENDING in the store when placeOrder is called", async () => {
    const b = await started(new Bench({ wrapVenue: (v, s) => new StoreAtSendVenue(v, s) }));
    const observed = b.agentVenue;
    if (!(observed instanceof StoreAtSendVenue)) throw new Error("expected the observing venue");
    const intent = await b.approve();
    expect(observed.storedAtSend).toEqual(["PENDING"]);
    expect(await statusOf(b, `ord-${intent.intentId}`)).toBe("OPEN");
    expect(await b.audit(`ord-${intent.intentId}`)).toEqual(
      expect.arrayContaining(["order.payload", "venue.response"]),
    );
  });

  it("is not sent at all while it cannot be persisted, and is sent once when it can", async () => {
    const store = new FailingUpsertStore();
    const b = await started(new Bench({ store }));
    store.failing = true;
    const intent = b.intent();
    await b.send(b.decision(intent, { expiresAt: b.clock.now() + 60_000 }));
    expect(b.venueOrders()).toBe(0);
    store.failing = false;
    // The decision was not acknowledged: the durable consumer redelivers it after its ack wait.
    await b.until(() => b.venueOrders() === 1, 30_000);
    await b.until(async () => (await statusOf(b, `ord-${intent.intentId}`)) === "OPEN", 1_000);
  });
});

/** A store whose next order write takes `nextDelayMs` of virtual time (a PostgreSQL stall). */
class StallingStore extends MemoryStore {
  nextDelayMs = 0;
  clock: VirtualClock | null = null;
  override async upsertOrder(order: OrderRecord, fence?: Fence): Promise<void> {
    await this.stall();
    return super.upsertOrder(order, fence);
  }
  override async insertOrder(order: OrderRecord, fence?: Fence): Promise<boolean> {
    await this.stall();
    return super.insertOrder(order, fence);
  }
  private async stall(): Promise<void> {
    const delayMs = this.nextDelayMs;
    this.nextDelayMs = 0;
    if (delayMs > 0 && this.clock !== null) await this.clock.sleep(delayMs);
  }
}

describe("an approval that lapses while the order is persisted", () => {
  it("is not sent: the order ends REFUSED and never reaches the venue", async () => {
    const store = new StallingStore();
    const b = await started(new Bench({ store }));
    store.clock = b.clock;
    store.nextDelayMs = 6_000; // longer than the approval's 5 s
    const intent = b.intent();
    await b.send(b.decision(intent), 6_500);
    const rec = await b.store.getOrder(`ord-${intent.intentId}`);
    expect(rec?.status).toBe("REFUSED");
    expect(rec?.reason).toContain("EXPIRED");
    expect(b.venueOrders()).toBe(0);
  });
});

describe("unknown is not rejected", () => {
  it("leaves a 5xx after sending UNKNOWN, then finds the order at the venue", async () => {
    const b = await started(new Bench());
    // The user stream is cut too, so only polling venue.getOrder can resolve the order.
    b.venue.setFaults({ beforePlace: () => "5xx-accepted", userEvent: () => "drop" });
    const intent = await b.approve();
    const orderId = `ord-${intent.intentId}`;
    expect(await statusOf(b, orderId)).toBe("UNKNOWN");
    b.venue.setFaults({ userEvent: () => "drop" });
    await b.until(async () => (await statusOf(b, orderId)) === "OPEN", 10_000);
    expect(b.ordersOf(orderId).map((m) => m.type)).toEqual([
      "exec.order.unknown",
      "exec.order.accepted",
    ]);
    expect(b.venueOrders()).toBe(1);
  });

  it("leaves a timeout UNKNOWN, then finds the order at the venue", async () => {
    const b = await started(new Bench());
    b.venue.setFaults({ beforePlace: () => "timeout", userEvent: () => "drop" });
    const intent = b.intent();
    await b.send(b.decision(intent), 3_100); // the place timeout is 3 s
    const orderId = `ord-${intent.intentId}`;
    expect(await statusOf(b, orderId)).toBe("UNKNOWN");
    b.venue.setFaults({ userEvent: () => "drop" });
    await b.until(async () => (await statusOf(b, orderId)) === "OPEN", 10_000);
  });

  it("never rejects while lookups fail; rejects only after the venue says it has no such order", async () => {
    const b = await started(new Bench());
    b.venue.setFaults({
      beforePlace: () => "5xx-not-accepted",
      beforeCall: (call) => (call === "getOrder" ? "5xx" : "ok"),
    });
    const intent = await b.approve();
    const orderId = `ord-${intent.intentId}`;
    // Two minutes of failed lookups, polls exhausted and re-swept: still UNKNOWN.
    await b.clock.advance(120_000);
    expect(await statusOf(b, orderId)).toBe("UNKNOWN");
    expect(b.ordersOf(orderId).map((m) => m.type)).toEqual(["exec.order.unknown"]);
    b.venue.setFaults(null);
    await b.until(async () => (await statusOf(b, orderId)) === "REJECTED", 60_000);
    const rec = await b.store.getOrder(orderId);
    expect(rec?.reason).toMatch(/^NOT_AT_VENUE/);
    expect(b.venueOrders()).toBe(0);
  });

  it("blocks a re-entry on the token while an order there is UNKNOWN", async () => {
    const b = await started(new Bench());
    b.venue.setFaults({
      beforePlace: () => "5xx-not-accepted",
      beforeCall: (call) => (call === "getOrder" ? "5xx" : "ok"),
    });
    await b.approve();
    const again = b.intent();
    await b.send(b.decision(again));
    expect(b.ordersOf(`ord-${again.intentId}`).map((m) => m.reason)).toEqual([
      expect.stringContaining("UNKNOWN_ORDER"),
    ]);
  });
});

describe("halt means halt", () => {
  for (const state of ["HALTED", "FLATTENING"] as const) {
    it(`cancels every open order at the venue on ${state}`, async () => {
      const b = await started(new Bench());
      const a = await b.approve();
      const c = await b.approve({ tokenId: b.window().downTokenId });
      expect(b.venue.snapshot().account.openOrders).toBe(2);
      await b.setState(state);
      await b.clock.advance(100);
      expect(b.venue.snapshot().account.openOrders).toBe(0);
      for (const i of [a, c]) {
        expect(await statusOf(b, `ord-${i.intentId}`)).toBe("CANCELLED");
        expect(b.ordersOf(`ord-${i.intentId}`).map((m) => m.type)).toContain(
          "exec.order.cancelled",
        );
      }
    });
  }

  it("stops feeding the venue's dead man when the CRO falls silent, so the venue cancels", async () => {
    const b = await started(new Bench());
    const intent = await b.approve();
    const orderId = `ord-${intent.intentId}`;
    await b.clock.advance(30_000); // the CRO is alive: heartbeats keep the order resting
    expect(await statusOf(b, orderId)).toBe("OPEN");
    b.stopCro();
    await b.until(async () => (await statusOf(b, orderId)) === "CANCELLED", 20_000);
    expect((await b.store.getOrder(orderId))?.reason).toContain("HEARTBEAT");
  });
});

describe("cancel intents", () => {
  it("cancels the live orders of the position a CANCEL intent names", async () => {
    const b = await started(new Bench());
    const keep = await b.approve();
    const target = await b.approve({ tokenId: keep.tokenId });
    await b.setState("PAUSED");
    const cancel = await b.approve({ kind: "CANCEL", positionId: target.positionId });
    expect(await statusOf(b, `ord-${target.intentId}`)).toBe("CANCELLED");
    expect(await statusOf(b, `ord-${keep.intentId}`)).toBe("OPEN");
    expect(await b.store.getOrder(`ord-${cancel.intentId}`)).toBeNull(); // a cancel is no order
    expect(b.venue.snapshot().account.openOrders).toBe(1);
  });
});

describe("restart recovers", () => {
  it("resolves an order left PENDING by a crash mid-send, and never sends it twice", async () => {
    const b = await started(new Bench());
    b.venue.setFaults({ beforePlace: () => "timeout" });
    const intent = b.intent();
    await b.send(b.decision(intent), 50);
    const orderId = `ord-${intent.intentId}`;
    expect(await statusOf(b, orderId)).toBe("PENDING"); // sent; the answer is not back
    await b.fleet.kill("execution");
    b.venue.setFaults(null);
    await b.start("2");
    await b.until(async () => (await statusOf(b, orderId)) === "OPEN", 10_000);
    // The unacknowledged decision comes back to the new instance, which sees it already executed.
    await b.until(async () => (await b.audit(orderId)).includes("execution.redelivered"), 30_000);
    expect(b.venueOrders()).toBe(1);
    expect(b.ordersOf(orderId).map((m) => m.type)).not.toContain("exec.order.refused");
  });
});
