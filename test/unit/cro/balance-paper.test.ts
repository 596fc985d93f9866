/**
 * Issue 5, in PAPER: the simulated venue supplies collateral and allowance through the same Venue
 * port as the live adapter, the reconciler reports both, and the CRO vetoes an entry the
 * allowance cannot cover with BALANCE — the venue never sees the order.
 */
import { describe, expect, it } from "vitest";
import { startEmbeddedPipeline, stopOnVirtualClock } from "../../support/embedded-pipeline.ts";

describe("BALANCE in PAPER: a $1 allowance on $100 of collateral", () => {
  it("vetoes every entry with BALANCE; no order reaches the simulated venue", async () => {
    const p = await startEmbeddedPipeline(11);
    p.venue.setAllowance(1_000_000);
    let entries: string[] = [];
    for (let i = 0; i < 30 * 60 && entries.length === 0; i++) {
      await p.clock.advance(1_000);
      entries = p.events.filter((e) => e.startsWith("decision ENTRY"));
    }
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.endsWith("approved=false BALANCE"))).toBe(true);
    expect(await p.store.listOrders()).toEqual([]);
    await stopOnVirtualClock(p);
  });
});
