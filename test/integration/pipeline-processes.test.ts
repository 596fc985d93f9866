/**
 * Acceptance, end to end: the simulated venue and the seven agents, each its own OS process, over a
 * private nats-server and a fresh PostgreSQL database. The canary trades several (compressed, 70 s)
 * windows; then what PostgreSQL says about orders, fills, positions and cash must equal what the
 * venue says, every position's audit chain must be complete, nothing may have HALTED, and every
 * process must exit 0 on SIGTERM. Finally the same scenario runs in one process on a VirtualClock
 * and its CRO decisions are compared with the ones the processes made.
 */
import { rm } from "node:fs/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { SystemClock } from "../../bus/clock.ts";
import { MessageFactory } from "../../bus/messages.ts";
import { NatsBus } from "../../bus/nats.ts";
import { SystemRng } from "../../bus/rng.ts";
import { WORKING_STATUSES } from "../../agents/cro/check-types.ts";
import type { TradingState } from "../../contracts/common.ts";
import { intent as intentSchema } from "../../contracts/intents.ts";
import type { MdWindow } from "../../contracts/market-data.ts";
import { MICRO, notional, toMicro } from "../../contracts/money.ts";
import type {
  FillRecord,
  OrderRecord,
  PositionRecord,
  StoredAuditEntry,
} from "../../agents/runtime/store.ts";
import { PgStore } from "../../infra/store/pg.ts";
import { RemoteVenue } from "../../infra/venue-remote/client.ts";
import { windowInstrument } from "../../infra/venue-sim/index.ts";
import { startNatsServer, type NatsServerHandle } from "../harness/nats.ts";
import { createTestDatabase } from "../harness/postgres.ts";
import {
  addAgents,
  addVenueSim,
  badExits,
  bookEntry,
  decisionKey,
  entrySignal,
  logRecords,
  logTails,
  makeLogDir,
  replayInProcess,
  runCli,
  stopAll,
  testSupervisor,
  waitFor,
  type DecisionKey,
  type FleetEnv,
  type RunRecord,
} from "../support/processes.ts";

const SEED = 7;
const WINDOW_SECONDS = 70;
const WINDOW_MS = WINDOW_SECONDS * 1_000;
const COLLATERAL_USD = 100;
const WINDOWS_TRADED_MIN = 3;
/** The simulator names 70 s windows `btc-updown-70s-<start>`: the operator allows exactly those. */
const CONTROLS = { allowed_instruments: windowInstrument("btc", WINDOW_MS) };
const CALL = { timeoutMs: 5_000 };

/** Bounds (wall time). Trading needs WINDOWS_TRADED_MIN windows after the fleet is ACTIVE. */
const VENUE_UP_MS = 30_000;
const ACTIVE_MS = 60_000;
const TRADED_MS = (WINDOWS_TRADED_MIN + 2) * WINDOW_MS;
const TEST_TIMEOUT_MS = 9 * 60_000;

/**
 * Stop only in the quiet slot just after a window boundary: the last window has resolved and
 * settled, and the canary's next entry is 10 s away (it enters at T−60 s of a 70 s window).
 */
const QUIET_SLOT_MS = { from: 1_000, to: 7_000 };

interface StateSeen {
  at: number;
  state: TradingState;
  reason: string;
}

