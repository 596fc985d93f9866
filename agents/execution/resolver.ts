/**
 * Resolving orders whose fate is unknown (invariant 6). An order whose placeOrder timed out, failed
 * with 5xx or was interrupted stays UNKNOWN until the venue itself says what happened: found → its
 * real status; absent → REJECTED only after `absentConfirmationsMin` successful lookups answered
 * "no such order". A failed lookup proves nothing and never counts as absent.
 */
import { InvariantError } from "../runtime/errors.ts";
import type { OrderRecord } from "../runtime/store.ts";
import { backoffMs } from "./config.ts";
import { audit, causeFor, orderRefs, type ExecEnv } from "./env.ts";
import { saveOrder, recordVenueOrder } from "./order-updates.ts";
import { LIVE_STATUSES, NOT_AT_VENUE, UNRESOLVED_STATUSES } from "./orders.ts";
import { lookupOrder, type Lookup } from "./venue-calls.ts";

interface Tracked {
  tokenId: string;
  /** A poll round is scheduled or running. */
  polling: boolean;
}

export class Resolver {
  /** Every order known to be unresolved, polled or not: they block re-entry on their token. */
  private readonly unresolved = new Map<string, Tracked>();

  constructor(private readonly env: ExecEnv) {}

  unresolvedOnToken(tokenId: string): boolean {
    for (const t of this.unresolved.values()) if (t.tokenId === tokenId) return true;
    return false;
  }

  get size(): number {
    return this.unresolved.size;
  }

  /** Marks `rec` UNKNOWN with `reason`, announces it, and starts resolving it. */
  async markUnknown(rec: OrderRecord, reason: string, absentSoFar = 0): Promise<void> {
    const next = {
      ...rec,
      status: "UNKNOWN" as const,
      reason,
      updatedAt: this.env.ctx.clock.now(),
    };
    this.unresolved.set(rec.orderId, { tokenId: rec.tokenId, polling: false });
    this.env.state.counters.unknown++;
    this.env.ctx.log.warn({ orderId: rec.orderId, reason }, "order UNKNOWN: resolving by polling");
    await saveOrder(this.env, next);
    this.track(next, absentSoFar);
  }

  /** Starts a poll round for an unresolved order unless one is running. */
  track(rec: OrderRecord, absentSoFar = 0): void {
    const current = this.unresolved.get(rec.orderId);
    if (current?.polling === true) return;
    this.unresolved.set(rec.orderId, { tokenId: rec.tokenId, polling: true });
    this.schedule(rec.orderId, 0, absentSoFar);
  }

  /** Orders left UNKNOWN or PENDING with nobody polling them get a new round. */
  async sweep(): Promise<void> {
    const { ctx } = this.env;
    const rows = await ctx.store.listOrders({ statuses: UNRESOLVED_STATUSES, mode: ctx.mode });
    for (const rec of rows) {
      if (this.unresolved.get(rec.orderId)?.polling === true) continue;
      // Sweeps run in the mailbox, so no placement is in flight: a PENDING row is a send whose
      // outcome was lost (a crash or a store failure between persisting and recording).
      if (rec.status === "UNKNOWN") this.track(rec);
      else await this.markUnknown(rec, `left ${rec.status}: outcome of the send not known`);
    }
  }

  /** At start: every order not known final is checked once against the venue. */
  async resolveAtStart(): Promise<void> {
    const { ctx } = this.env;
    const statuses = [...UNRESOLVED_STATUSES, ...LIVE_STATUSES];
    const rows = await ctx.store.listOrders({ statuses, mode: ctx.mode });
    for (const rec of rows) await this.checkAtStart(rec);
  }

  private async checkAtStart(rec: OrderRecord): Promise<void> {
    const lookup = await lookupOrder(this.env, rec.orderId);
    await this.auditLookup(rec, lookup, "start");
    const unresolved = UNRESOLVED_STATUSES.includes(rec.status);
    if (lookup.kind === "found") {
      await recordVenueOrder(this.env, rec, lookup.order, "start");
    } else if (unresolved) {
      const absent = lookup.kind === "absent" ? 1 : 0;
      const why = lookup.kind === "absent" ? "not found at restart" : lookup.reason;
      await this.markUnknown(rec, `restart: ${why}`, absent);
    } else {
      this.env.ctx.log.warn({ orderId: rec.orderId, lookup }, "live order not confirmed at start");
    }
  }

  private schedule(orderId: string, attempt: number, absent: number): void {
    const { ctx, config } = this.env;
    const delayMs = backoffMs(attempt, config.unknownPollInitialMs, config.unknownPollMaxMs);
    ctx.after(delayMs, "exec.resolve", () => this.poll(orderId, attempt, absent));
  }

  private async poll(orderId: string, attempt: number, absentSoFar: number): Promise<void> {
    try {
      await this.pollOnce(orderId, attempt, absentSoFar);
    } catch (error) {
      // The store failed under us: the order is still unresolved; keep polling while rounds last.
      if (error instanceof InvariantError) throw error;
      this.env.ctx.log.error({ err: error, orderId }, "resolving an UNKNOWN order failed");
      const tracked = this.unresolved.get(orderId);
      if (attempt + 1 < this.env.config.unknownPollsMax)
        this.schedule(orderId, attempt + 1, absentSoFar);
      else if (tracked !== undefined) tracked.polling = false;
    }
  }

  private async pollOnce(orderId: string, attempt: number, absentSoFar: number): Promise<void> {
    const { ctx, config } = this.env;
    const rec = await ctx.store.getOrder(orderId);
    if (rec === null || !UNRESOLVED_STATUSES.includes(rec.status)) {
      this.unresolved.delete(orderId);
      return;
    }
    const lookup = await lookupOrder(this.env, orderId);
    await this.auditLookup(rec, lookup, `poll ${attempt + 1}`);
    const absent = absentSoFar + (lookup.kind === "absent" ? 1 : 0);
    if (lookup.kind === "found") {
      await recordVenueOrder(this.env, rec, lookup.order, "poll");
      this.unresolved.delete(orderId);
    } else if (absent >= config.absentConfirmationsMin) {
      await this.rejectNotAtVenue(rec, absent);
      this.unresolved.delete(orderId);
    } else if (attempt + 1 >= config.unknownPollsMax) {
      this.unresolved.set(orderId, { tokenId: rec.tokenId, polling: false });
      ctx.log.error({ orderId, attempts: attempt + 1 }, "order still UNKNOWN after every poll");
      await audit(this.env, "order.unresolved", orderRefs(rec, null), { attempts: attempt + 1 });
    } else {
      this.schedule(orderId, attempt + 1, absent);
    }
  }

  private async rejectNotAtVenue(rec: OrderRecord, lookups: number): Promise<void> {
    const reason = `${NOT_AT_VENUE}: the venue answered "no such order" ${lookups} times`;
    const now = this.env.ctx.clock.now();
    await saveOrder(this.env, { ...rec, status: "REJECTED", reason, updatedAt: now });
    this.env.ctx.log.info(
      { orderId: rec.orderId },
      "UNKNOWN order resolved: never reached the venue",
    );
  }

  private async auditLookup(rec: OrderRecord, lookup: Lookup, when: string): Promise<void> {
    const refs = orderRefs(rec, await causeFor(this.env, rec.orderId));
    await audit(this.env, "venue.response", refs, { call: "getOrder", when, ...lookup });
  }
}
