/**
 * The simulator's invariant checker (DESIGN.md "Safety invariants", issue 6). It is fed every bus
 * publish and delivery (MemoryBroker.tap), every order Execution hands to the venue, and, at rest
 * (the end of the heal phase), the store and the venue's books. It never trusts an agent's own
 * opinion of itself: each rule is recomputed from what was observably sent.
 *
 * Per message: 1 approval (hash, epoch, expiry, intent match), 2 halt and dead man, 3 fail closed,
 * 4 exits never blocked, 5 fills once and positions within fills, 6 unknown is not rejected and
 * blocks re-entry, 7 limits checked by the CRO, 8 no agent crashes, 9 trading resumes only after a
 * clean reconciliation following a restart. At rest: 5 fills, positions and fees equal the venue's;
 * no order in flight. Invariant 10 (determinism) is checked by running a seed twice.
 */
import { CONTROL_DEFAULTS } from "../../../contracts/controls.ts";
import type { BusTapEvent } from "../../../bus/memory.ts";
import type { MessageOf, MessageType } from "../../../contracts/registry.ts";
import type { PlaceOrderRequest, PlaceResult } from "../../../agents/runtime/venue.ts";
import { checkAtRest, type RestSnapshot } from "./at-rest.ts";
import { INVARIANTS, type InvariantId, type Violation } from "./invariant-list.ts";
import {
  intentHash,
  type CheckCode,
  type CroDecision,
  type CroState,
  type ExecFill,
  type Heartbeat,
  type IntentKind,
  type Order,
  type PortfolioPosition,
  type ReconReport,
  type TradingState,
} from "../../../contracts/index.ts";

export { INVARIANTS };
export type { InvariantId, RestSnapshot, Violation };

export interface CheckerSettings {
  /** Execution's bus connection name: what it has seen is what it may act on. */
  executionConnection: string;
  /** Execution's dead man (execution config `croSilenceMs`). */
  croSilenceMs: number;
  /** The CRO's `agent_timeout_ms` control. */
  agentTimeoutMs: number;
  /** Grace for the CRO's evaluation period and the state message's own travel. */
  livenessSlackMs: number;
  requiredAgents: readonly string[];
  /** Lines kept for a post-mortem. */
  recentEventsMax: number;
}

export const DEFAULT_CHECKER_SETTINGS: CheckerSettings = {
  executionConnection: "execution.1",
  croSilenceMs: 2_000,
  agentTimeoutMs: Number(CONTROL_DEFAULTS.agent_timeout_ms),
  livenessSlackMs: 1_000,
  requiredAgents: ["market-data", "strategy", "execution", "portfolio", "reconciler"],
  recentEventsMax: 200,
};

/** Checks an approved ENTRY must have passed (CRO-owned limits, DESIGN.md invariant 7). */
const ENTRY_LIMIT_CHECKS: readonly CheckCode[] = [
  "TRADING_STATE",
  "INSTRUMENT_ALLOWED",
  "STRATEGY_ALLOWED",
  "POSITION_CAP",
  "ORDERS_PER_WINDOW",
  "DAILY_DRAWDOWN",
  "SESSION_LOSS",
  "BALANCE",
];

/** Subjects whose publishes the checker reads (heartbeats are matched by prefix). */
const WATCHED: Record<string, MessageType | undefined> = {
  "cro.state": "cro.state",
  "cro.decision": "cro.decision",
  "exec.fill": "exec.fill",
  "portfolio.position": "portfolio.position",
  "recon.report": "recon.report",
};

/**
 * Decisions remembered for matching orders (the oldest are forgotten first). An order must reach
 * the venue within its approval's TTL (seconds), so this keeps hours of decisions even under 10×
 * over-aggression; it was 100,000, which at about 2.7 KB each held up to 270 MB in a long run.
 */
const DECISIONS_MAX = 20_000;

const PERMITTED: Record<TradingState, readonly IntentKind[]> = {
  ACTIVE: ["ENTRY", "EXIT", "CANCEL"],
  PAUSED: ["EXIT", "CANCEL"],
  FLATTENING: ["EXIT", "CANCEL"],
  HALTED: ["CANCEL"],
};

interface CroView {
  state: TradingState;
  epoch: number;
  /** When the CRO sent it. */
  ts: number;
  receivedAt: number;
}

