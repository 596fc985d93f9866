/**
 * Issue 18's guarantee: Execution killed (kill -9) at a random point between a decision and the
 * venue's answer, many times; after a restart every order the venue holds is known to the store
 * with the venue's status, and no order is sent twice.
 *
 * A kill is a step of the dying instance: one of its order writes, audit appends or venue calls,
 * chosen by a seeded RNG, either before the step takes effect (the write never lands, the request
 * never leaves) or after it (it landed or left; the answer is lost). From then on every call the
 * dead instance makes hangs forever, as nothing runs in a killed process; the fleet then kills its
 * host and a new instance starts against the same store and venue. Deterministic (virtual clock,
 * simulated venue, embedded store). Fails if the PENDING row were written after the send: a kill
 * after the send and before the write leaves an order at the venue the store does not know (and
 * the redelivered decision would send it again).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AuditEntry, Fence, OrderRecord } from "../../../agents/runtime/store.ts";
import type { CallOptions, PlaceOrderRequest, PlaceResult } from "../../../agents/runtime/venue.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";
import { Bench } from "./harness.ts";
import { DelegatingVenue } from "./venues.ts";

const TRIALS = 40;
const SEED = 18;
/** Steps of one order from decision to answer: PENDING insert, send, accepted write, 2 audits. */
const STEPS = 5;

/** Where the dying instance stops, and whether the step at that point took effect. */
class KillSwitch {
  armed = false;
  dead = false;
  steps: string[] = [];
  private step = 0;
  constructor(
    private readonly killAt: number,
    private readonly landed: boolean,
  ) {}

  async gate<T>(label: string, call: () => Promise<T>): Promise<T> {
    if (this.dead) return never<T>();
    if (!this.armed) return call();
    this.steps.push(label);
    if (++this.step !== this.killAt) return call();
    this.dead = true;
    if (this.landed) await call();
    return never<T>();
  }
}

function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

class KillableStore extends MemoryStore {
  kill: KillSwitch | null = null;
  private gate<T>(label: string, call: () => Promise<T>): Promise<T> {
    return this.kill === null ? call() : this.kill.gate(label, call);
  }
  override insertOrder(order: OrderRecord, fence?: Fence): Promise<boolean> {
    return this.gate("insertOrder", () => super.insertOrder(order, fence));
  }
  override upsertOrder(order: OrderRecord, fence?: Fence): Promise<void> {
    return this.gate(`upsertOrder ${order.status}`, () => super.upsertOrder(order, fence));
  }
  override appendAudit(entry: AuditEntry): Promise<number> {
    return this.gate(`appendAudit ${entry.kind}`, () => super.appendAudit(entry));
  }
}

class KillableVenue extends DelegatingVenue {
  kill: KillSwitch | null = null;
  /** placeOrder calls that reached the venue, by client order id. */
  readonly sent = new Map<string, number>();
  override placeOrder(req: PlaceOrderRequest, opts: CallOptions): Promise<PlaceResult> {
    const send = () => {
      this.sent.set(req.clientOrderId, (this.sent.get(req.clientOrderId) ?? 0) + 1);
      return this.inner.placeOrder(req, opts);
    };
    return this.kill === null ? send() : this.kill.gate("placeOrder", send);
  }
}

let bench: Bench | null = null;
afterEach(async () => {
  await bench?.stop();
  bench = null;
});

async function trial(killAt: number, landed: boolean): Promise<string[]> {
  const store = new KillableStore();
  const venues: KillableVenue[] = [];
  const b = new Bench({
    store,
    wrapVenue: (v) => {
      const venue = new KillableVenue(v);
      venues.push(venue);
      return venue;
    },
  });
  bench = b;
  await b.start();
  const [agentVenue] = venues;
  if (agentVenue === undefined) throw new Error("expected the killable venue");
  const kill = new KillSwitch(killAt, landed);
  store.kill = kill;
  agentVenue.kill = kill;
  const intent = b.intent();
  const orderId = `ord-${intent.intentId}`;
  kill.armed = true;
  await b.send(b.decision(intent), 200);
  expect(kill.dead).toBe(true);
  await b.fleet.kill("execution");
  store.kill = null;
  agentVenue.kill = null;
  await b.start("2");
  // Long enough for the resolver to settle what it found and for the unacknowledged decision to
  // come back (ack wait) to the new instance.
  await b.clock.advance(40_000);
  const asked = b.venue.openOrders({ timeoutMs: 1_000 });
  await b.clock.advance(100); // the simulated venue answers in virtual time
  const at = (await asked).items;
  for (const vo of at) {
    const rec = await b.store.getOrder(vo.clientOrderId);
    expect(rec, `${vo.clientOrderId} is at the venue but not in the store`).not.toBeNull();
    expect(rec?.status).toBe(vo.status);
    expect(rec?.venueOrderId).toBe(vo.venueOrderId);
  }
  expect(agentVenue.sent.get(orderId) ?? 0).toBeLessThanOrEqual(1);
  expect(b.venueOrders()).toBeLessThanOrEqual(1);
  const stored = await b.store.getOrder(orderId);
  // Sent (or possibly sent): the store knows the order and has settled it with the venue's word.
  if ((agentVenue.sent.get(orderId) ?? 0) > 0) expect(stored?.status).toBe("OPEN");
  await b.stop();
  bench = null;
  return kill.steps;
}

describe("kill -9 of Execution between decision and venue answer", () => {
  it("the kill points are the order's steps, in this order", async () => {
    const steps = await trial(STEPS, true);
    expect(steps).toEqual([
      "insertOrder",
      "placeOrder",
      "upsertOrder OPEN",
      "appendAudit order.payload",
      "appendAudit venue.response",
    ]);
  });

  it(`after a restart the venue's orders are all known and none was sent twice (${TRIALS} seeded trials)`, async () => {
    const rng = new SeededRng(SEED);
    const seen = new Set<string>();
    for (let t = 0; t < TRIALS; t++) {
      const killAt = rng.int(1, STEPS);
      const landed = rng.float() < 0.5;
      const steps = await trial(killAt, landed);
      seen.add(`${steps[killAt - 1] ?? "?"}:${landed ? "after" : "before"}`);
    }
    // Every step was a kill point, before and after it took effect.
    expect(seen.size).toBe(STEPS * 2);
  }, 120_000);
});
