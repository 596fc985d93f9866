/**
 * Writing an order's new state: persist (fenced) first, then announce on `exec.order.<event>`. The
 * store is the truth a restart recovers from, so nothing is announced that was not stored.
 */
import type { OrderRecord } from "../runtime/store.ts";
import type { VenueOrder } from "../runtime/venue.ts";
import { announceOrder, audit, causeFor, leaderFence, orderRefs, type ExecEnv } from "./env.ts";
import { applyVenueOrder } from "./orders.ts";

/** Stores `next` (fenced by the lease) and announces it. */
export async function saveOrder(env: ExecEnv, next: OrderRecord): Promise<void> {
  const fence = leaderFence(env);
  await env.ctx.store.upsertOrder(next, fence);
  await announceOrder(env, next);
}

/**
 * Applies what the venue reported about one of our orders. Returns the stored order afterwards
 * (unchanged when the report told nothing new).
 */
export async function recordVenueOrder(
  env: ExecEnv,
  rec: OrderRecord,
  vo: VenueOrder,
  source: string,
): Promise<OrderRecord> {
  const next = applyVenueOrder(rec, vo, env.ctx.clock.now());
  if (next === null) return rec;
  await saveOrder(env, next);
  if (rec.status !== next.status) {
    await audit(env, "order.status", orderRefs(next, await causeFor(env, next.orderId)), {
      from: rec.status,
      to: next.status,
      filledSize: next.filledSize,
      source,
    });
  }
  return next;
}