export class InvariantChecker {
  private readonly found: Violation[] = [];
  private readonly reportedCrashes = new Set<string>();
  private readonly recent: string[] = [];
  private readonly decisions = new Map<string, CroDecision>();
  private execView: CroView | null = null;
  private lastState: CroState | null = null;
  private readonly lastHeartbeat = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private lastRestartAt = 0;
  private lastCleanReconAt: number | null = null;
  private readonly fillsByTrade = new Map<string, ExecFill>();
  private readonly boughtByPosition = new Map<string, number>();
  private readonly ambiguous = new Set<string>();
  /** Orders whose latest event says UNKNOWN: orderId → token. */
  private readonly unknownOrders = new Map<string, string>();
  readonly counts = {
    orders: 0,
    fills: 0,
    decisions: 0,
    rejectionsByReason: new Map<string, number>(),
  };

  constructor(
    private readonly settings: CheckerSettings = DEFAULT_CHECKER_SETTINGS,
    /** Agents whose host crashed (invariant 8); kills by the chaos engine are not crashes. */
    private readonly crashed: () => readonly { name: string; error: Error }[] = () => [],
  ) {}

  violations(): readonly Violation[] {
    return this.found;
  }

  recentEvents(): readonly string[] {
    return this.recent;
  }

  tradingState(): CroState | null {
    return this.lastState;
  }

  // ---- the bus -------------------------------------------------------------------------------

  onBus(e: BusTapEvent): void {
    if (e.subject.startsWith("md.book.")) return; // the bulk: nothing to check, not kept
    if (this.worthRemembering(e)) {
      this.remember(
        `${e.at} ${e.phase} ${e.connection || "-"} ${e.subject} ${e.raw.slice(0, 400)}`,
      );
    }
    if (e.phase === "deliver") {
      this.onDeliver(e);
      return;
    }
    this.onPublish(e);
  }

  private onPublish(e: BusTapEvent): void {
    const subject = e.subject;
    if (subject.startsWith("exec.order.")) {
      this.onOrderEvent(e);
      return;
    }
    const type = WATCHED[subject] ?? (subject.startsWith("hb.") ? "hb" : undefined);
    if (type === undefined) return;
    const decoded = e.decoded();
    if (!decoded.ok || decoded.type !== type) return;
    const m = decoded.message;
    if (m.type === "cro.state") this.onState(m, e.at);
    else if (m.type === "cro.decision") this.onDecision(m, e.at);
    else if (m.type === "exec.fill") this.onFill(m, e.at);
    else if (m.type === "portfolio.position") this.onPosition(m, e.at);
    else if (m.type === "recon.report") this.onRecon(m, e.at);
    else if (m.type === "hb") this.onHeartbeat(m, e.at);
  }

  private onDeliver(e: BusTapEvent): void {
    if (e.connection === this.settings.executionConnection && e.subject === "cro.state") {
      this.withMessage(e, "cro.state", (m) => {
        // What Execution knows is the newest state delivered (by epoch, then send time), as
        // Execution keeps it: an older state that a reordered or delayed delivery brings later
        // is not news. (Taking the last delivered instead flagged seed 401 kitchen-sink relaxed.)
        const known = this.execView;
        if (
          known !== null &&
          (m.epoch < known.epoch || (m.epoch === known.epoch && m.ts < known.ts))
        )
          return;
        this.execView = { state: m.state, epoch: m.epoch, ts: m.ts, receivedAt: e.at };
      });
    }
    // Invariant 8 is checked after the handler ran: see checkAgents().
  }

  /** Called after every clock step: an agent that crashed on input breaks invariant 8. */
  checkAgents(at: number): void {
    for (const { name, error } of this.crashed()) {
      if (this.reportedCrashes.has(name)) continue;
      this.reportedCrashes.add(name);
      this.violate("8-no-crash", at, `${name} crashed: ${error.message}`);
    }
  }

  // ---- the venue -----------------------------------------------------------------------------

  onPlace(at: number, req: PlaceOrderRequest): void {
    this.counts.orders++;
    const intentId = req.clientOrderId.replace(/^ord-/, "");
    const decision = this.decisions.get(intentId);
    const id = req.clientOrderId;
    if (decision === undefined) {
      this.violate("1-approval", at, `${id} reached the venue without any CRO decision`);
      return;
    }
    const intent = decision.intent;
    if (!decision.approved) this.violate("1-approval", at, `${id}: its decision was a veto`);
    if (decision.intentHash !== intentHash(intent)) {
      this.violate("1-approval", at, `${id}: the approval names another intent`);
    }
    if (decision.expiresAt <= at) {
      this.violate(
        "1-approval",
        at,
        `${id}: approval expired at ${decision.expiresAt}, sent ${at}`,
      );
    }
    const view = this.execView;
    if (view !== null && decision.epoch !== view.epoch) {
      this.violate("1-approval", at, `${id}: approval epoch ${decision.epoch}, CRO ${view.epoch}`);
    }
    const same =
      req.tokenId === intent.tokenId &&
      req.side === intent.side &&
      req.orderType === intent.orderType &&
      req.price === intent.limitPrice &&
      req.size === intent.size;
    if (!same) this.violate("1-approval", at, `${id}: the order differs from the approved intent`);
    this.checkHalt(at, id, intent.kind);
    this.checkReentry(at, id, intent.kind, req.tokenId);
  }

