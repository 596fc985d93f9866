/**
 * Delivery: every alert is written to the store as PENDING rows (one per destination) before any
 * POST; each attempt's outcome is written back (DELIVERED, PENDING with the next try, or DEAD);
 * PENDING and DEAD rows are reloaded on restart. Runs inside the actor's mailbox; every POST has
 * an explicit timeout. `alert.sent` is published once every destination of an alert has settled,
 * and again when a DEAD delivery gets through later.
 *
 * At least once: a crash between a POST and recording it DELIVERED sends it again after restart;
 * every format carries the alert id for the receiver to drop such a duplicate.
 */
import type { TimerHandle } from "../../bus/clock.ts";
import type { Cause } from "../../bus/messages.ts";
import type { AlertFormat } from "../../contracts/alerts.ts";
import type { ActorContext } from "../runtime/actor.ts";
import type { AlertRecord, AlertStatus } from "../runtime/store.ts";
import type { AlertConfig, Channel } from "./config.ts";
import { render } from "./formats.ts";
import type { HttpPort } from "./http.ts";
import type { Incident } from "./incidents.ts";
import { Outbox, rowId, splitRowId, type AttemptResult } from "./outbox.ts";

interface Group {
  incident: Incident;
  rows: Map<string, { format: AlertFormat; status: AlertStatus }>;
  cause: Cause | null;
}

