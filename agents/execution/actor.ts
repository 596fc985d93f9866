/**
 * The Execution actor (singleton): turns approved CRO decisions into venue orders and venue events
 * into stored orders and fills. Start is recovery: unresolved and live orders are checked against
 * the venue and missed fills fetched BEFORE any decision is consumed; decisions are consumed only
 * once a cro.state has been seen, since none could be executed before.
 */
import type { BusStatus } from "../../bus/port.ts";
import type { CroState } from "../../contracts/index.ts";
import type { ApprovalKey } from "../../contracts/approval-signature.ts";
import { Actor, type ActorContext, type Delivery } from "../runtime/actor.ts";
import type { UserEvent, Venue } from "../runtime/venue.ts";
import { croFresh } from "./approval.ts";
import { Cancels } from "./cancels.ts";
import type { ExecutionConfig } from "./config.ts";
import { newState, type ExecEnv } from "./env.ts";
import { Fills } from "./fills.ts";
import { Placement } from "./placement.ts";
import { Resolver } from "./resolver.ts";
import { withTimeout } from "./venue-calls.ts";

/** Venue events that arrive while start() is still recovering wait here (bounded). */
const STARTUP_BUFFER_MAX = 100_000;

export class ExecutionActor extends Actor {
  private readonly env: ExecEnv;
  private readonly resolver: Resolver;
  private readonly fills: Fills;
  private readonly cancels: Cancels;
  private readonly placement: Placement;
  private unsubscribeUser: (() => void) | null = null;
  private unsubscribeStatus: (() => void) | null = null;
  private startupBuffer: UserEvent[] | null = [];
  private decisionsAttached = false;
  private feedingVenueHeartbeat = false;

  constructor(
    ctx: ActorContext,
    venue: Venue,
    config: ExecutionConfig,
    approvalKey: ApprovalKey | null = null,
  ) {
    super(ctx);
    this.env = { ctx, venue, config, state: newState() };
    this.resolver = new Resolver(this.env);
    this.fills = new Fills(this.env);
    this.cancels = new Cancels(this.env);
    this.placement = new Placement(this.env, this.resolver, this.fills, this.cancels, approvalKey);
  }

  override async start(): Promise<void> {
    const { ctx, config } = this.env;
    this.unsubscribeUser = this.env.venue.subscribeUser((e) => {
      this.onVenueEvent(e);
    });
    await this.resolver.resolveAtStart();
    await this.fills.catchUp();
    const buffered = this.startupBuffer ?? [];
    this.startupBuffer = null;
    for (const e of buffered) this.onVenueEvent(e);
    ctx.onControl("cro.state", (m) => {
      this.heardCroState(m);
    });
    ctx.on("cro.state", (m, d) => this.onCroState(m, d));
    this.env.state.busUp = ctx.bus.status() === "connected";
    this.unsubscribeStatus = ctx.bus.onStatus((s) => {
      this.onBusStatus(s);
    });
    ctx.every(config.heartbeatMs, "exec.venue-heartbeat", () => this.feedVenueHeartbeat());
    ctx.every(config.confirmCheckMs, "exec.confirm", () => this.fills.checkConfirmations());
    ctx.every(config.sweepIntervalMs, "exec.sweep", () => this.resolver.sweep());
    ctx.log.info({ unresolved: this.resolver.size }, "execution recovered; waiting for cro.state");
  }

  override stop(): Promise<void> {
    this.release();
    return Promise.resolve();
  }

  override release(): void {
    this.unsubscribeUser?.();
    this.unsubscribeUser = null;
    this.unsubscribeStatus?.();
    this.unsubscribeStatus = null;
  }

  override describe(): Record<string, unknown> {
    const { cro, counters } = this.env.state;
    return {
      croState: cro?.state ?? null,
      croEpoch: cro?.epoch ?? null,
      unresolvedOrders: this.resolver.size,
      unconfirmedFills: this.fills.unconfirmedCount,
      ...counters,
    };
  }

