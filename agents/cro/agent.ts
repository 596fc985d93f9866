/**
 * The Risk/CRO actor. It owns the trading state and is the only source of approvals. Singleton:
 * its lease epoch is the CRO epoch named in every approval and every `cro.state`.
 *
 * All work (messages, timers and operator requests) runs one piece at a time through `serial`:
 * the mailbox already serialises messages and timers, but `ops.command` requests are answered by
 * the bus directly, so they join the same queue here.
 */
import type { Subscription } from "../../bus/port.ts";
import {
  parseConnectionName,
  type ConnectionEvent,
  type ConnectionEvents,
  type Unsubscribe,
} from "../../bus/connection-events.ts";
import type { Outgoing } from "../../bus/messages.ts";
import type { OpsCommand } from "../../contracts/ops.ts";
import type { ApprovalKey } from "../../contracts/approval-signature.ts";
import type { PortfolioExit, StrategyIntent } from "../../contracts/intents.ts";
import { Actor, type ActorContext, type Delivery } from "../runtime/actor.ts";
import { InvariantError } from "../runtime/errors.ts";
import { LIST_ROWS_MAX, StaleEpochError, type StrategyHaltRecord } from "../runtime/store.ts";
import type { Position } from "../../contracts/positions.ts";
import type { StrategyManifest } from "../../contracts/strategy-manifest.ts";
import type { KillEvaluation } from "./strategy-kill.ts";
import type { Blocker } from "./blockers.ts";
import type { CroConfig } from "./config.ts";
import { DecisionLog } from "./decision-log.ts";
import { IntentDesk } from "./decisions.ts";
import type { TradingEvent } from "./machine.ts";
import { runCommand, type CroOperations, type OpsOutcome } from "./ops.ts";
import { TradingKeeper, restoreFrom } from "./trading.ts";
import { blockerTexts, statePayload, statusReport } from "./report.ts";
import { RiskWorld } from "./world.ts";

/** Closed positions are re-read with this much overlap (writers' clocks differ a little). */
const SETTLED_OVERLAP_MS = 5_000;

export class CroActor extends Actor {
  private world!: RiskWorld;
  private trading!: TradingKeeper;
  private desk!: IntentDesk;
  private blockers: Blocker[] = [];
  /** A state change the store has not accepted yet (it is retried on every evaluation). */
  private unrecorded = false;
  private opsSub: Subscription | null = null;
  private stopped = false;
  private chain: Promise<unknown> = Promise.resolve();
  private unwatch: Unsubscribe[] = [];
  /** Strategy halts not yet stored (retried on every refresh); the veto applies meanwhile. */
  private readonly unsavedHalts = new Map<string, StrategyHaltRecord>();
  /** Closed positions written since this are read on the next refresh (kill criteria). */
  private settledReadAt = 0;
  /** Strategies at their manifest's session max loss at the last refresh (audited on entry). */
  private atLossLimit = new Set<string>();

  constructor(
    ctx: ActorContext,
    private readonly config: CroConfig,
    private readonly connectionEvents: ConnectionEvents | null = null,
    private readonly approvalKey: ApprovalKey | null = null,
    private readonly manifests: readonly StrategyManifest[] = [],
  ) {
    super(ctx);
  }

  async start(): Promise<void> {
    const { store, clock } = this.ctx;
    const now = clock.now();
    const restored = restoreFrom(await store.lastCroEvent(), now);
    this.world = new RiskWorld(this.config, now, restored.sessionStartAt, this.manifests);
    await this.world.load(store, now);
    await this.loadStrategies(now);
    this.trading = new TradingKeeper(restored);
    const memory = new DecisionLog(
      this.config.decisionsRememberedMax,
      this.config.orderRateWindowMs,
    );
    this.desk = new IntentDesk(this.ctx, this.world, this.trading, memory, this.approvalKey);
    this.blockers = this.world.blockers(now);
    await this.record(this.ctx.identity.agent);
    // Trades that settled while no CRO was watching are judged now, not at the next one.
    for (const e of this.world.strategies.evaluateAll()) if (e.tripped) await this.haltStrategy(e);
    this.ctx.log.info({ state: this.trading.state, epoch: this.epoch() }, "cro started");
    await this.subscribe();
    if (this.connectionEvents !== null) this.watchConnections(this.connectionEvents);
    this.startTimers();
    this.opsSub = this.ctx.bus.serve("ops.command", "ops.reply", (cmd) =>
      this.serial(() => this.answer(cmd)),
    );
  }

