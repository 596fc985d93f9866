/**
 * The Reconciler on an EmbeddedFleet (VirtualClock, SeededRng, MemoryStore) against the simulated
 * venue: books and venue agree, then the venue is changed behind the system's back, made
 * incomplete, made to fail, or the books are broken.
 */
import { afterEach, describe, expect, it } from "vitest";
import { VirtualClock, type TimerHandle } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { MessageFactory } from "../../../bus/messages.ts";
import type { ReconMismatch, ReconReport } from "../../../contracts/recon.ts";
import { EmbeddedFleet } from "../../../infra/app/embedded.ts";
import { silentLogger } from "../../../agents/runtime/logger.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";
import { SimVenue } from "../../../infra/venue-sim/index.ts";
import { createReconcilerAgent, type ReconcilerConfig } from "../../../agents/reconciler/index.ts";
import {
  LIST_ROWS_MAX,
  type FillFilter,
  type FillRecord,
  type OrderFilter,
  type OrderRecord,
  type PositionFilter,
  type PositionRecord,
} from "../../../agents/runtime/store.ts";
import { HISTORY_OVERLAP_MS, RESTART_LOOKBACK_MS } from "../../../agents/reconciler/history.ts";
import { T0, TOKEN, WINDOW, fill, order, position } from "./fixtures.ts";

const INTERVAL_MS = 2_000;
const CONFIRM_MS = 300;

/** Counts the rows every list call returns: what a reconciliation run reads. */
class CountingStore extends MemoryStore {
  rowsRead = 0;
  override async listOrders(f?: OrderFilter): Promise<OrderRecord[]> {
    return this.count(await super.listOrders(f));
  }
  override async listFills(f?: FillFilter): Promise<FillRecord[]> {
    return this.count(await super.listFills(f));
  }
  override async listPositions(f?: PositionFilter): Promise<PositionRecord[]> {
    return this.count(await super.listPositions(f));
  }
  private count<T>(rows: T[]): T[] {
    this.rowsRead += rows.length;
    return rows;
  }
}

class Bench {
  readonly clock = new VirtualClock(T0);
  readonly rng = new SeededRng(3);
  readonly store = new CountingStore();
  readonly venue = new SimVenue({
    clock: this.clock,
    rng: this.rng.fork("venue"),
    startingCollateral: 100_000_000,
    liquidity: { enabled: false },
    latency: { fixedMs: 5, jitterMs: 0 },
  });
  readonly fleet = new EmbeddedFleet({
    clock: this.clock,
    rng: this.rng,
    store: this.store,
    log: silentLogger(),
    mode: "PAPER",
  });
  readonly bus = this.fleet.connect("test.1");
  readonly reports: (ReconReport & { at: number })[] = [];
  readonly mismatches: (ReconMismatch & { at: number })[] = [];

  constructor() {
    this.bus.subscribe("recon.report", (m) => {
      this.reports.push({ ...m, at: this.clock.now() });
    });
    this.bus.subscribe("recon.mismatch", (m) => {
      this.mismatches.push({ ...m, at: this.clock.now() });
    });
  }

  /** Books and venue agree: one open position of 5 shares, its filled entry order, its fill. */
  async seed(): Promise<void> {
    await this.clock.advance(120_000);
    await this.store.upsertOrder(order());
    await this.store.recordFill(fill());
    await this.store.savePosition(position());
    await this.store.appendAudit({
      ts: T0 + 59_000,
      agent: "cro",
      kind: "cro.decision",
      correlationId: "corr-1",
      intentId: "int-1",
      orderId: null,
      positionId: "pos-1",
      decisionId: "dec-1",
      detail: { approved: true, checks: [] },
    });
    this.venue.adjustPosition(TOKEN, 5_000_000);
  }

  async start(config: Partial<ReconcilerConfig> = {}): Promise<void> {
    const definition = createReconcilerAgent({
      venue: this.venue,
      config: {
        reconIntervalMs: INTERVAL_MS,
        confirmDelayMs: CONFIRM_MS,
        requiredAgents: [],
        ...config,
      },
    });
    await this.fleet.start(definition);
    await this.clock.advance(INTERVAL_MS + 100);
  }

  /** Steps the clock until `done()` or `boundMs` of virtual time have passed. */
  async until(done: () => boolean, boundMs: number): Promise<void> {
    const end = this.clock.now() + boundMs;
    while (!done() && this.clock.now() < end) await this.clock.advance(10);
  }