describe("the fleet as separate processes over NATS and PostgreSQL", () => {
  let nats: NatsServerHandle | undefined;
  let db: { url: string; drop(): Promise<void> } | undefined;
  let env: FleetEnv = { natsUrl: "", databaseUrl: "", logDir: "" };
  const venueProcess = testSupervisor();
  const agentProcesses = testSupervisor();
  const cleanups: Array<() => Promise<unknown>> = [];
  /** The children's logs are kept (and printed) only when the test fails. */
  let passed = false;

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase();
    env = { natsUrl: nats.url, databaseUrl: db.url, logDir: await makeLogDir() };
  });

  afterAll(async () => {
    // Idempotent: a passing test has stopped everything already.
    await agentProcesses.stop();
    await venueProcess.stop();
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await db?.drop();
    await nats?.stop();
    if (passed) await rm(env.logDir, { recursive: true, force: true });
  });

  it(
    "trades the canary over several windows; PostgreSQL equals the venue; audit chains complete",
    async () => {
      onTestFailed(async () => {
        process.stderr.write(`${await logTails(env.logDir)}\n`);
      });
      const t0 = Date.now();

      // 1. Schema, the operator's controls, the venue, then the agents.
      await runCli(["migrate"], env);
      const store = await PgStore.open(env.databaseUrl);
      cleanups.push(() => store.close());
      for (const [key, value] of Object.entries(CONTROLS))
        await store.setControl(key, value, "test", Date.now());

      const clock = new SystemClock();
      const observer = await NatsBus.connect({
        servers: env.natsUrl,
        name: "test-observer.1",
        clock,
      });
      cleanups.push(() => observer.close());
      const states: StateSeen[] = [];
      observer.subscribe("cro.state", (m) => {
        const last = states.at(-1);
        if (last?.state !== m.state || last.reason !== m.reason)
          states.push({ at: m.ts, state: m.state, reason: m.reason });
      });
      const resolved = new Map<string, MdWindow>();
      observer.subscribe("md.window", (m) => {
        if (m.status === "RESOLVED") resolved.set(m.windowId, m);
      });
      const books = new Map<string, string>();
      observer.subscribe("md.book", (m) => {
        books.set(...bookEntry(m));
      });
      const venue = new RemoteVenue(
        observer,
        new MessageFactory(clock, new SystemRng(), { agent: "test-observer", instance: "1" }),
        { userDurable: "test-observer-user", ackWaitMs: 5_000 },
      );

      addVenueSim(venueProcess, env, {
        seed: SEED,
        windowSeconds: WINDOW_SECONDS,
        collateralUsd: COLLATERAL_USD,
      });
      await waitFor(
        "the venue answering over NATS",
        async () => (await venue.markets(CALL)).complete,
        {
          timeoutMs: VENUE_UP_MS,
        },
      );
      const venueStartedAt = await waitFor(
        "venue-sim's start record",
        async () => {
          const line = (await logRecords(env.logDir, "venue-sim.1")).find(
            (r) => typeof r.startedAt === "number",
          );
          return line?.startedAt as number | undefined;
        },
        { timeoutMs: 5_000 },
      );
      addAgents(agentProcesses, env);

      // 2. ACTIVE, then the canary trades WINDOWS_TRADED_MIN windows that all resolve.
      await waitFor("cro.state ACTIVE", () => states.some((s) => s.state === "ACTIVE"), {
        timeoutMs: ACTIVE_MS,
        describe: () => JSON.stringify(states),
      });
      // The replay starts its agents when this one started: its 1 s evaluation timer then has the
      // same phase, so the canary's first look inside its slot comes at the same moment.
      const agentsStartedAt = await waitFor(
        "strategy's running record",
        async () =>
          (await logRecords(env.logDir, "strategy.1")).find((r) => r.msg === "running")?.time as
            number | undefined,
        { timeoutMs: 5_000 },
      );
      const tradedWindows = await waitFor(
        `the canary to trade ${WINDOWS_TRADED_MIN} resolved windows, then a quiet moment`,
        () => quietAfterTrading(store, resolved),
        { timeoutMs: TRADED_MS, pollMs: 250, describe: () => describeBooks(store) },
      );
      const stoppedAt = Date.now();

      // 4 (agents first). SIGTERM; every agent exits 0 and none was ever restarted.
      expect(badExits(await stopAll(agentProcesses))).toEqual([]);

      // 3. PostgreSQL against the venue (which keeps running, idle: nothing of ours is open).
      const [orders, fills, positions] = await Promise.all([
        store.listOrders(),
        store.listFills(),
        store.listPositions(),
      ]);
      expect(orders.filter((o) => WORKING_STATUSES.includes(o.status))).toEqual([]);
      await expectFillsEqualTrades(fills, venue);
      await expectOrdersEqualVenue(orders, venue);
      await expectOpenPositionsEqualVenue(positions, venue);
      expectRealizedPnlFromFills(positions, fills, resolved);
      await expectCashEqualsVenue(positions, fills, resolved, venue);
      for (const p of positions)
        expectCompleteAuditChain(p, orders, fills, await store.auditFor(p.positionId, 1_000));

      // Nothing went HALTED while the fleet ran (seen on the bus and in cro_events).
      const events = await store.listCroEvents({ limit: 10_000 });
      expect(events.length).toBeGreaterThan(0);
      expect(events.filter((e) => e.ts < stoppedAt && e.state === "HALTED")).toEqual([]);
      expect(states.filter((s) => s.at < stoppedAt && s.state === "HALTED")).toEqual([]);

      // 4 (the venue). SIGTERM; exits 0.
      expect(badExits(await stopAll(venueProcess))).toEqual([]);
      const processesMs = Date.now() - t0;

      // 5. The same scenario in one process.
      const multi = await recordFromAudit(env.databaseUrl, books);
      const lastWindowEnd = Math.max(...tradedWindows.map((w) => windowEnd(w)));
      const single = await replayInProcess({
        seed: SEED,
        windowMs: WINDOW_MS,
        collateralUsd: COLLATERAL_USD,
        venueStartedAt,
        agentsStartedAt,
        controls: CONTROLS,
        untilTs: lastWindowEnd + 1_000,
      });
      compareRuns(multi, single, tradedWindows);
      process.stdout.write(
        `pipeline-processes: ${tradedWindows.length} windows traded, ${orders.length} orders, ` +
          `${fills.length} fills, ${positions.length} positions; processes ${processesMs} ms, ` +
          `total ${Date.now() - t0} ms; states ${states.map((x) => `${x.state}(${x.reason})`).join(" → ")}\n`,
      );
      passed = true;
    },
    TEST_TIMEOUT_MS,
  );
});