  override async stop(): Promise<void> {
    await this.releaseAll();
  }

  override release(): void {
    void this.releaseAll();
  }

  private async releaseAll(): Promise<void> {
    this.stopped = true;
    for (const unwatch of this.unwatch.splice(0)) unwatch();
    const ops = this.opsSub;
    this.opsSub = null;
    await ops?.unsubscribe();
    // Undefined when start failed before it was made.
    (this.trading as TradingKeeper | undefined)?.stop();
  }

  override describe(): Record<string, unknown> {
    return {
      state: this.trading.state,
      operatorHold: this.trading.context.operatorHold,
      blockers: this.blockers.length,
    };
  }

  private async subscribe(): Promise<void> {
    const { ctx, world } = this;
    const now = () => ctx.clock.now();
    // A fact that may trip or clear a blocker is evaluated at once, not at the next timer tick.
    const fact = (record: () => void) => this.serial(() => this.after(record));
    ctx.on("hb", (m) =>
      this.serial(() => {
        world.recordHeartbeat(m, now());
      }),
    );
    ctx.on("md.health", (m) =>
      fact(() => {
        world.recordHealth(m, now());
      }),
    );
    ctx.on("recon.report", (m) =>
      fact(() => {
        world.recordReport(m);
      }),
    );
    ctx.on("portfolio.position", (m) =>
      this.serial(async () => {
        world.recordPosition(m);
        await this.evaluate();
        await this.judge([m]);
        await this.noteReview(m);
      }),
    );
    const durable = (name: string) => ({ durable: `cro-${name}` });
    // Replayed at every start: windows acked before a restart are known again.
    await ctx.onDurable("md.window", { ...durable("windows"), replay: true }, (m) =>
      this.serial(() => {
        world.recordWindow(m);
      }),
    );
    await ctx.onDurable("recon.mismatch", durable("recon"), (m) =>
      fact(() => {
        world.recordMismatch(m);
      }),
    );
    await ctx.onDurable("strategy.intent", durable("intents"), (m, d) => this.decide(m, d));
    await ctx.onDurable("portfolio.exit", durable("exits"), (m, d) => this.decide(m, d));
  }

  /**
   * A closed bus connection named after a live instance of a required agent is that agent's
   * death: the state leaves ACTIVE now, by the same blocker as a heartbeat timeout (issue 4,
   * "Liveness"). A standby's or a stranger's connection changes nothing.
   */
  private watchConnections(events: ConnectionEvents): void {
    const { ctx, world } = this;
    const onDisconnect = (e: ConnectionEvent) => {
      const who = parseConnectionName(e.name);
      // A stopped or deposed (e.g. killed in the embedded fleet) CRO no longer decides anything.
      if (who === null || this.stopped || ctx.fence() === null) return;
      this.serial(() =>
        this.after(() => {
          const now = ctx.clock.now();
          if (world.recordDisconnect(who.agent, who.instance, now, e.reason)) {
            ctx.log.warn({ connection: e.name, reason: e.reason }, "agent connection closed");
          }
        }),
      ).catch((error: unknown) => {
        ctx.log.error({ err: error, connection: e.name }, "disconnect not evaluated");
      });
    };
    const onConnect = (e: ConnectionEvent) => {
      const who = parseConnectionName(e.name);
      if (who === null) return;
      void this.serial(() => {
        world.recordConnect(who.agent, who.instance);
      });
    };
    this.unwatch.push(events.onDisconnect(onDisconnect), events.onConnect(onConnect));
  }

  private startTimers(): void {
    const { ctx, config } = this;
    ctx.every(config.livenessCheckMs, "cro.evaluate", () => {
      // Late when the CRO's loop or mailbox was stalled: heartbeats were waiting too (liveness.ts).
      this.world.liveness.tick(ctx.clock.now(), config.livenessCheckMs);
      return this.serial(() => this.evaluate());
    });
    ctx.every(config.refreshMs, "cro.refresh", () =>
      this.serial(async () => {
        await this.world.refresh(ctx.store, ctx.clock.now());
        await this.evaluate();
        await this.sweepSettled();
        await this.noteLossLimits();
      }),
    );
    ctx.every(config.statePublishMs, "cro.state", () => this.serial(() => this.publishState()));
  }