/** 4xx other than timeout and throttling: this payload will never be accepted as it is. */
function isPermanent(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

export class Deliverer {
  private readonly outbox: Outbox;
  private readonly channels: Map<string, Channel>;
  private readonly groups = new Map<string, Group>();
  private wake: { at: number; handle: TimerHandle } | null = null;

  constructor(
    private readonly ctx: ActorContext,
    private readonly http: HttpPort,
    channels: readonly Channel[],
    private readonly config: AlertConfig,
  ) {
    this.outbox = new Outbox(channels, config);
    this.channels = new Map(channels.map((c) => [c.name, c]));
  }

  get owed(): number {
    return this.outbox.size;
  }

  /** Reloads undelivered rows; returns them so the caller can rebuild its dedupe memory. */
  async restore(): Promise<AlertRecord[]> {
    const rows = [
      ...(await this.ctx.store.listAlerts({ status: "PENDING" })),
      ...(await this.ctx.store.listAlerts({ status: "DEAD" })),
    ];
    for (const row of rows) {
      const { alertId, channel } = splitRowId(row.alertId);
      if (!this.channels.has(channel)) continue; // a destination no longer configured
      this.outbox.add(row);
      const { incidentKey: key, severity, title, body } = row;
      const group = this.groups.get(alertId) ?? {
        incident: { key, severity, title, body },
        rows: new Map(),
        cause: null,
      };
      group.rows.set(row.alertId, { format: row.format, status: row.status });
      this.groups.set(alertId, group);
    }
    this.ctx.log.info({ owed: this.outbox.size }, "alert deliveries restored");
    this.schedule(this.ctx.clock.now());
    return rows;
  }

  /** Stores one PENDING row per destination, then lets delivery run. */
  async raise(incident: Incident, cause: Cause | null): Promise<void> {
    const { clock, rng, store, log } = this.ctx;
    const now = clock.now();
    const alertId = `alt-${rng.uuid()}`;
    const group: Group = { incident, rows: new Map(), cause };
    for (const channel of this.channels.values()) {
      const row: AlertRecord = {
        alertId: rowId(alertId, channel.name),
        incidentKey: incident.key,
        severity: incident.severity,
        title: incident.title,
        body: incident.body,
        format: channel.format,
        status: "PENDING",
        attempts: 0,
        lastError: null,
        createdAt: now,
        updatedAt: now,
        nextAttemptAt: now,
      };
      try {
        await store.saveAlert(row);
      } catch (error) {
        // An alert about a failing store must not wait for the store: deliver from memory and
        // write the row with its next status change.
        log.error({ err: error, alertId: row.alertId }, "alert not stored before delivery");
      }
      this.outbox.add(row);
      group.rows.set(row.alertId, { format: channel.format, status: "PENDING" });
    }
    this.groups.set(alertId, group);
    log.info({ alertId, incidentKey: incident.key, severity: incident.severity }, incident.title);
    if (group.rows.size === 0) await this.announce(alertId, group);
    this.schedule(now);
  }

  /** Delivers what is due, a bounded number per pass, then sleeps until the next due time. */
  async pass(): Promise<void> {
    for (let i = 0; i < this.config.deliveriesPerPassMax; i++) {
      const row = this.outbox.next(this.ctx.clock.now());
      if (row === null) break;
      await this.attempt(row);
    }
    this.schedule(this.ctx.clock.now());
  }

  private async attempt(row: AlertRecord): Promise<void> {
    const { channel: name, alertId } = splitRowId(row.alertId);
    const channel = this.channels.get(name);
    if (channel === undefined) return;
    const view = {
      alertId,
      incidentKey: row.incidentKey,
      severity: row.severity,
      title: row.title,
      body: row.body,
      ts: row.createdAt,
    };
    let result: AttemptResult;
    try {
      const body = render(channel.format, view, channel.chatId);
      const { status } = await this.http.post(channel.url, body, {
        timeoutMs: this.config.requestTimeoutMs,
      });
      const ok = status >= 200 && status < 300;
      result = ok ? { ok } : { ok, permanent: isPermanent(status), error: `HTTP ${status}` };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const message = error instanceof Error ? error.message : String(error);
      result = {
        ok: false,
        permanent: false,
        error: typeof code === "string" ? `${code}: ${message}` : message,
      };
    }
    const updated = this.outbox.settle(row, result, this.ctx.clock.now());
    try {
      await this.ctx.store.saveAlert(updated);
    } catch (error) {
      this.ctx.log.error(
        { err: error, alertId: updated.alertId },
        "alert delivery outcome not stored",
      );
    }
    if (!result.ok) {
      this.ctx.log.warn(
        {
          alertId: updated.alertId,
          channel: name,
          status: updated.status,
          attempts: updated.attempts,
          error: result.error,
        },
        "alert delivery failed",
      );
    }
    await this.settled(alertId, updated);
  }

  private async settled(alertId: string, row: AlertRecord): Promise<void> {
    const group = this.groups.get(alertId);
    const entry = group?.rows.get(row.alertId);
    if (group === undefined || entry === undefined) return;
    const before = entry.status;
    entry.status = row.status;
    if (row.status === "PENDING" || before === row.status) return;
    const statuses = [...group.rows.values()].map((r) => r.status);
    if (statuses.includes("PENDING")) return;
    await this.announce(alertId, group);
    if (statuses.every((s) => s === "DELIVERED")) this.groups.delete(alertId);
  }

  private async announce(alertId: string, group: Group): Promise<void> {
    const deliveries = [...group.rows.values()].map((r) => ({
      format: r.format,
      status: r.status === "PENDING" ? ("RETRYING" as const) : r.status,
    }));
    const { key, severity, title, body } = group.incident;
    try {
      await this.ctx.publish(
        "alert.sent",
        { alertId, incidentKey: key, severity, title, body, deliveries },
        group.cause,
      );
    } catch (error) {
      this.ctx.log.warn({ err: error, alertId }, "alert.sent not published");
    }
  }

  /** Keeps one timer, at the earliest due time. */
  private schedule(now: number): void {
    const at = this.outbox.nextWakeAt(now);
    if (at === null || (this.wake !== null && this.wake.at <= at)) return;
    if (this.wake !== null) this.ctx.cancelTimer(this.wake.handle);
    const handle = this.ctx.after(Math.max(0, at - now), "alert.deliver", () => {
      this.wake = null;
      return this.pass();
    });
    this.wake = { at, handle };
  }
}