// ---- waiting ----

/** The traded windows once ≥ WINDOWS_TRADED_MIN have resolved and nothing of ours is in flight. */
async function quietAfterTrading(
  store: PgStore,
  resolved: ReadonlyMap<string, MdWindow>,
): Promise<string[] | null> {
  const into = Date.now() % WINDOW_MS;
  if (into < QUIET_SLOT_MS.from || into > QUIET_SLOT_MS.to) return null;
  const [orders, fills, open] = await Promise.all([
    store.listOrders(),
    store.listFills(),
    store.listPositions({ open: true }),
  ]);
  if (open.length > 0 || fills.some((f) => f.status === "MATCHED")) return null;
  if (orders.some((o) => WORKING_STATUSES.includes(o.status))) return null;
  const traded = [
    ...new Set(orders.filter((o) => o.kind === "ENTRY" && o.filledSize > 0).map((o) => o.windowId)),
  ];
  if (traded.length < WINDOWS_TRADED_MIN || traded.some((w) => !resolved.has(w))) return null;
  return traded;
}

async function describeBooks(store: PgStore): Promise<string> {
  const [orders, positions] = await Promise.all([store.listOrders(), store.listPositions()]);
  return `${orders.length} orders (${orders.map((o) => `${o.kind}/${o.status}/${o.windowId}`).join(", ")}), ${positions.length} positions`;
}

function windowEnd(windowId: string): number {
  const start = Number(/-(\d+)$/.exec(windowId)?.[1]);
  return start * 1_000 + WINDOW_MS;
}

// ---- PostgreSQL against the venue ----

async function expectFillsEqualTrades(fills: FillRecord[], venue: RemoteVenue): Promise<void> {
  const trades = await venue.trades({}, CALL);
  expect(trades.complete).toBe(true);
  const ours = fills.map((f) => ({
    tradeId: f.tradeId,
    orderId: f.orderId,
    side: f.side,
    price: f.price,
    size: f.size,
    fee: f.fee,
    status: f.status,
  }));
  const theirs = trades.items.map((t) => ({
    tradeId: t.tradeId,
    orderId: t.clientOrderId,
    side: t.side,
    price: t.price,
    size: t.size,
    fee: t.fee,
    status: t.status,
  }));
  const byId = (a: { tradeId: string }, b: { tradeId: string }) =>
    a.tradeId.localeCompare(b.tradeId);
  expect(ours.sort(byId)).toEqual(theirs.sort(byId));
}