  /** Venue callbacks run outside the mailbox; route each event through it, in order. */
  private onVenueEvent(e: UserEvent): void {
    if (this.startupBuffer !== null) {
      if (this.startupBuffer.length < STARTUP_BUFFER_MAX) this.startupBuffer.push(e);
      else
        this.env.ctx.log.warn("startup buffer full: venue event dropped (catch-up covers fills)");
      return;
    }
    this.env.ctx.after(0, "venue.user", () => this.fills.onUserEvent(e));
  }

  /**
   * Fail closed on the bus: while it is down nothing risk-increasing leaves (cancels still do) and
   * the venue's dead man is not fed; when it is back, open orders and missed fills are re-read
   * from the venue before anything else (the cro.state must also be heard again to be fresh).
   */
  private onBusStatus(status: BusStatus): void {
    const { ctx, state } = this.env;
    const up = status === "connected";
    if (up === state.busUp) return;
    state.busUp = up;
    if (!up) {
      // What was heard before the outage is stale: a cro.state must arrive after it to count.
      if (state.cro !== null) {
        state.cro = { ...state.cro, receivedAt: ctx.clock.now() - this.env.config.croSilenceMs };
      }
      ctx.log.warn({ status }, "bus down: no new orders, venue heartbeat stopped");
      return;
    }
    ctx.log.info("bus back: resynchronising orders and fills with the venue");
    ctx.after(0, "exec.resync", async () => {
      await this.resolver.resolveAtStart();
      await this.fills.catchUp();
    });
  }

  /** At delivery, ahead of the mailbox: remember the newest state so a queued halt already binds. */
  private heardCroState(m: CroState): void {
    const heard = this.env.state.croHeard;
    if (heard !== null && (m.epoch < heard.epoch || (m.epoch === heard.epoch && m.ts < heard.ts)))
      return;
    this.env.state.croHeard = { state: m.state, epoch: m.epoch, ts: m.ts };
  }

  private async onCroState(m: CroState, delivery: Delivery): Promise<void> {
    const { ctx, state } = this.env;
    const previous = state.cro;
    if (previous !== null && m.epoch < previous.epoch) {
      delivery.log.warn({ epoch: m.epoch, current: previous.epoch }, "cro.state from an old epoch");
      return;
    }
    state.cro = { state: m.state, epoch: m.epoch, receivedAt: ctx.clock.now() };
    const entered = previous?.state !== m.state || previous.epoch !== m.epoch;
    if (entered && (m.state === "HALTED" || m.state === "FLATTENING")) {
      const refs = { correlationId: m.correlationId };
      await this.cancels.cancelAll(`${m.state}: ${m.reason}`, refs);
    }
    if (!this.decisionsAttached) await this.attachDecisions();
  }

  private async attachDecisions(): Promise<void> {
    await this.env.ctx.onDurable("cro.decision", { durable: "execution-decisions" }, (d, del) =>
      this.placement.onDecision(d, del),
    );
    this.decisionsAttached = true;
  }

  /**
   * The venue's dead man is fed only while the CRO is healthy (heard recently and ACTIVE, PAUSED
   * or FLATTENING) and Execution's bus is up: if the CRO or Execution dies, the venue cancels.
   */
  private async feedVenueHeartbeat(): Promise<void> {
    const { ctx, venue, config, state } = this.env;
    const healthy =
      state.busUp &&
      croFresh(state.cro, ctx.clock.now(), config.croSilenceMs) &&
      state.cro?.state !== "HALTED";
    if (!healthy) {
      if (this.feedingVenueHeartbeat) ctx.log.warn("CRO silent or HALTED: venue heartbeat stopped");
      this.feedingVenueHeartbeat = false;
      return;
    }
    try {
      await withTimeout(ctx.clock, "heartbeat", config.callTimeoutMs, (o) => venue.heartbeat(o));
      this.feedingVenueHeartbeat = true;
    } catch (error) {
      ctx.log.warn({ err: error }, "venue heartbeat failed");
    }
  }
}