  reportsSince(t: number) {
    return this.reports.filter((r) => r.at >= t);
  }

  crashed(): Error | null {
    return this.fleet.host("reconciler")?.crashError() ?? null;
  }
}

let bench: Bench;
afterEach(async () => {
  await bench.fleet.stop();
});

describe("Reconciler agent", () => {
  it("reports CLEAN while the venue and the books agree, and audits every run", async () => {
    bench = new Bench();
    await bench.seed();
    await bench.start();
    expect(bench.reports.length).toBeGreaterThanOrEqual(2);
    expect(bench.reports.map((r) => r.verdict)).toEqual(bench.reports.map(() => "CLEAN"));
    expect(bench.reports[0]).toMatchObject({
      positionsChecked: 1,
      balance: 100_000_000,
      mismatches: [],
    });
    expect(bench.reports[0]?.assertions).toHaveLength(9);
    expect(bench.mismatches).toEqual([]);
    const last = bench.reports.at(-1);
    const audit = await bench.store.auditFor(last?.correlationId ?? "");
    expect(audit).toEqual([expect.objectContaining({ kind: "recon.run", agent: "reconciler" })]);
  });

  it("publishes recon.mismatch within one interval (plus the confirmation) of a change behind its back", async () => {
    bench = new Bench();
    await bench.seed();
    await bench.start();
    const changedAt = bench.clock.now();
    bench.venue.adjustPosition(TOKEN, 2_000_000);
    await bench.until(() => bench.mismatches.length > 0, 5 * INTERVAL_MS);
    const first = bench.mismatches[0];
    expect(first?.mismatches).toEqual([
      {
        kind: "POSITION",
        key: TOKEN,
        expected: "5.000000 shares (provisional +0.000000/-0.000000)",
        actual: "7.000000 shares",
      },
    ]);
    expect((first?.at ?? Infinity) - changedAt).toBeLessThanOrEqual(INTERVAL_MS + CONFIRM_MS);
    expect(bench.reports.at(-1)?.verdict).toBe("MISMATCH");
    expect(bench.mismatches.every((m) => m.correlationId !== "")).toBe(true);
  });

  it("gives NO_VERDICT and no mismatch while the venue's reports are incomplete", async () => {
    bench = new Bench();
    await bench.seed();
    await bench.start();
    bench.venue.setFaults({ report: () => "truncate" });
    const from = bench.clock.now();
    bench.venue.adjustPosition(TOKEN, -5_000_000); // the venue now looks flat, but only half-listed
    await bench.clock.advance(5 * INTERVAL_MS);
    expect(bench.reportsSince(from).map((r) => r.verdict)).toEqual(
      bench.reportsSince(from).map(() => "NO_VERDICT"),
    );
    expect(bench.reportsSince(from).length).toBeGreaterThanOrEqual(5);
    expect(bench.mismatches).toEqual([]);
    // The same change, once the reports are complete again, is a mismatch: the test can fail.
    bench.venue.setFaults(null);
    await bench.until(() => bench.mismatches.length > 0, 2 * INTERVAL_MS);
    expect(bench.mismatches[0]?.mismatches[0]).toMatchObject({
      kind: "POSITION",
      actual: "0.000000 shares",
    });
  });

  it.each(["5xx", "timeout"] as const)(
    "survives a venue %s as NO_VERDICT, naming the error",
    async (fault) => {
      bench = new Bench();
      await bench.seed();
      await bench.start();
      bench.venue.setFaults({ beforeCall: () => fault });
      const from = bench.clock.now();
      await bench.clock.advance(3 * INTERVAL_MS);
      const reports = bench.reportsSince(from);
      expect(reports.length).toBeGreaterThanOrEqual(2);
      expect(reports.every((r) => r.verdict === "NO_VERDICT")).toBe(true);
      const audit = await bench.store.auditFor(reports[0]?.correlationId ?? "");
      const detail = audit[0]?.detail as { reasons: string[] };
      const code = fault === "5xx" ? "VENUE_SERVER_ERROR" : "VENUE_TIMEOUT";
      expect(detail.reasons).toEqual([
        expect.stringContaining(`positions: ${code}`),
        expect.stringContaining(`openOrders: ${code}`),
        expect.stringContaining(`balance: ${code}`),
      ]);
      expect(bench.mismatches).toEqual([]);
      expect(bench.crashed()).toBeNull();
      bench.venue.setFaults(null);
      await bench.clock.advance(INTERVAL_MS);
      expect(bench.reports.at(-1)?.verdict).toBe("CLEAN");
    },
  );

  it("does not flag a fill in flight: provisional shares, or books that catch up before confirmation", async () => {
    bench = new Bench();
    await bench.seed();
    await bench.start();
    // Venue has 7; the books hold 5 confirmed + 2 provisional.
    await bench.store.savePosition(position({ provisionalSize: 2_000_000 }));
    bench.venue.adjustPosition(TOKEN, 2_000_000);
    await bench.clock.advance(2 * INTERVAL_MS);
    expect(bench.reports.at(-1)?.verdict).toBe("CLEAN");
    // Venue moves to 9 first; the books learn it between the detecting and the confirming run.
    const from = bench.clock.now();
    bench.venue.adjustPosition(TOKEN, 2_000_000);
    await bench.until(
      () => bench.reportsSince(from).some((r) => r.verdict === "NO_VERDICT"),
      2 * INTERVAL_MS,
    );
    await bench.store.savePosition(position({ size: 9_000_000 }));
    await bench.clock.advance(3 * INTERVAL_MS);
    expect(bench.mismatches).toEqual([]);
    expect(bench.reports.at(-1)?.verdict).toBe("CLEAN");
  });

  it("trips on a failed assertion at once, naming it, even when the venue report is incomplete", async () => {
    bench = new Bench();
    await bench.seed();
    await bench.start();
    bench.venue.setFaults({ report: () => "truncate" });
    const rogue = order({
      orderId: "ord-rogue",
      decisionId: null,
      createdAt: bench.clock.now() - 5_000,
      updatedAt: bench.clock.now(), // its writer stamps the time it wrote it
    });
    await bench.store.upsertOrder(rogue);
    await bench.clock.advance(INTERVAL_MS);
    expect(bench.mismatches[0]?.mismatches).toEqual([
      expect.objectContaining({
        kind: "ASSERTION",
        key: "signal-order-mapping",
        actual: expect.stringContaining("ord-rogue") as unknown,
      }),
    ]);
    expect(bench.reports.at(-1)?.verdict).toBe("NO_VERDICT");
  });

  it("fails the heartbeats assertion when a required agent falls silent", async () => {
    bench = new Bench();
    await bench.seed();
    const factory = new MessageFactory(bench.clock, bench.rng.fork("exec"), {
      agent: "execution",
      instance: "1",
    });
    let seq = 0;
    const beat = (agent: string) =>
      void bench.bus.publish(
        factory.make("hb", {
          agent,
          instance: "1",
          seq: seq++,
          lifecycle: "running",
          leader: agent === "execution" ? true : null,
          pid: 1,
          startedAt: T0,
          mailboxDepth: 0,
          intervalMs: 500,
        }),
      );
    // Another agent keeps beating: the reconciler hears the bus, so the silence is execution's.
    bench.clock.setInterval(500, () => {
      beat("market-data");
    });
    const timer: TimerHandle = bench.clock.setInterval(500, () => {
      beat("execution");
    });
    await bench.start({ requiredAgents: ["execution"] });
    await bench.clock.advance(2 * INTERVAL_MS);
    expect(bench.mismatches).toEqual([]);
    bench.clock.clearTimer(timer);
    await bench.until(() => bench.mismatches.length > 0, 3 * INTERVAL_MS);
    expect(bench.mismatches[0]?.mismatches).toEqual([
      expect.objectContaining({
        kind: "ASSERTION",
        key: "heartbeats",
        actual: expect.stringContaining("execution: last heartbeat") as unknown,
      }),
    ]);
  });
});