/** Every order the venue saw is ours with the same fill; the venue never saw a refused one. */
async function expectOrdersEqualVenue(orders: OrderRecord[], venue: RemoteVenue): Promise<void> {
  for (const o of orders) {
    const v = await venue.getOrder({ clientOrderId: o.orderId }, CALL);
    if (o.status === "REFUSED" || o.status === "REJECTED") {
      expect(v, `${o.orderId} (${o.status}) must not exist at the venue`).toBeNull();
      continue;
    }
    expect(v, `${o.orderId} at the venue`).not.toBeNull();
    expect({
      id: v?.venueOrderId,
      filled: v?.filledSize,
      side: v?.side,
      token: v?.tokenId,
    }).toEqual({
      id: o.venueOrderId,
      filled: o.filledSize,
      side: o.side,
      token: o.tokenId,
    });
  }
}

async function expectOpenPositionsEqualVenue(
  positions: PositionRecord[],
  venue: RemoteVenue,
): Promise<void> {
  const report = await venue.positions(CALL);
  expect(report.complete).toBe(true);
  const held = new Map<string, number>();
  for (const p of positions.filter((x) => x.state !== "CLOSED"))
    held.set(p.tokenId, (held.get(p.tokenId) ?? 0) + p.size);
  const theirs = new Map(
    report.items.filter((x) => x.shares !== 0).map((x) => [x.tokenId, x.shares]),
  );
  expect(held).toEqual(theirs);
}

/** What a window's resolution paid per share of `tokenId`, from the venue's md.window. */
function payoutPerShare(p: PositionRecord, resolved: ReadonlyMap<string, MdWindow>): number {
  const w = resolved.get(p.windowId);
  if (w === undefined) return 0;
  return (w.upTokenId === p.tokenId) === (w.outcome === "UP") ? MICRO : 0;
}

/** Cash flows of a position recomputed from its confirmed fills and the settlement. */
function flows(p: PositionRecord, fills: FillRecord[], resolved: ReadonlyMap<string, MdWindow>) {
  const mine = fills.filter((f) => f.positionId === p.positionId && f.status === "CONFIRMED");
  let bought = 0;
  let sold = 0;
  let fees = 0;
  let shares = 0;
  for (const f of mine) {
    fees += f.fee;
    if (f.side === "BUY") {
      bought += notional(f.size, f.price);
      shares += f.size;
    } else {
      sold += notional(f.size, f.price);
      shares -= f.size;
    }
  }
  const settled = p.state === "CLOSED" ? shares : 0;
  const payout = notional(settled, payoutPerShare(p, resolved));
  return { bought, sold, fees, payout, pnl: sold - bought - fees + payout };
}

function expectRealizedPnlFromFills(
  positions: PositionRecord[],
  fills: FillRecord[],
  resolved: ReadonlyMap<string, MdWindow>,
): void {
  const closed = positions.filter((p) => p.state === "CLOSED");
  expect(closed.length).toBeGreaterThanOrEqual(WINDOWS_TRADED_MIN);
  for (const p of closed) {
    const f = flows(p, fills, resolved);
    expect({ id: p.positionId, pnl: p.realizedPnl, fees: p.fees }).toEqual({
      id: p.positionId,
      pnl: f.pnl,
      fees: f.fees,
    });
  }
}

async function expectCashEqualsVenue(
  positions: PositionRecord[],
  fills: FillRecord[],
  resolved: ReadonlyMap<string, MdWindow>,
  venue: RemoteVenue,
): Promise<void> {
  let cash = toMicro(String(COLLATERAL_USD));
  for (const p of positions) {
    const f = flows(p, fills, resolved);
    cash += f.sold - f.bought - f.fees + f.payout;
  }
  const balance = await venue.balance(CALL);
  expect(balance.complete).toBe(true);
  expect(balance.value.collateral).toBe(cash);
  expect(balance.value.reserved).toBe(0);
}

// ---- the audit trail ----

