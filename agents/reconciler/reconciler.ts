/**
 * The Reconciler actor: at start and every `reconIntervalMs` it compares the venue's positions,
 * open orders and balance with the books, runs every runtime assertion, publishes `recon.report`
 * (always) and `recon.mismatch` (when anything is wrong; the CRO trips on it) and audits the run.
 * A run never throws: a venue or store failure is a NO_VERDICT report that names it. The history
 * the assertions judge is read incrementally (history.ts).
 */
import type { TimerHandle } from "../../bus/clock.ts";
import type { Heartbeat } from "../../contracts/heartbeats.ts";
import type { Mismatch, ReconVerdict } from "../../contracts/recon.ts";
import { resolveControls } from "../../contracts/controls.ts";
import { Actor, type ActorContext } from "../runtime/actor.ts";
import type { Venue } from "../runtime/venue.ts";
import {
  assertionMismatches,
  runAssertions,
  type AssertionInput,
  type DecisionEvidence,
  type HeartbeatSeen,
} from "./assertions.ts";
import { compareWithVenue, confirmDifferences, type VenueReports } from "./compare.ts";
import type { ReconcilerConfig } from "./config.ts";
import {
  HISTORY_ASSERTIONS,
  HISTORY_OVERLAP_MS,
  readHistory,
  RESTART_LOOKBACK_MS,
  type History,
} from "./history.ts";
import { changedAt, readBooks, readDecision, readVenue } from "./snapshot.ts";

const MISMATCHES_MAX = 256;
/** The heartbeats assertion judges silence this many agent timeouts long (2.4 s by default). */
const HEARTBEAT_ASSERTION_FACTOR = 3;

interface RunOutcome {
  verdict: ReconVerdict;
  reasons: string[];
  pending: Mismatch[];
  mismatches: Mismatch[];
  assertions: ReturnType<typeof runAssertions>;
  positionsChecked: number;
  ordersChecked: number;
  balance: number | null;
  allowance: number | null;
}

export class Reconciler extends Actor {
  private readonly instances = new Map<string, HeartbeatSeen>();
  /** Approvals never change once written, so each is read from the audit log once. */
  private readonly approvals = new Map<string, DecisionEvidence>();
  /** The differences of the last complete comparison, for the persistence rule. */
  private previous: Mismatch[] = [];
  private confirmTimer: TimerHandle | null = null;
  /** Where the next run's history starts (history.ts); set at start. */
  private historySince = 0;
  private startedAt = 0;
  /** The reconciler's own bus: down now, and when it last came back (assertions-books.ts). */
  private readonly bus: { down: boolean; backAt: number | null } = { down: false, backAt: null };
  private unwatchBus: (() => void) | null = null;

  constructor(
    ctx: ActorContext,
    private readonly venue: Venue,
    private readonly config: ReconcilerConfig,
  ) {
    super(ctx);
  }

  start(): Promise<void> {
    this.startedAt = this.ctx.clock.now();
    this.historySince = this.startedAt - RESTART_LOOKBACK_MS;
    this.bus.down = this.ctx.bus.status() !== "connected";
    this.unwatchBus = this.ctx.bus.onStatus((status) => {
      const down = status !== "connected";
      if (this.bus.down && !down) this.bus.backAt = this.ctx.clock.now();
      this.bus.down = down;
    });
    this.ctx.on("hb", (m) => {
      this.onHeartbeat(m);
    });
    this.ctx.after(0, "recon.run", () => this.run());
    this.ctx.every(this.config.reconIntervalMs, "recon.run", () => this.run());
    return Promise.resolve();
  }

  override release(): void {
    this.unwatchBus?.();
    this.unwatchBus = null;
  }

  override describe(): Record<string, unknown> {
    return { pendingDifferences: this.previous.length, agentsSeen: this.instances.size };
  }

  private onHeartbeat(m: Heartbeat): void {
    const now = this.ctx.clock.now();
    const key = `${m.agent}.${m.instance}`;
    this.instances.delete(key); // re-insert: the map stays in last-seen order for pruning
    this.instances.set(key, {
      agent: m.agent,
      lastSeenAt: now,
      lifecycle: m.lifecycle,
      leader: m.leader,
    });
    for (const [k, seen] of this.instances) {
      const old = now - seen.lastSeenAt > this.config.instanceForgetMs;
      if (!old && this.instances.size <= this.config.instancesMax) break;
      this.instances.delete(k);
    }
  }

  /** One reconciliation run. Never throws: the report says what could not be judged. */
  async run(): Promise<void> {
    const runId = `recon-${this.ctx.rng.uuid()}`;
    let outcome: RunOutcome;
    try {
      outcome = await this.evaluate();
    } catch (error) {
      this.ctx.log.error({ err: error, runId }, "reconciliation run failed");
      const reason = `store: ${error instanceof Error ? error.message : String(error)}`.slice(
        0,
        300,
      );
      outcome = { ...emptyOutcome(), reasons: [reason] };
    }
    await this.publish(runId, outcome);
  }