describe("Reconciler: history read incrementally", () => {
  /** A closed position and its two fills: bought 5 at 0.50, sold 5 at 0.60, fees 0.1. */
  async function closedTrade(id: string, at: number, realizedPnl = 400_000): Promise<void> {
    const rows = { positionId: id, windowId: WINDOW, updatedAt: at };
    await bench.store.recordFill(fill({ ...rows, tradeId: `${id}-b`, fee: 50_000, ts: at }));
    const sell = { side: "SELL" as const, kind: "EXIT" as const, price: 600_000, fee: 50_000 };
    await bench.store.recordFill(fill({ ...rows, ...sell, tradeId: `${id}-s`, ts: at }));
    const closed = { state: "CLOSED" as const, size: 0, costBasis: 0, closedAt: at };
    await bench.store.savePosition(position({ ...rows, ...closed, realizedPnl }));
  }
  const pnlFailed = () => {
    const a = bench.reports.at(-1)?.assertions.find((x) => x.name === "pnl-match");
    return a?.passed === false ? a.detail : null;
  };
  const pastOverlap = 3 * HISTORY_OVERLAP_MS;

  it("keeps a failing closed position in view run after run, long after it was written", async () => {
    bench = new Bench();
    await bench.seed();
    await bench.start();
    await closedTrade("pos-bad", bench.clock.now(), 123);
    await bench.clock.advance(INTERVAL_MS);
    expect(pnlFailed()).toContain("pos-bad");
    await bench.clock.advance(pastOverlap);
    expect(pnlFailed()).toContain("pos-bad");
    // the books are mended: the next run is clean, and stays so
    await closedTrade("pos-bad", bench.clock.now());
    await bench.clock.advance(INTERVAL_MS);
    expect(pnlFailed()).toBeNull();
    await bench.clock.advance(pastOverlap);
    expect(pnlFailed()).toBeNull();
  });

  it("judges a long-closed position again when a fill of it is written late", async () => {
    bench = new Bench();
    await bench.seed();
    await bench.start();
    await closedTrade("pos-2", bench.clock.now());
    await bench.clock.advance(pastOverlap);
    expect(pnlFailed()).toBeNull();
    const late = { positionId: "pos-2", tradeId: "pos-2-late", side: "SELL" as const };
    const now = bench.clock.now();
    await bench.store.recordFill(fill({ ...late, kind: "EXIT", ts: now, updatedAt: now }));
    await bench.clock.advance(INTERVAL_MS);
    expect(pnlFailed()).toContain("pos-2");
  });

  it("reads only what changed: a run's reads do not grow with the history", async () => {
    bench = new Bench();
    await bench.seed();
    for (let i = 0; i < 500; i++) await closedTrade(`old-${i}`, T0 + 1_000 + i);
    await bench.start();
    expect(bench.store.rowsRead).toBeGreaterThan(1_500); // the first run reads it all
    await bench.clock.advance(pastOverlap);
    const before = bench.store.rowsRead;
    const runs = bench.reports.length;
    await bench.clock.advance(10 * INTERVAL_MS);
    const perRun = (bench.store.rowsRead - before) / (bench.reports.length - runs);
    expect(perRun).toBeLessThan(20);
    expect(bench.reports.at(-1)?.verdict).toBe("CLEAN");
  });

  it("judges the last week of history after a start, not the system's whole life", async () => {
    bench = new Bench();
    await bench.seed();
    const weekAgo = bench.clock.now() - RESTART_LOOKBACK_MS;
    for (let i = 0; i < 500; i++) await closedTrade(`ancient-${i}`, weekAgo - 86_400_000 + i);
    await closedTrade("pos-old-bad", weekAgo - 60_000, 123);
    await closedTrade("pos-recent-bad", weekAgo + 60_000, 123);
    await bench.start();
    await bench.clock.advance(INTERVAL_MS);
    const failed = pnlFailed();
    expect(failed).toContain("pos-recent-bad");
    expect(failed).not.toContain("pos-old-bad");
    expect(bench.store.rowsRead).toBeLessThan(500);
  });

  it("sees a fill stuck MATCHED behind more history than one list call returns", async () => {
    bench = new Bench();
    await bench.seed();
    for (let i = 0; i < LIST_ROWS_MAX; i++) {
      await bench.store.recordFill(fill({ tradeId: `old-${i}`, positionId: null, ts: T0 + i }));
    }
    await bench.start();
    const now = bench.clock.now();
    const stuck = { tradeId: "t-stuck", status: "MATCHED" as const, positionId: null };
    await bench.store.recordFill(fill({ ...stuck, ts: now, updatedAt: now }));
    await bench.clock.advance(pastOverlap);
    const a = bench.reports.at(-1)?.assertions.find((x) => x.name === "fill-confirmation");
    expect(a).toMatchObject({
      passed: false,
      detail: expect.stringContaining("t-stuck") as unknown,
    });
  });
});
