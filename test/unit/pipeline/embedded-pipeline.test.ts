import { describe, expect, it } from "vitest";
import { auditChain, missingLinks } from "../../../infra/cli/audit.ts";
import {
  startEmbeddedPipeline,
  stopOnVirtualClock,
  withVirtualTime,
  type EmbeddedPipeline,
} from "../../support/embedded-pipeline.ts";

const MINUTE = 60_000;

async function run(seed: number, minutes: number): Promise<EmbeddedPipeline> {
  const p = await startEmbeddedPipeline(seed);
  await p.clock.advance(minutes * MINUTE);
  return p;
}

describe("the fleet in one process on the in-memory bus", () => {
  it("trades the canary over several windows with books equal to the venue's", async () => {
    const p = await run(11, 50);
    const decisions = p.events.filter((e) => e.startsWith("decision"));
    const orders = await p.store.listOrders();
    const fills = await p.store.listFills();
    const positions = await p.store.listPositions();
    const trades = await withVirtualTime(p.clock, p.venue.trades({}, { timeoutMs: 5_000 }));
    const venuePositions = await withVirtualTime(p.clock, p.venue.positions({ timeoutMs: 5_000 }));

    expect(decisions.length).toBeGreaterThanOrEqual(3);
    expect(new Set(orders.map((o) => o.windowId)).size).toBeGreaterThanOrEqual(3);
    // Every venue trade is booked exactly once, with the venue's price, size, fee and status.
    expect(trades.complete).toBe(true);
    const byId = new Map(fills.map((f) => [f.tradeId, f]));
    expect(fills).toHaveLength(trades.items.length);
    for (const t of trades.items) {
      expect(byId.get(t.tradeId)).toMatchObject({
        price: t.price,
        size: t.size,
        fee: t.fee,
        status: t.status,
      });
    }
    // Open positions equal the venue's shares per token.
    const held = new Map<string, number>();
    for (const pos of positions.filter((x) => x.state !== "CLOSED")) {
      held.set(pos.tokenId, (held.get(pos.tokenId) ?? 0) + pos.size);
    }
    for (const vp of venuePositions.items.filter((x) => x.shares !== 0)) {
      expect(held.get(vp.tokenId) ?? 0).toBe(vp.shares);
    }
    expect(positions.filter((x) => x.state === "CLOSED").length).toBeGreaterThanOrEqual(2);
    expect(p.events.some((e) => e.startsWith("state HALTED"))).toBe(false);
    // Every entry and exit is reconstructable from the audit log.
    for (const pos of positions) {
      expect(missingLinks(await auditChain(p.store, pos.positionId)), pos.positionId).toEqual([]);
    }
    for (const [name, host] of p.fleet.hosts) expect(host.crashError(), name).toBeNull();
    await stopOnVirtualClock(p);
  });

  it("makes the same decisions, fills and deliveries for the same seed", async () => {
    const a = await run(5, 35);
    const b = await run(5, 35);
    expect(a.events.filter((e) => e.startsWith("decision")).length).toBeGreaterThan(0);
    expect(b.events).toEqual(a.events);
    expect(b.fleet.broker.logHash()).toBe(a.fleet.broker.logHash());
    const c = await run(6, 35);
    expect(c.fleet.broker.logHash()).not.toBe(a.fleet.broker.logHash());
    for (const p of [a, b, c]) await stopOnVirtualClock(p);
  });
});