  /**
   * A strategy whose session loss reached its manifest's session max loss: its entries are vetoed
   * (STRATEGY_SESSION_LOSS, checked on every intent); here the moment it got there is logged and
   * audited once (`predator audit strategy:<name>`); cro.state carries it to Alert and status.
   */
  private async noteLossLimits(): Promise<void> {
    const now = this.ctx.clock.now();
    const limits = this.world.strategyLossLimits();
    for (const l of limits) {
      if (this.atLossLimit.has(l.strategy)) continue;
      this.ctx.log.warn(l, "strategy at its session max loss: its entries are vetoed");
      const manifestVersion = this.world.strategies.manifest(l.strategy)?.version ?? null;
      const row = { strategy: l.strategy, manifestVersion, since: now };
      await this.auditStrategy("cro.strategy.session-loss", row, {
        ...l,
        sessionStartAt: this.world.sessionStartAt,
      });
    }
    this.atLossLimit = new Set(limits.map((l) => l.strategy));
  }

  /**
   * At start: every strategy's stored halt, and the settled trades its kill criterion counts
   * (closed since it was last resumed, within killHorizonMs). A failed read fails the start.
   */
  private async loadStrategies(now: number): Promise<void> {
    const { store } = this.ctx;
    const kill = this.world.strategies;
    kill.restore(await store.listStrategyHalts());
    this.world.reviews.restore(await store.listTradeReviews());
    const since = Math.max(kill.countingFrom(), now - this.config.killHorizonMs);
    const closed = await store.listPositions({ open: false, updatedSince: since });
    if (closed.length >= LIST_ROWS_MAX)
      this.ctx.log.warn({ rows: closed.length }, "settled trades truncated at start");
    this.settledReadAt = now;
    // Recorded here, judged once the CRO is up (start).
    for (const p of closed) kill.record(p);
  }

  /** Review mode: a trade of a strategy's first N windows goes on the review list (stored). */
  private async noteReview(p: Position): Promise<void> {
    const row = this.world.reviews.candidate(p);
    if (row === null) return;
    try {
      await this.ctx.store.addTradeReview(row);
      this.world.reviews.apply(row);
      this.ctx.log.info(
        { positionId: row.positionId, strategy: row.strategy },
        "trade on the review list",
      );
    } catch (error) {
      // Fail closed: not on the list, so it does not count toward the N windows; seen again on
      // the position's next update.
      this.ctx.log.warn({ err: error, positionId: row.positionId }, "review row not stored");
    }
  }

  /** An operator marks a trade reviewed (ops.command review.mark): stored, audited by runCommand. */
  private async markReviewed(positionId: string, actor: string, note: string): Promise<OpsOutcome> {
    const known = this.world.reviews.get(positionId);
    if (known === null)
      return { ok: false, error: `no trade ${positionId} on the review list`, detail: "" };
    if (known.reviewedAt !== null)
      return {
        ok: false,
        error: `${positionId} was already reviewed by ${known.reviewedBy ?? "?"}`,
        detail: "",
      };
    const row = await this.ctx.store.markTradeReviewed(
      positionId,
      actor,
      note,
      this.ctx.clock.now(),
    );
    if (row === null)
      return { ok: false, error: `no trade ${positionId} on the review list`, detail: "" };
    this.world.reviews.apply(row);
    const s = this.world.reviews.status(row.strategy);
    const detail =
      s === null
        ? `${positionId} reviewed`
        : `${positionId} (${row.strategy}) reviewed; ${s.pending} pending, ${s.windows}/${s.firstWindows} windows` +
          (s.done ? ": reviews done, it may scale up" : "");
    return { ok: true, error: null, detail };
  }

  /** Settled trades written since the last sweep (a missed portfolio.position is found here). */
  private async sweepSettled(): Promise<void> {
    await this.retryHalts();
    const now = this.ctx.clock.now();
    // A little overlap: positions are written on their writer's clock. Repeats are ignored.
    const since = this.settledReadAt - SETTLED_OVERLAP_MS;
    try {
      const closed = await this.ctx.store.listPositions({ open: false, updatedSince: since });
      this.settledReadAt = now;
      await this.judge(closed);
    } catch (error) {
      this.ctx.log.warn({ err: error }, "settled trades not read; will retry");
    }
  }

  /** Applies each strategy's kill criterion to the settled trades among `positions`. */
  private async judge(positions: readonly Position[]): Promise<void> {
    for (const p of positions) {
      const e = this.world.strategies.record(p);
      if (e?.tripped === true) await this.haltStrategy(e);
    }
  }

