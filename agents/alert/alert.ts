/**
 * The Alert actor: turns critical events into incidents (trading-state changes, breaker trips and
 * failed assertions, UNKNOWN orders, feed trouble, agent deaths, drawdown thresholds, the daily
 * summary), deduplicates them by incident key and hands them to the Deliverer.
 */
import type { Cause } from "../../bus/messages.ts";
import { resolveControls } from "../../contracts/controls.ts";
import type { Order } from "../../contracts/orders.ts";
import { Actor, type ActorContext } from "../runtime/actor.ts";
import type { AlertConfig, Channel } from "./config.ts";
import { Deliverer } from "./delivery.ts";
import type { HttpPort } from "./http.ts";
import {
  reconIncident,
  summaryIncident,
  unknownOrderIncident,
  utcDay,
  type Incident,
} from "./incidents.ts";
import { Deduper } from "./limits.ts";
import {
  DAY_MS,
  nextSummaryAt,
  readSummary,
  summaryLines,
  type AssertionCounts,
} from "./summary.ts";
import { CroWatch, Drawdown, FeedWatch, Liveness } from "./watch.ts";
import { OverrideWatch } from "./overrides.ts";

export class AlertAgent extends Actor {
  private readonly deliverer: Deliverer;
  private readonly dedupe: Deduper;
  private readonly liveness: Liveness;
  private readonly feeds = new FeedWatch();
  private readonly cro = new CroWatch();
  private readonly overrides = new OverrideWatch();
  private readonly drawdown: Drawdown;
  private drawdownLimit = 0;
  private assertions: AssertionCounts = { passed: 0, total: 0, since: 0 };
  private summaryAt = 0;

  constructor(
    ctx: ActorContext,
    http: HttpPort,
    channels: readonly Channel[],
    private readonly config: AlertConfig,
  ) {
    super(ctx);
    this.deliverer = new Deliverer(ctx, http, channels, config);
    this.dedupe = new Deduper(config.dedupeWindowMs, config.dedupeKeysMax);
    this.liveness = new Liveness(config);
    this.drawdown = new Drawdown(config.drawdownAlertPct);
  }

  async start(): Promise<void> {
    const { ctx } = this;
    const now = ctx.clock.now();
    for (const row of await this.deliverer.restore())
      this.dedupe.remember(row.incidentKey, row.createdAt);
    // Today's PnL: open positions and those closed since midnight UTC.
    const dayStart = now - (now % DAY_MS);
    const today = [
      ...(await ctx.store.listPositions({ open: true })),
      ...(await ctx.store.listPositions({ open: false, updatedSince: dayStart })),
    ];
    for (const p of today) {
      if (p.closedAt === null || p.closedAt >= dayStart) this.drawdown.onPosition(p);
    }
    await this.refreshControls();
    await this.checkOverrides();
    this.assertions.since = now;
    this.summaryAt = nextSummaryAt(now, this.config.summaryHourUtc);

    ctx.on("cro.state", async (m) => {
      await this.raise(this.cro.onState(m), m);
      await this.raiseAll(this.cro.onStrategyHalts(m), m);
      await this.raiseAll(this.cro.onStrategyLossLimits(m), m);
    });
    ctx.on("md.health", (m) => this.raise(this.feeds.onHealth(m), m));
    ctx.on("hb", (m) => this.raise(this.liveness.onHeartbeat(m, ctx.clock.now()), m));
    ctx.on("portfolio.position", (m) => {
      this.drawdown.onPosition(m);
      return this.raiseAll(this.drawdown.check(ctx.clock.now(), this.drawdownLimit), m);
    });
    ctx.on("recon.report", (m) => {
      this.assertions.total += m.assertions.length;
      this.assertions.passed += m.assertions.filter((a) => a.passed).length;
    });
    const opts = { deliverPolicy: "new" as const };
    await ctx.onDurable("recon.mismatch", { durable: "alert-recon", ...opts }, (m) =>
      this.raise(reconIncident(m), m),
    );
    await ctx.onDurable("exec.order.unknown", { durable: "alert-unknown", ...opts }, (m) =>
      this.raise(unknownOrderIncident(m as Order), m),
    );
    ctx.every(this.config.checkIntervalMs, "alert.check", () => this.check());
  }

  override describe(): Record<string, unknown> {
    return { owed: this.deliverer.owed, suppressed: this.dedupe.suppressed };
  }

  private async raise(incident: Incident | null, cause: Cause | null): Promise<void> {
    if (incident === null || !this.dedupe.admit(incident.key, this.ctx.clock.now())) return;
    await this.deliverer.raise(
      incident,
      cause === null ? null : { id: cause.id, correlationId: cause.correlationId },
    );
  }

  private async raiseAll(incidents: readonly Incident[], cause: Cause | null): Promise<void> {
    for (const incident of incidents) await this.raise(incident, cause);
  }

  /** The timer's work: dead agents, the drawdown limit, the daily summary. */
  private async check(): Promise<void> {
    const now = this.ctx.clock.now();
    await this.raiseAll(this.liveness.check(now), null);
    await this.refreshControls();
    await this.checkOverrides();
    await this.raiseAll(this.drawdown.check(now, this.drawdownLimit), null);
    if (now >= this.summaryAt) await this.summarize();
  }

  /** Readiness overrides written to the audit log (overrides.ts); a failed read is retried. */
  private async checkOverrides(): Promise<void> {
    try {
      const found = await this.overrides.check(this.ctx.store, this.ctx.clock.now());
      await this.raiseAll(found, null);
    } catch (error) {
      this.ctx.log.warn({ err: error }, "readiness overrides not read; will retry");
    }
  }

  private async refreshControls(): Promise<void> {
    try {
      this.drawdownLimit = resolveControls(
        await this.ctx.store.getControls(),
      ).controls.daily_drawdown_usd;
    } catch (error) {
      this.ctx.log.warn({ err: error }, "controls not read; keeping the last drawdown limit");
    }
  }

  private async summarize(): Promise<void> {
    const to = this.summaryAt;
    const from = to - DAY_MS;
    this.summaryAt = to + DAY_MS;
    try {
      const data = await readSummary(this.ctx.store, from, to, this.assertions);
      this.assertions = { passed: 0, total: 0, since: this.ctx.clock.now() };
      await this.raise(summaryIncident(utcDay(from), summaryLines(data)), null);
    } catch (error) {
      this.ctx.log.error({ err: error }, "daily summary failed");
    }
  }
}