function expectCompleteAuditChain(
  p: PositionRecord,
  orders: OrderRecord[],
  fills: FillRecord[],
  chain: StoredAuditEntry[],
): void {
  const where = `audit chain of ${p.positionId}`;
  const find = (kind: string, pred: (e: StoredAuditEntry) => boolean = () => true) =>
    chain.find((e) => e.kind === kind && pred(e));
  const detail = (e: StoredAuditEntry | undefined) => (e?.detail ?? {}) as Record<string, unknown>;
  const mine = orders.filter((o) => o.positionId === p.positionId);
  const entry = mine.find((o) => o.kind === "ENTRY");
  expect(entry, `${where}: entry order`).toBeDefined();
  if (entry === undefined) return;
  // The signal and the book at decision time (Strategy).
  const signal = detail(find("strategy.signal", (e) => e.intentId === entry.intentId));
  expect(signal.signal, `${where}: signal`).toBeDefined();
  const books = (signal.books ?? {}) as Record<
    string,
    { tokenId?: string; bids?: unknown[]; asks?: unknown[] } | null
  >;
  // Both books are recorded exactly as the strategy saw them. The other outcome's book may be
  // empty or not yet seen (null) when a window has just opened; the bought token's book had asks.
  expect(Object.keys(books).sort(), `${where}: both books recorded`).toEqual(["down", "up"]);
  const bought = [books.up, books.down].find((b) => b?.tokenId === entry.tokenId);
  expect(
    bought?.asks?.length ?? 0,
    `${where}: bought token's book at decision time`,
  ).toBeGreaterThan(0);
  for (const o of mine) {
    // Each CRO check and its result, the balance, the approval.
    const decision = detail(find("cro.decision", (e) => e.intentId === o.intentId));
    const checks = (decision.checks ?? []) as Array<{ code: string; passed: boolean }>;
    expect(decision.approved, `${where}: ${o.orderId} approved`).toBe(true);
    expect(decision.decisionId, `${where}: ${o.orderId} decision`).toBe(o.decisionId);
    expect(checks.length, `${where}: ${o.orderId} checks`).toBeGreaterThan(5);
    expect(
      checks.filter((c) => !c.passed),
      `${where}: failed checks`,
    ).toEqual([]);
    expect(decision.balance, `${where}: ${o.orderId} balance`).toBeDefined();
    expect(intentSchema.safeParse(decision.intent).success).toBe(true);
    if (o.kind === "EXIT")
      expect(find("exit.intent", (e) => e.intentId === o.intentId)).toBeDefined();
    if (o.status === "REFUSED") {
      // An approval that lapsed while persisting: refused, audited, never sent.
      expect(find("execution.refused", (e) => e.orderId === o.orderId)).toBeDefined();
      continue;
    }
    // The order payload and the venue's answer (Execution).
    const payload = detail(find("order.payload", (e) => e.orderId === o.orderId));
    expect(payload.request, `${where}: ${o.orderId} payload`).toMatchObject({
      clientOrderId: o.orderId,
    });
    const answer = detail(
      find("venue.response", (e) => e.orderId === o.orderId && detail(e).call === "placeOrder"),
    );
    expect(answer.result, `${where}: ${o.orderId} venue answer`).toBeDefined();
    // Every fill with its fee (Execution), and every new trade's slippage (Portfolio).
    for (const f of fills.filter((x) => x.orderId === o.orderId)) {
      const booked = find(
        "fill",
        (e) => detail(e).tradeId === f.tradeId && detail(e).status === f.status,
      );
      expect(detail(booked).fee, `${where}: fill ${f.tradeId}`).toBe(f.fee);
      expect(
        find("fill.slippage", (e) => detail(e).tradeId === f.tradeId),
        `${where}: slippage`,
      ).toBeDefined();
    }
  }
  // How it ended and what it made, net of fees (Portfolio).
  const closed = detail(find("position.closed"));
  const holdings = (closed.holdings ?? {}) as Record<string, unknown>;
  expect({ pnl: holdings.realizedPnl, fees: holdings.fees }, `${where}: closing PnL`).toEqual({
    pnl: p.realizedPnl,
    fees: p.fees,
  });
}

// ---- decisions: processes against one process ----

/** Every decision and entry signal the processes wrote to the audit log, in order. */
async function recordFromAudit(
  databaseUrl: string,
  books: Map<string, string>,
): Promise<RunRecord> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ kind: string; detail: Record<string, unknown> }>(
      "SELECT kind, detail FROM audit_log WHERE kind IN ('cro.decision', 'strategy.signal') ORDER BY ts, id",
    );
    const run: RunRecord = { decisions: [], signals: [], books };
    for (const { kind, detail } of rows) {
      if (kind === "strategy.signal") run.signals.push(entrySignal(detail));
      else
        run.decisions.push(
          decisionKey({
            intent: intentSchema.parse(detail.intent),
            approved: detail.approved === true,
            reasons: detail.reasons as string[],
          }),
        );
    }
    return run;
  } finally {
    await client.end();
  }
}