  onPlaceResult(_at: number, req: PlaceOrderRequest, result: PlaceResult | Error): void {
    const unknown = result instanceof Error || result.outcome === "unknown";
    if (unknown) this.ambiguous.add(req.clientOrderId);
    if (!(result instanceof Error) && result.outcome === "rejected") {
      this.countRejection(`venue:${result.code}`);
    }
  }

  private checkHalt(at: number, id: string, kind: IntentKind): void {
    const view = this.execView;
    if (view === null) {
      this.violate("2-halt", at, `${id} sent before Execution heard any cro.state`);
      return;
    }
    if (!PERMITTED[view.state].includes(kind)) {
      this.violate(
        "2-halt",
        at,
        `${id}: ${kind} sent while Execution knew the CRO was ${view.state}`,
      );
    }
    if (at - view.receivedAt >= this.settings.croSilenceMs) {
      this.violate("2-halt", at, `${id} sent ${at - view.receivedAt} ms after the last cro.state`);
    }
  }

  private checkReentry(at: number, id: string, kind: IntentKind, tokenId: string): void {
    if (kind !== "ENTRY") return;
    for (const [orderId, token] of this.unknownOrders) {
      if (orderId !== id && token === tokenId) {
        this.violate("6-unknown", at, `${id}: entry on ${tokenId} while ${orderId} is UNKNOWN`);
      }
    }
  }

  // ---- messages ------------------------------------------------------------------------------

  private onState(m: CroState, at: number): void {
    const previous = this.lastState;
    this.lastState = m;
    if (m.state !== "ACTIVE") return;
    for (const agent of this.settings.requiredAgents) {
      const last = this.lastHeartbeat.get(agent);
      const bound = this.settings.agentTimeoutMs + this.settings.livenessSlackMs;
      if (last === undefined || at - last > bound) {
        const silent = last === undefined ? "never heard" : `silent ${at - last} ms`;
        this.violate("3-fail-closed", at, `cro.state ACTIVE while ${agent} is ${silent}`);
      }
    }
    if (previous === null || previous.state === "ACTIVE") return;
    const clean = this.lastCleanReconAt;
    if (clean === null || clean < this.lastRestartAt) {
      this.violate(
        "9-restart",
        at,
        `ACTIVE again without a clean reconciliation since the restart at ${this.lastRestartAt}`,
      );
    }
  }

  private onDecision(m: CroDecision, at: number): void {
    this.counts.decisions++;
    if (!this.decisions.has(m.intent.intentId)) {
      this.decisions.set(m.intent.intentId, m);
      if (this.decisions.size > DECISIONS_MAX) this.forgetOldestDecision();
    }
    if (!m.approved) for (const r of m.reasons) this.countRejection(`cro:${r}`);
    if (m.intent.kind === "EXIT" && !m.approved) {
      const state = m.checks.find((c) => c.code === "TRADING_STATE");
      if (state !== undefined && !state.passed && !state.detail.startsWith("HALTED")) {
        this.violate("4-exits", at, `exit ${m.intent.intentId} denied: ${state.detail}`);
      }
    }
    if (m.intent.kind === "ENTRY" && m.approved) {
      for (const code of ENTRY_LIMIT_CHECKS) {
        const check = m.checks.find((c) => c.code === code);
        if (check === undefined || !check.passed) {
          const why = check === undefined ? "missing" : `failed: ${check.detail}`;
          this.violate("7-limits", at, `entry ${m.intent.intentId} approved with ${code} ${why}`);
        }
      }
    }
  }

