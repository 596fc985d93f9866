/**
 * Everything the CRO knows about the world outside itself: liveness, feed health, windows,
 * reconciliation, balance, exposure and the runtime controls. It turns that into blockers (for the
 * trading state) and into the parts of a pre-trade snapshot that do not depend on the intent.
 */
import { resolveControls, type Controls } from "../../contracts/controls.ts";
import type { MdHealth, MdWindow } from "../../contracts/market-data.ts";
import type { Heartbeat } from "../../contracts/heartbeats.ts";
import type { Position } from "../../contracts/positions.ts";
import type { ReconMismatch, ReconReport } from "../../contracts/recon.ts";
import type { Store } from "../runtime/store.ts";
import { computeBlockers, isNewIncident, type Blocker, type ReconView } from "./blockers.ts";
import type { WindowInfo } from "./check-types.ts";
import type { CroConfig } from "./config.ts";
import { Exposure, dayStart } from "./exposure.ts";
import { FeedTracker, feedHealth } from "./feed.ts";
import { Liveness } from "./liveness.ts";
import type { StrategyManifest } from "../../contracts/strategy-manifest.ts";
import { StrategyKill } from "./strategy-kill.ts";
import { StrategyReviews } from "./strategy-review.ts";

export type StrategyLossLimit = {
  strategy: string;
  /** Micro-USDC, negative. */
  sessionPnl: number;
  sessionMaxLoss: number;
};

export class RiskWorld {
  readonly liveness: Liveness;
  readonly feeds = new FeedTracker();
  readonly exposure = new Exposure();
  /** Each strategy's manifest, halt and settled trades (kill criteria, issue 20 Phase 3). */
  readonly strategies: StrategyKill;
  /** Review mode: each strategy's trades on the review list. */
  readonly reviews: StrategyReviews;
  private readonly windows = new Map<string, WindowInfo>();
  controls: Controls = resolveControls([]).controls;
  controlErrors: string[] = [];
  storeError: string | null = null;
  balance: number | null = null;
  /** The exchange's allowance from the last report that carried one; null: never reported. */
  allowance: number | null = null;
  private recon: ReconView = { lastCleanAt: null, mismatch: null };
  /** Sender time of the last CLEAN report: older mismatches are already superseded. */
  private lastCleanSentAt = Number.NEGATIVE_INFINITY;
  private incidentAt: number;
  private triggerKeys = new Set<string>();
  /** `<agent>.<instance>` → the process start time its heartbeats carry. */
  private readonly incarnations = new Map<string, number>();

  constructor(
    private readonly config: CroConfig,
    private readonly startedAt: number,
    public sessionStartAt: number,
    manifests: readonly StrategyManifest[] = [],
  ) {
    this.strategies = new StrategyKill(manifests);
    this.reviews = new StrategyReviews((s) => this.strategies.manifest(s));
    this.liveness = new Liveness(config.requiredAgents, config.instanceForgetMs);
    // Fail closed: a restarted CRO needs a clean reconciliation made after it started.
    this.incidentAt = startedAt;
  }

  recordHeartbeat(hb: Heartbeat, now: number): void {
    // A heartbeat that lagged on the bus proves the sender alive when it was sent, not now: count
    // the earlier of its send and receipt times (a sender's skewed clock can only age it).
    this.liveness.record(hb, Math.min(now, hb.ts));
    // A new incarnation of an agent rebuilt its state from the store and the streams: only a
    // reconciliation made after it came back may clear the way to ACTIVE (invariant 9). Without
    // this, a clean run between the halt and the restart let trading resume unverified (found by
    // `predator sim --seed 112 --days 0.1 --chaos medium --cadence relaxed`).
    const key = `${hb.agent}.${hb.instance}`;
    const known = this.incarnations.get(key);
    if (known !== undefined && hb.startedAt > known)
      this.incidentAt = Math.max(this.incidentAt, now);
    if (known === undefined || hb.startedAt > known) this.incarnations.set(key, hb.startedAt);
  }

  /** A bus connection named `<agent>.<instance>` closed; true if that instance was alive. */
  recordDisconnect(agent: string, instance: string, now: number, reason?: string): boolean {
    const timeoutMs = this.controls.agent_timeout_ms;
    return this.liveness.disconnected(agent, instance, now, timeoutMs, reason);
  }

  recordConnect(agent: string, instance: string): void {
    this.liveness.connected(agent, instance);
  }

  recordHealth(health: MdHealth, now: number): void {
    this.feeds.record(health, now);
  }

  recordPosition(p: Position): void {
    this.exposure.upsert(p);
  }

  recordWindow(w: MdWindow): void {
    const { windowId, startTs, endTs, upTokenId, downTokenId, tickSize, minSize } = w;
    const info = { windowId, startTs, endTs, upTokenId, downTokenId, tickSize, minSize };
    this.windows.delete(windowId);
    this.windows.set(windowId, { ...info, feeRateBps: w.feeRateBps, status: w.status });
    // Maps iterate in insertion order; re-inserting on update keeps the oldest first.
    while (this.windows.size > this.config.windowsRememberedMax) {
      const oldest = this.windows.keys().next();
      if (oldest.done === true) break;
      this.windows.delete(oldest.value);
    }
  }

  window(windowId: string): WindowInfo | null {
    return this.windows.get(windowId) ?? null;
  }