/**
 * Processes against one process, window by window. What must hold and why:
 *
 * Both runs see the same market: the venue's underlying path is a function of the seed and of the
 * second it started, window boundaries are absolute, and the one-process venue starts at the
 * instant the venue-sim process did. But real and virtual time schedule the rest differently: the
 * venue's 3 s requote timer drifts a little per tick on the system clock (so a requote's fair price
 * can round to another tick), and the strategy's 1 s evaluation timer and the process start-up
 * have another phase, so the first evaluation inside the canary's slot (T−60 s…T−45 s) can fall
 * before a requote in one run and after it in the other. The canary then buys at another ask or,
 * when the mid crosses 0.50 between those two books, the other outcome; and a different entry
 * price moves the stop-loss line, so exits can differ too. Hence:
 *  - in every window: exactly one ENTRY decision in each run, approved, no reason codes; every
 *    EXIT decision approved (invariant 4) — the same kinds and approvals in both runs;
 *  - where the canary saw identical books in both runs (same seq and levels on both tokens), the
 *    same signal (outcome, limit price) and the same ENTRY decision: same input, same decision,
 *    across the process boundary;
 *  - at least one window has identical entry books, or the replay is not the same scenario.
 * Whether whole sequences (exits included) agreed is printed, not asserted.
 */
function compareRuns(multi: RunRecord, single: RunRecord, windows: string[]): void {
  const of = <T extends { windowId: string }>(all: T[], w: string) =>
    all.filter((d) => d.windowId === w);
  const common = [...multi.books.keys()].filter((k) => single.books.has(k));
  const sameBooks = common.filter((k) => multi.books.get(k) === single.books.get(k)).length;
  process.stdout.write(`md.book agreement: ${sameBooks}/${common.length} books identical by seq\n`);
  let sameInputs = 0;
  for (const w of windows) {
    const [a, b] = [of(multi.decisions, w), of(single.decisions, w)];
    process.stdout.write(
      `${w}: ${JSON.stringify(a) === JSON.stringify(b) ? "identical" : "DIFFERENT"} decisions\n` +
        `  processes:   ${a.map(show).join(" | ")}\n  one process: ${b.map(show).join(" | ")}\n`,
    );
    for (const run of [a, b]) {
      const entries = run.filter((d) => d.kind === "ENTRY");
      expect(
        entries.map((d) => [d.approved, d.reasons]),
        `${w}: one approved entry`,
      ).toEqual([[true, []]]);
      // Exits are never blocked; only one decided as the window closed may come too late.
      const vetoed = run.filter((d) => d.kind === "EXIT" && !d.approved);
      expect(
        vetoed.filter((d) => d.reasons.join() !== "WINDOW_CLOSED"),
        `${w}: exits`,
      ).toEqual([]);
    }
    const [sa, sb] = [of(multi.signals, w), of(single.signals, w)];
    expect([sa.length, sb.length], `${w}: one entry signal each`).toEqual([1, 1]);
    if (sa[0] === undefined || sb[0] === undefined || sa[0].books !== sb[0].books) continue;
    sameInputs++;
    expect(sb[0], `${w}: same books, same signal`).toEqual(sa[0]);
    const entry = (run: typeof a) => run.find((d) => d.kind === "ENTRY");
    expect(entry(b), `${w}: same books, same decision`).toEqual(entry(a));
  }
  process.stdout.write(`entries decided on identical books: ${sameInputs}/${windows.length}\n`);
  expect(sameInputs, "windows whose entry books were identical in both runs").toBeGreaterThan(0);
}

function show(d: DecisionKey): string {
  const why = d.approved ? "approved" : `vetoed ${d.reasons.join(",")}`;
  return `${d.kind} ${d.outcome}${d.exitReason === null ? "" : ` ${d.exitReason}`} ${why}`;
}
