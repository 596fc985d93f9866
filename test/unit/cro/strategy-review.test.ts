/**
 * First-N-windows review mode (issue 20, Phase 3): each trade of a strategy's first N windows goes
 * on the review list (stored); an operator marks each reviewed through the CRO (audited); until N
 * windows are on the list and none is pending, entries above the manifest's initial orderSize are
 * vetoed (STRATEGY_REVIEW_PENDING); after, up to scaleUp.orderSize and no further.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Position } from "../../../contracts/positions.ts";
import type { StrategyManifest } from "../../../contracts/strategy-manifest.ts";
import { loadManifests } from "../../../agents/strategy/manifests.ts";
import { renderReviews } from "../../../infra/cli/commands/review.ts";
import { CroHarness, activeCro } from "./harness.ts";
import { T0, UP, WINDOW_ID, entryIntent } from "./fixtures.ts";

function inReview(name: string, firstWindows: number): StrategyManifest {
  const base = loadManifests().find((m) => m.name === name);
  if (base === undefined) throw new Error(`no manifest ${name}`);
  const m = structuredClone(base);
  return {
    ...m,
    reviewFirstWindows: firstWindows,
    scaleUp: { ...m.scaleUp, orderSize: 10_000_000 },
    kill: { minTrades: 1_000, lookbackTrades: 1_000 },
  };
}

function open(over: Partial<Position>): Position {
  return {
    positionId: "pos-1",
    strategy: "canary",
    windowId: WINDOW_ID,
    tokenId: UP,
    mode: "PAPER",
    state: "MONITORING",
    size: 5_000_000,
    provisionalSize: 0,
    avgEntryPrice: 500_000,
    costBasis: 2_500_000,
    fees: 0,
    realizedPnl: 0,
    unrealizedPnl: 0,
    markPrice: null,
    exitReason: null,
    openedAt: T0,
    closedAt: null,
    ...over,
  };
}

async function put(cro: CroHarness, p: Position): Promise<void> {
  await cro.position(p);
  await cro.clock.advance(20);
}

let h: CroHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

describe("review mode: the first N windows' trades wait for an operator; no scale-up before", () => {
  it("lists each trade of the first 2 windows, vetoes scale-up while any is pending, allows it after", async () => {
    const cro = await activeCro({}, [
      inReview("canary", 2),
      loadManifests()[1] as StrategyManifest,
    ]);
    h = cro;
    const size = async (id: string, n: number) =>
      cro.decide(entryIntent({ intentId: id, positionId: `p-${id}`, size: n }));

    await put(cro, open({ positionId: "c-1", windowId: "btc-updown-15m-1" }));
    await put(cro, open({ positionId: "c-2", windowId: "btc-updown-15m-1" }));
    // Never filled: not a trade, not listed.
    await put(cro, open({ positionId: "c-0", windowId: "btc-updown-15m-1", avgEntryPrice: null }));
    expect((await cro.store.listTradeReviews({ pending: true })).map((r) => r.positionId)).toEqual([
      "c-1",
      "c-2",
    ]);
    // The initial size trades; the scale-up size is vetoed.
    expect((await size("a", 5_000_000)).approved).toBe(true);
    const veto = await size("b", 10_000_000);
    expect(veto.reasons).toEqual(["STRATEGY_REVIEW_PENDING"]);
    expect(veto.checks.find((c) => c.code === "STRATEGY_REVIEW_PENDING")?.detail).toBe(
      "size 10.000000 above canary's initial orderSize 5.000000: scale-up needs its first 2 windows reviewed (1 traded, 2 review(s) pending: predator review list)",
    );

    const unknown = await cro.ask({ kind: "review.mark", positionId: "nope" }, "alice", "x");
    expect(unknown).toMatchObject({ ok: false, error: "no trade nope on the review list" });
    for (const id of ["c-1", "c-2"]) {
      const r = await cro.ask(
        { kind: "review.mark", positionId: id },
        "alice",
        "fills as intended",
      );
      expect(r.ok).toBe(true);
    }
    const again = await cro.ask({ kind: "review.mark", positionId: "c-1" }, "bob", "x");
    expect(again).toMatchObject({ ok: false, error: "c-1 was already reviewed by alice" });
    // All reviewed, but only 1 of 2 windows traded: still no scale-up.
    expect((await size("c", 10_000_000)).reasons).toEqual(["STRATEGY_REVIEW_PENDING"]);

    await put(cro, open({ positionId: "c-3", windowId: "btc-updown-15m-2" }));
    // A third window is past the first 2: not listed.
    await put(cro, open({ positionId: "c-4", windowId: "btc-updown-15m-3" }));
    expect((await cro.store.listTradeReviews({ pending: true })).map((r) => r.positionId)).toEqual([
      "c-3",
    ]);
    expect((await size("d", 10_000_000)).reasons).toEqual(["STRATEGY_REVIEW_PENDING"]);
    const last = await cro.ask({ kind: "review.mark", positionId: "c-3" }, "alice", "ok");
    expect(last.detail).toBe(
      "c-3 (canary) reviewed; 0 pending, 2/2 windows: reviews done, it may scale up",
    );
    expect((await size("e", 10_000_000)).approved).toBe(true);
    // Never above the scale-up size.
    const over = await size("f", 10_000_001);
    expect(over.reasons).toContain("STRATEGY_MANIFEST");
    expect(over.reasons).not.toContain("STRATEGY_REVIEW_PENDING");

    const all = await cro.store.listTradeReviews();
    expect(all.map((r) => [r.positionId, r.reviewedBy, r.note])).toEqual([
      ["c-1", "alice", "fills as intended"],
      ["c-2", "alice", "fills as intended"],
      ["c-3", "alice", "ok"],
    ]);
    expect(renderReviews(all.slice(0, 1))).toMatch(
      /^c-1 {2}canary {2}btc-updown-15m-1 {2}\S+ {2}reviewed by alice at \S+: fills as intended$/,
    );
    // Survives a restart: the list is read back from the store at start.
    await cro.fleet.kill("cro", "1");
    await cro.startCro("2");
    await cro.untilState("ACTIVE", 10_000);
    const after = await size("g", 10_000_000);
    expect(after.checks.find((c) => c.code === "STRATEGY_REVIEW_PENDING")?.passed).toBe(true);
  });

  it("a strategy not in review mode keeps its initial orderSize as the limit and lists nothing", async () => {
    const cro = await activeCro({}, loadManifests());
    h = cro;
    await put(cro, open({ positionId: "c-1", windowId: "btc-updown-15m-9" }));
    expect(await cro.store.listTradeReviews()).toEqual([]);
    const big = await cro.decide(entryIntent({ intentId: "i", positionId: "p", size: 6_000_000 }));
    expect(big.reasons).toEqual(["STRATEGY_MANIFEST"]);
  });
});