  recordReport(r: ReconReport): void {
    if (r.balance !== null) this.balance = r.balance;
    if (r.allowance !== undefined && r.allowance !== null) this.allowance = r.allowance;
    if (r.verdict === "CLEAN") {
      // A clean run made after the mismatch clears it; an older report arriving late does not.
      const cleared = this.recon.mismatch === null || r.ts > this.recon.mismatch.sentAt;
      // When the run was made (its send time), not when the report arrived: a report delayed on
      // the bus across a restart or a new incident is from before it and clears nothing (found by
      // `predator sim --seed 1 --days 365 --chaos extreme --cadence relaxed` at day 153: a clean
      // report sent before Strategy restarted arrived 405 ms after, and trading resumed on it).
      const cleanAt = Math.max(this.recon.lastCleanAt ?? Number.NEGATIVE_INFINITY, r.ts);
      this.recon = { lastCleanAt: cleanAt, mismatch: cleared ? null : this.recon.mismatch };
      this.lastCleanSentAt = Math.max(this.lastCleanSentAt, r.ts);
    } else if (r.verdict === "MISMATCH") {
      this.recordMismatches(r.mismatches, r.ts);
    }
    // NO_VERDICT: an incomplete venue report proves nothing either way.
  }

  recordMismatch(m: ReconMismatch): void {
    this.recordMismatches(m.mismatches, m.ts);
  }

  private recordMismatches(list: ReconReport["mismatches"], sentAt: number): void {
    // Same-millisecond ties count: a clean report never shares a run with a mismatch.
    if (sentAt < this.lastCleanSentAt) return;
    // An assertion failure is named first: it is the more specific alarm.
    const m = list.find((x) => x.kind === "ASSERTION") ?? list[0];
    if (m === undefined) return;
    const detail = `expected ${m.expected}, actual ${m.actual}`;
    // A mismatch from before this CRO started (replayed from the stream) blocks recovery until a
    // clean report, but does not count as a new trip.
    const trips = sentAt >= this.startedAt;
    this.recon = { ...this.recon, mismatch: { sentAt, kind: m.kind, key: m.key, detail, trips } };
  }

  /** At start: controls, positions that count toward today's or the session's PnL, orders. */
  load(store: Store, now: number): Promise<void> {
    return this.read(store, () => this.exposure.load(store, this.pnlHorizon(now)));
  }

  /** Re-reads controls and exposure. A failed read becomes a blocker, never a crash. */
  refresh(store: Store, now: number): Promise<void> {
    return this.read(store, () => this.exposure.refresh(store, this.pnlHorizon(now)));
  }

  private async read(store: Store, exposure: () => Promise<void>): Promise<void> {
    try {
      const resolved = resolveControls(await store.getControls());
      this.controls = resolved.controls;
      this.controlErrors = resolved.errors;
      await exposure();
      this.storeError = null;
    } catch (error) {
      this.storeError = error instanceof Error ? error.message : String(error);
    }
  }

  /** Positions closed before this no longer count toward any limit. */
  private pnlHorizon(now: number): number {
    return Math.min(dayStart(now), this.sessionStartAt);
  }

  agentsDown(now: number): { agent: string; why: string }[] {
    return this.liveness.down(now, this.controls.agent_timeout_ms);
  }

  dailyPnl(now: number): number {
    return this.exposure.pnlSince(dayStart(now));
  }

  sessionPnl(): number {
    return this.exposure.pnlSince(this.sessionStartAt);
  }

  /** One strategy's PnL this session (realized, plus unrealized of its open positions). */
  strategySessionPnl(strategy: string): number {
    return this.exposure.pnlSince(this.sessionStartAt, strategy);
  }

  /**
   * The strategies whose session loss reached their manifest's `risk.sessionMaxLoss`: the CRO
   * vetoes their entries (STRATEGY_SESSION_LOSS) until the session ends.
   */
  strategyLossLimits(): StrategyLossLimit[] {
    const out: StrategyLossLimit[] = [];
    for (const m of this.strategies.all()) {
      const sessionPnl = this.strategySessionPnl(m.name);
      if (sessionPnl <= -m.risk.sessionMaxLoss)
        out.push({ strategy: m.name, sessionPnl, sessionMaxLoss: m.risk.sessionMaxLoss });
    }
    return out;
  }

  /** Current blockers; a trigger blocker not seen last time starts a new incident. */
  blockers(now: number): Blocker[] {
    let list = this.compute(now);
    if (isNewIncident(this.triggerKeys, list)) {
      this.incidentAt = now;
      list = this.compute(now);
    }
    this.triggerKeys = new Set(list.filter((b) => b.trigger !== null).map((b) => b.key));
    return list;
  }

  private compute(now: number): Blocker[] {
    return computeBlockers({
      controls: this.controls,
      controlErrors: this.controlErrors,
      storeError: this.storeError,
      agentsDown: this.agentsDown(now),
      feed: feedHealth(this.feeds.views(), now, this.controls.feed_stale_ms),
      recon: this.recon,
      incidentAt: this.incidentAt,
      unknownOrderIds: this.exposure.unknownOrderIds(),
      dailyPnl: this.dailyPnl(now),
      sessionPnl: this.sessionPnl(),
    });
  }
}