  /**
   * A kill criterion tripped: the strategy's entries are vetoed from now on (before the write:
   * fail closed), the halt is stored (fenced; retried if the store fails), audited with the
   * numbers, and announced on cro.state, which the Alert agent turns into an alert.
   */
  private async haltStrategy(e: KillEvaluation): Promise<void> {
    const fence = this.ctx.fence();
    if (fence === null) return;
    const now = this.ctx.clock.now();
    const reason = `kill criterion: ${e.text}`.slice(0, 500);
    const row: StrategyHaltRecord = {
      strategy: e.strategy,
      halted: true,
      since: now,
      actor: this.ctx.identity.agent,
      reason,
      manifestVersion: e.manifestVersion,
      detail: e,
      epoch: fence.epoch,
    };
    this.world.strategies.apply(row);
    this.ctx.log.warn({ strategy: e.strategy, evaluation: e }, "strategy halted: kill criterion");
    await this.saveHalt(row);
    await this.auditStrategy("cro.strategy.halt", row, { actor: row.actor, reason, ...e });
    await this.publishState();
  }

  private async saveHalt(row: StrategyHaltRecord): Promise<void> {
    const fence = this.ctx.fence();
    if (fence === null) return;
    try {
      await this.ctx.store.saveStrategyHalt(row, fence);
      this.unsavedHalts.delete(row.strategy);
    } catch (error) {
      if (error instanceof StaleEpochError) {
        throw new InvariantError("a deposed CRO must not halt a strategy", { cause: error });
      }
      this.unsavedHalts.set(row.strategy, row);
      this.ctx.log.error(
        { err: error, strategy: row.strategy },
        "strategy halt not stored; will retry",
      );
    }
  }

  private async retryHalts(): Promise<void> {
    for (const row of [...this.unsavedHalts.values()]) await this.saveHalt(row);
  }

  private async auditStrategy(
    kind: string,
    row: Pick<StrategyHaltRecord, "strategy" | "manifestVersion" | "since">,
    detail: object,
  ): Promise<void> {
    try {
      await this.ctx.store.appendAudit({
        ts: row.since,
        agent: this.ctx.identity.agent,
        kind,
        // `predator audit strategy:<name>` finds every halt of a strategy.
        correlationId: `strategy:${row.strategy}`,
        intentId: null,
        orderId: null,
        positionId: null,
        decisionId: null,
        detail: { strategy: row.strategy, manifestVersion: row.manifestVersion, ...detail },
      });
    } catch (error) {
      this.ctx.log.error({ err: error, strategy: row.strategy, kind }, "strategy audit failed");
    }
  }

  /** An operator halts or resumes one strategy (ops.command strategy.halt / strategy.resume). */
  private async operateStrategy(
    strategy: string,
    halted: boolean,
    actor: string,
    reason: string,
  ): Promise<OpsOutcome> {
    const kill = this.world.strategies;
    const manifest = kill.manifest(strategy);
    const refuse = (error: string): OpsOutcome => ({ ok: false, error, detail: "" });
    if (manifest === null) return refuse(`unknown strategy "${strategy}": no manifest loaded`);
    const current = kill.halt(strategy);
    if (halted && current !== null)
      return refuse(`${strategy} is already halted: ${current.reason}`);
    if (!halted && current === null) return refuse(`${strategy} is not halted`);
    const fence = this.ctx.fence();
    if (fence === null) return refuse("this CRO instance is not the leader; ask again");
    const row: StrategyHaltRecord = {
      strategy,
      halted,
      since: this.ctx.clock.now(),
      actor,
      reason: `${reason} (by ${actor})`.slice(0, 500),
      manifestVersion: manifest.version,
      detail: { previous: current },
      epoch: fence.epoch,
    };
    if (halted) {
      // Applies at once; a failed write is retried like a kill criterion's.
      kill.apply(row);
      await this.saveHalt(row);
    } else {
      // Stored first: a resume that is not recorded did not happen (the reply says it failed).
      await this.ctx.store.saveStrategyHalt(row, fence);
      this.unsavedHalts.delete(strategy);
      kill.apply(row);
    }
    await this.auditStrategy(`cro.strategy.${halted ? "halt" : "resume"}`, row, {
      actor,
      reason: row.reason,
    });
    await this.publishState();
    const what = halted ? "halted: its entries are vetoed" : "resumed: its results count from now";
    return { ok: true, error: null, detail: `${strategy} ${manifest.version} ${what}` };
  }

