/**
 * Issue 5: "a shortfall is a CRO veto, not a venue error". The BALANCE check bounds an entry's
 * cost (size × price + fee) by the collateral AND by the exchange's allowance, both as the last
 * reconciliation reported them (the venue's balance-allowance endpoint, folded with the on-chain
 * read in LIVE), net of what working orders and unplaced approvals already reserve.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runChecks } from "../../../agents/cro/checks.ts";
import { CroHarness, activeCro } from "./harness.ts";
import { entryIntent, order, snapshot } from "./fixtures.ts";

let h: CroHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const balanceCheck = (v: ReturnType<typeof runChecks>) =>
  v.checks.find((c) => c.code === "BALANCE");

describe("BALANCE: collateral and allowance", () => {
  it("vetoes an entry whose $2.59 cost exceeds a $2 allowance, with $100 of collateral", () => {
    const v = runChecks(snapshot({ balance: 100_000_000, allowance: 2_000_000 }));
    expect(v.approved).toBe(false);
    expect(v.reasons).toEqual(["BALANCE"]);
    expect(balanceCheck(v)?.detail).toMatch(/allowance available \$2\.00/);
  });

  it("counts what working BUY orders reserve against the allowance too", () => {
    // $5 allowance, $2.50 reserved by a working BUY elsewhere, $2.59 needed.
    const openOrders = [order({ tokenId: "tok-elsewhere" })];
    expect(runChecks(snapshot({ allowance: 5_000_000, openOrders })).reasons).toEqual(["BALANCE"]);
    expect(runChecks(snapshot({ allowance: 6_000_000, openOrders })).approved).toBe(true);
  });

  it("approves when both cover the cost; the smaller one binds", () => {
    expect(runChecks(snapshot({ balance: 100_000_000, allowance: 2_587_500 })).approved).toBe(true);
    expect(runChecks(snapshot({ balance: 2_000_000, allowance: 100_000_000 })).reasons).toEqual([
      "BALANCE",
    ]);
    // Never reported (a reconciler without the field): the balance alone bounds.
    expect(runChecks(snapshot({ allowance: null })).approved).toBe(true);
  });

  it("the CRO agent takes the allowance from recon.report and vetoes with BALANCE", async () => {
    h = await activeCro();
    h.signals.allowance = 1_000_000;
    await h.report("CLEAN");
    await h.clock.advance(0);
    const d = await h.decide(entryIntent({ intentId: "int-a1", positionId: "pos-a1" }));
    expect(d.approved).toBe(false);
    expect(d.reasons).toEqual(["BALANCE"]);
    // An allowance raised on-chain shows up in the next report and lifts the veto.
    h.signals.allowance = 50_000_000;
    await h.report("CLEAN");
    await h.clock.advance(0);
    const again = await h.decide(entryIntent({ intentId: "int-a2", positionId: "pos-a2" }));
    expect(again.approved).toBe(true);
  });
});