  private onOrderEvent(e: BusTapEvent): void {
    const decoded = e.decoded();
    if (!decoded.ok) return;
    const m = decoded.message as Order & { type: string };
    const event = e.subject.slice("exec.order.".length);
    const wasUnknown = this.unknownOrders.has(m.orderId);
    if (m.status === "UNKNOWN") this.unknownOrders.set(m.orderId, m.tokenId);
    else this.unknownOrders.delete(m.orderId);
    const ambiguous = this.ambiguous.delete(m.orderId) || wasUnknown;
    if (m.status === "UNKNOWN" && ambiguous) this.ambiguous.add(m.orderId);
    if (event === "rejected" && ambiguous && !wasUnknown) {
      this.violate("6-unknown", e.at, `${m.orderId} was sent with no answer, then called REJECTED`);
    }
    if (event === "refused" && m.kind === "EXIT") {
      const view = this.execView;
      const paused = view?.state === "PAUSED" || view?.state === "FLATTENING";
      if (paused && (m.reason ?? "").includes("TRADING_STATE")) {
        this.violate("4-exits", e.at, `exit ${m.orderId} refused by Execution: ${m.reason ?? ""}`);
      }
    }
    if (event === "rejected" || event === "refused") this.countRejection(`exec:${event}`);
  }

  private onFill(m: ExecFill, at: number): void {
    const seen = this.fillsByTrade.get(m.tradeId);
    if (seen === undefined) {
      this.counts.fills++;
      if (m.side === "BUY" && m.positionId !== null) {
        this.boughtByPosition.set(
          m.positionId,
          (this.boughtByPosition.get(m.positionId) ?? 0) + m.size,
        );
      }
    } else if (seen.size !== m.size || seen.price !== m.price || seen.side !== m.side) {
      this.violate("5-fills", at, `trade ${m.tradeId} reported twice with different terms`);
    }
    this.fillsByTrade.set(m.tradeId, m);
  }

  private onPosition(m: PortfolioPosition, at: number): void {
    const held = m.size + m.provisionalSize;
    const bought = this.boughtByPosition.get(m.positionId) ?? 0;
    if (m.size < 0 || m.provisionalSize < 0 || held > bought) {
      this.violate(
        "5-fills",
        at,
        `position ${m.positionId} holds ${held} but only ${bought} was ever bought`,
      );
    }
  }

  private onRecon(m: ReconReport, at: number): void {
    if (m.verdict === "CLEAN") this.lastCleanReconAt = at;
  }

  private onHeartbeat(m: Heartbeat, at: number): void {
    this.lastHeartbeat.set(m.agent, at);
    const started = this.startedAt.get(m.agent);
    if (started !== undefined && m.startedAt > started)
      this.lastRestartAt = Math.max(this.lastRestartAt, at);
    if (started === undefined || m.startedAt > started) this.startedAt.set(m.agent, m.startedAt);
  }

  // ---- at rest (at-rest.ts) ------------------------------------------------------------------

  /** The money invariants and "nothing in flight", once faults have stopped and things settled. */
  checkAtRest(s: RestSnapshot): void {
    checkAtRest(s, (invariant, at, message) => {
      this.violate(invariant, at, message);
    });
  }

  /** Liveness after the heal: ACTIVE, and a clean reconciliation made after `healedAt`. */
  checkRecovered(at: number, healedAt: number, boundMs: number): void {
    const state = this.lastState?.state ?? "none";
    const clean = this.lastCleanReconAt;
    if (state !== "ACTIVE" || clean === null || clean < healedAt) {
      this.violate(
        "liveness",
        at,
        `not recovered ${boundMs} ms after the heal: state ${state}, last clean reconciliation ${clean ?? "never"}`,
      );
    }
  }

  recovered(healedAt: number): boolean {
    const clean = this.lastCleanReconAt;
    return this.lastState?.state === "ACTIVE" && clean !== null && clean >= healedAt;
  }

  // ---- helpers -------------------------------------------------------------------------------

  violate(invariant: InvariantId, at: number, message: string): void {
    this.found.push({ invariant, at, message });
  }

  private forgetOldestDecision(): void {
    const oldest = this.decisions.keys().next();
    if (oldest.done !== true) this.decisions.delete(oldest.value);
  }

  private countRejection(reason: string): void {
    const m = this.counts.rejectionsByReason;
    m.set(reason, (m.get(reason) ?? 0) + 1);
  }

  /** Heartbeats and repeated states would crowd everything else out of the post-mortem. */
  private worthRemembering(e: BusTapEvent): boolean {
    if (e.subject.startsWith("hb.") || e.subject === "md.health") return false;
    if (e.subject !== "cro.state") return true;
    return e.phase === "publish" && !e.raw.includes(`"state":"${this.lastState?.state ?? ""}"`);
  }

  private remember(line: string): void {
    this.recent.push(line);
    if (this.recent.length > this.settings.recentEventsMax) this.recent.shift();
  }

  private withMessage<T extends MessageType>(
    e: BusTapEvent,
    type: T,
    fn: (m: MessageOf<T>) => void,
  ): void {
    const decoded = e.decoded();
    if (!decoded.ok || decoded.type !== type) return;
    fn(decoded.message as MessageOf<T>);
  }
}