  private decide(m: StrategyIntent | PortfolioExit, d: Delivery): Promise<void> {
    return this.serial(async () => {
      await this.evaluate();
      await this.desk.handle(m, d.log);
    });
  }

  private async after(record: () => void): Promise<void> {
    record();
    await this.evaluate();
  }

  private async evaluate(): Promise<void> {
    const now = this.ctx.clock.now();
    this.blockers = this.world.blockers(now);
    const flat = this.world.storeError === null && this.world.exposure.flat();
    const policy = this.world.controls.recovery_policy;
    const t = this.trading.send({ type: "EVALUATE", now, blockers: this.blockers, policy, flat });
    if (t.changed || this.unrecorded) await this.record(this.ctx.identity.agent);
  }

  private async operate(event: TradingEvent, actor: string): Promise<void> {
    if (this.trading.send(event).changed || this.unrecorded) await this.record(actor);
  }

  /**
   * Writes the current state to cro_events (fenced) and publishes it. A halt is published before
   * the write — a more restrictive state is safe to announce early, and every millisecond counts
   * between an agent's death and Execution hearing of it; ACTIVE is announced only once recorded.
   */
  private async record(actor: string): Promise<void> {
    const fence = this.ctx.fence();
    if (fence === null) throw new InvariantError("the CRO changed state without its lease");
    const halting = this.trading.state !== "ACTIVE";
    if (halting) await this.publishState();
    const { context } = this.trading;
    const blockers = blockerTexts(this.blockers);
    try {
      await this.ctx.store.appendCroEvent(
        {
          ts: this.ctx.clock.now(),
          epoch: fence.epoch,
          state: this.trading.state,
          reason: context.reason,
          actor,
          operatorHold: context.operatorHold,
          detail: this.trading.detail(this.world.sessionStartAt, blockers),
        },
        fence,
      );
      this.unrecorded = false;
    } catch (error) {
      if (error instanceof StaleEpochError) {
        throw new InvariantError("a deposed CRO must not record state", { cause: error });
      }
      this.unrecorded = true;
      this.ctx.log.error({ err: error }, "cro state change not recorded; will retry");
    }
    if (!halting) await this.publishState();
  }

  private async publishState(): Promise<void> {
    const { trading, world, blockers } = this;
    const payload = statePayload(trading, world, blockers, this.epoch(), this.ctx.clock.now());
    try {
      await this.ctx.publish("cro.state", payload);
    } catch (error) {
      this.ctx.log.warn({ err: error }, "cro.state publish failed");
    }
  }

  private async answer(cmd: OpsCommand): Promise<Outgoing<"ops.reply">> {
    let outcome: OpsOutcome;
    if (this.stopped) outcome = { ok: false, error: "the CRO is stopping", detail: "" };
    else {
      try {
        outcome = await runCommand(cmd, this.operations());
      } catch (error) {
        this.ctx.log.error({ err: error, command: cmd.command }, "operator command failed");
        const text = error instanceof Error ? error.message : String(error);
        outcome = { ok: false, error: `failed: ${text}`.slice(0, 500), detail: "" };
      }
    }
    const state = this.trading.state;
    return this.ctx.messages.make("ops.reply", { ...outcome, state }, cmd);
  }

  private operations(): CroOperations {
    return {
      store: this.ctx.store,
      clock: this.ctx.clock,
      trading: this.trading,
      world: this.world,
      isLeader: () => this.ctx.fence() !== null,
      operate: (event, actor) => this.operate(event, actor),
      strategy: (name, halted, actor, reason) => this.operateStrategy(name, halted, actor, reason),
      review: (positionId, actor, note) => this.markReviewed(positionId, actor, note),
      refreshNow: async () => {
        await this.world.refresh(this.ctx.store, this.ctx.clock.now());
        await this.evaluate();
      },
      status: () =>
        statusReport(
          this.trading,
          this.world,
          this.blockers,
          this.ctx.fence(),
          this.ctx.clock.now(),
        ),
    };
  }

  private epoch(): number {
    return this.ctx.fence()?.epoch ?? 0;
  }

  /** Runs `fn` after every earlier piece of work has finished, whatever its outcome. */
  private serial<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