  private async evaluate(): Promise<RunOutcome> {
    const runAt = this.ctx.clock.now();
    const venue = await readVenue(this.venue, this.ctx.clock, this.config.venueTimeoutMs);
    const history = await readHistory(this.ctx.store, this.historySince);
    const books = await readBooks(this.ctx.store, venue, history.fills);
    const comparison = compareWithVenue(venue, books);
    const assertions = runAssertions(await this.assertionInput(venue, history));
    const failed = assertionMismatches(assertions);
    if (!failed.some((m) => HISTORY_ASSERTIONS.has(m.key))) {
      // Orders younger than the mapping grace were not judged yet: the next run reads them again.
      this.historySince = runAt - this.config.mappingGraceMs - HISTORY_OVERLAP_MS;
    }
    if (comparison.verdict === "NO_VERDICT") {
      // Nothing is compared on an incomplete report, but the assertions judge the books alone,
      // so a failed one is still published as a mismatch.
      return { ...emptyOutcome(), reasons: comparison.reasons, assertions, mismatches: failed };
    }
    const { confirmed, pending } = confirmDifferences(comparison.differences, this.previous);
    this.previous = comparison.differences;
    if (pending.length > 0) this.scheduleConfirmation();
    const mismatches = [...confirmed, ...failed];
    const verdict: ReconVerdict =
      mismatches.length > 0 ? "MISMATCH" : pending.length > 0 ? "NO_VERDICT" : "CLEAN";
    const reasons =
      pending.length > 0 ? [`${pending.length} difference(s) awaiting confirmation`] : [];
    return {
      verdict,
      reasons,
      pending,
      mismatches,
      assertions,
      positionsChecked: comparison.positionsChecked,
      ordersChecked: comparison.ordersChecked,
      balance: comparison.collateral,
      allowance: comparison.allowance,
    };
  }

  /** A new difference is looked at again soon, not a whole interval later. */
  private scheduleConfirmation(): void {
    if (this.confirmTimer !== null) return;
    this.confirmTimer = this.ctx.after(this.config.confirmDelayMs, "recon.confirm", () => {
      this.confirmTimer = null;
      return this.run();
    });
  }

  private async assertionInput(venue: VenueReports, history: History): Promise<AssertionInput> {
    const { store, clock } = this.ctx;
    const rows = await store.getControls();
    const { controls } = resolveControls(rows);
    const { orders, fills, closedPositions } = history;
    for (const o of orders) {
      if (o.decisionId === null || this.approvals.has(o.decisionId)) continue;
      const evidence = await readDecision(store, o.decisionId);
      if (evidence !== undefined) this.approvals.set(o.decisionId, evidence);
    }
    return {
      now: clock.now(),
      startedAt: this.startedAt,
      orders,
      decisions: this.approvals,
      fills,
      openPositions: await store.listPositions({ open: true }),
      closedPositions,
      venueOrderIds: venue.openOrders.ok ? venue.openOrders.report.items : [],
      controls,
      controlsChangedAt: {
        allowedInstruments: changedAt(rows, "allowed_instruments"),
        positionCap: changedAt(rows, "position_cap_usd"),
      },
      heartbeats: [...this.instances.values()],
      bus: { ...this.bus },
      limits: {
        confirmBoundMs: this.config.confirmBoundMs,
        openPositionsMax: this.config.openPositionsMax,
        mappingGraceMs: this.config.mappingGraceMs,
        // The CRO pauses on `agent_timeout_ms` of silence at once (fail closed, invariant 3); this
        // assertion halts and latches until a clean run, so it waits for a longer silence.
        agentTimeoutMs: controls.agent_timeout_ms * HEARTBEAT_ASSERTION_FACTOR,
        startupGraceMs: this.config.startupGraceMs,
        requiredAgents: this.config.requiredAgents,
      },
    };
  }

  private async publish(runId: string, o: RunOutcome): Promise<void> {
    const { ctx } = this;
    const mismatches = o.mismatches.slice(0, MISMATCHES_MAX);
    const report = ctx.messages.make("recon.report", {
      runId,
      verdict: o.verdict,
      positionsChecked: o.positionsChecked,
      ordersChecked: o.ordersChecked,
      balance: o.balance,
      allowance: o.allowance,
      assertions: o.assertions,
      mismatches,
    });
    try {
      await ctx.bus.publish(report);
      if (mismatches.length > 0) await ctx.publish("recon.mismatch", { runId, mismatches }, report);
      await ctx.store.appendAudit({
        ts: ctx.clock.now(),
        agent: ctx.identity.agent,
        kind: "recon.run",
        correlationId: report.correlationId,
        intentId: null,
        orderId: null,
        positionId: null,
        decisionId: null,
        detail: {
          runId,
          verdict: o.verdict,
          reasons: o.reasons,
          pending: o.pending,
          mismatches,
          balance: o.balance,
        },
      });
    } catch (error) {
      ctx.log.error({ err: error, runId }, "reconciliation report not fully published");
    }
    if (o.verdict !== "CLEAN") {
      ctx.log.warn(
        { runId, verdict: o.verdict, reasons: o.reasons, mismatches },
        "reconciliation not clean",
      );
    }
  }
}

function emptyOutcome(): RunOutcome {
  return {
    verdict: "NO_VERDICT",
    reasons: [],
    pending: [],
    mismatches: [],
    assertions: [],
    positionsChecked: 0,
    ordersChecked: 0,
    balance: null,
    allowance: null,
  };
}
