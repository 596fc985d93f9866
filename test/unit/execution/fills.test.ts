/**
 * Fills (invariant 5): every trade counts once, at the venue's price, size and fee; a FAILED trade
 * after MATCHED is published; a MATCHED trade left unconfirmed is settled by polling the venue.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Bench } from "./harness.ts";
import { GarbledReplyVenue, InjectingVenue } from "./venues.ts";

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

/** A liquidity provider's ask on the open window's Up token. */
function ask(b: Bench, price: number, shares: number): void {
  b.venue.addLiquidity(b.window().upTokenId, "SELL", price, shares * 1_000_000);
}

describe("fills", () => {
  it("books the venue's price, size and fee, once, then its confirmation", async () => {
    const b = await started(new Bench());
    ask(b, 500_000, 100);
    const intent = await b.approve({ limitPrice: 600_000 });
    const orderId = `ord-${intent.intentId}`;
    // The venue reported the trade twice (in the place reply and on the user stream): one fill.
    expect(b.fills.map((f) => f.status)).toEqual(["MATCHED"]);
    await b.clock.advance(4_100); // the venue confirms after 4 s
    const report = b.venue.trades({}, { timeoutMs: 1_000 });
    await b.clock.advance(20); // the venue's own latency
    const venueTrades = (await report).items;
    expect(venueTrades).toHaveLength(1);
    expect(b.fills.map((f) => f.status)).toEqual(["MATCHED", "CONFIRMED"]);
    const fill = b.fills[0];
    expect(fill).toMatchObject({
      orderId,
      intentId: intent.intentId,
      positionId: intent.positionId,
      price: 500_000, // the maker's price, not our limit
      intendedPrice: 600_000,
      size: 5_000_000,
      liquidity: "TAKER",
    });
    expect(fill?.fee).toBeGreaterThan(0);
    expect(fill?.fee).toBe(venueTrades[0]?.fee);
    const stored = await b.store.listFills({ orderId });
    expect(stored.map((f) => [f.status, f.size, f.price])).toEqual([
      ["CONFIRMED", 5_000_000, 500_000],
    ]);
    expect((await b.store.getOrder(orderId))?.status).toBe("FILLED");
    // Execution itself published each status once (the bus's dedupe would hide a repeat).
    const published = (await b.store.auditFor(orderId)).filter((e) => e.kind === "fill");
    expect(published.map((e) => (e.detail as { status: string }).status)).toEqual([
      "MATCHED",
      "CONFIRMED",
    ]);
  });

  it("books a partial fill at the filled size, not the requested one", async () => {
    const b = await started(new Bench());
    ask(b, 500_000, 3);
    const intent = await b.approve({ limitPrice: 500_000 });
    const rec = await b.store.getOrder(`ord-${intent.intentId}`);
    expect(rec).toMatchObject({ status: "PARTIALLY_FILLED", filledSize: 3_000_000 });
    expect(b.fills.map((f) => f.size)).toEqual([3_000_000]);
  });

  it("publishes FAILED after MATCHED, and the stored fill ends FAILED", async () => {
    const b = await started(new Bench({ venue: { trades: { failProbability: 1 } } }));
    ask(b, 500_000, 100);
    const intent = await b.approve({ limitPrice: 600_000 });
    await b.clock.advance(4_100);
    expect(b.fills.map((f) => f.status)).toEqual(["MATCHED", "FAILED"]);
    const stored = await b.store.listFills({ orderId: `ord-${intent.intentId}` });
    expect(stored.map((f) => f.status)).toEqual(["FAILED"]);
  });

  it("settles a MATCHED trade whose confirmation was lost by polling venue.trades()", async () => {
    const b = await started(new Bench());
    // The venue confirms after 4 s, but that event never arrives.
    b.venue.setFaults({
      userEvent: (e) => (e.type === "trade" && e.trade.status !== "MATCHED" ? "drop" : "deliver"),
    });
    ask(b, 500_000, 100);
    const intent = await b.approve({ limitPrice: 600_000 });
    await b.clock.advance(4_500);
    expect(b.fills.map((f) => f.status)).toEqual(["MATCHED"]);
    await b.until(() => b.fills.length === 2, 3_000);
    expect(b.fills.map((f) => f.status)).toEqual(["MATCHED", "CONFIRMED"]);
    const stored = await b.store.listFills({ orderId: `ord-${intent.intentId}` });
    expect(stored.map((f) => f.status)).toEqual(["CONFIRMED"]);
  });

  it("continues the decision's correlation chain on the fill", async () => {
    const b = await started(new Bench());
    ask(b, 500_000, 100);
    const intent = b.intent({ limitPrice: 600_000 });
    const decision = b.decision(intent);
    await b.send(decision);
    expect(b.fills[0]?.correlationId).toBe(decision.correlationId);
    expect(b.ordersOf(`ord-${intent.intentId}`)[0]?.causationId).toBe(decision.id);
  });
});

describe("bad venue input changes nothing", () => {
  it("treats a reply missing its fields as UNKNOWN, then resolves it from the venue", async () => {
    const b = await started(new Bench({ wrapVenue: (v) => new GarbledReplyVenue(v) }));
    b.venue.setFaults({ userEvent: () => "drop" });
    const intent = await b.approve();
    const orderId = `ord-${intent.intentId}`;
    const rec = await b.store.getOrder(orderId);
    expect(rec?.status).toBe("UNKNOWN");
    expect(rec?.reason).toContain("malformed placeOrder reply");
    await b.until(async () => (await b.store.getOrder(orderId))?.status === "OPEN", 10_000);
  });

  it("audits a malformed user event and records nothing", async () => {
    const b = await started(new Bench({ wrapVenue: (v) => new InjectingVenue(v) }));
    const venue = b.agentVenue;
    if (!(venue instanceof InjectingVenue)) throw new Error("expected the injecting venue");
    const intent = await b.approve();
    venue.inject({
      type: "trade",
      trade: { tradeId: "t-1", clientOrderId: `ord-${intent.intentId}` },
    });
    venue.inject({ type: "order", event: "filled" });
    await b.clock.advance(10);
    expect(b.fills).toEqual([]);
    expect(await b.store.listFills({})).toEqual([]);
    expect((await b.store.getOrder(`ord-${intent.intentId}`))?.status).toBe("OPEN");
    const kinds = (await b.store.auditFor(`ord-${intent.intentId}`)).map((e) => e.kind);
    expect(kinds).toContain("venue.bad_event");
    expect(kinds).not.toContain("fill");
    expect(b.fleet.host("execution")?.state()).toBe("running");
  });
});
