/**
 * What every part of Execution shares: the actor context, the venue, the config and the little
 * state that lives in memory (everything else is in the store). Plus the three chores they all
 * need: audit an event, announce an order, and retry an idempotent task through the mailbox.
 */
import type { Cause } from "../../bus/messages.ts";
import type { OrderEvent, TradingState } from "../../contracts/index.ts";
import type { ActorContext } from "../runtime/actor.ts";
import { InvariantError } from "../runtime/errors.ts";
import type { Fence, OrderRecord } from "../runtime/store.ts";
import type { Venue } from "../runtime/venue.ts";
import type { CroView } from "./approval.ts";
import { backoffMs, type ExecutionConfig } from "./config.ts";
import { eventFor, toPayload } from "./orders.ts";

export const AGENT = "execution";

/** Decision causes kept in memory; older ones are read back from the audit log when needed. */
const CAUSES_MAX = 10_000;

export interface ExecState {
  /** The latest cro.state (highest epoch, then latest); null until one arrives. */
  cro: CroView | null;
  /**
   * The newest cro.state delivered (highest epoch, then latest send time), applied at delivery
   * ahead of the mailbox: a halt queued behind an approval still stops that approval's order.
   */
  croHeard: { state: TradingState; epoch: number; ts: number } | null;
  /** Execution's bus connection is up (Bus.onStatus); while down, nothing risk-increasing leaves. */
  busUp: boolean;
  /** orderId → the decision that caused it, so fills continue its correlation chain. */
  readonly causes: Map<string, Cause>;
  readonly counters: { refused: number; placed: number; unknown: number; fills: number };
}

export interface ExecEnv {
  readonly ctx: ActorContext;
  readonly venue: Venue;
  readonly config: ExecutionConfig;
  readonly state: ExecState;
}

export function newState(): ExecState {
  return {
    cro: null,
    croHeard: null,
    busUp: true,
    causes: new Map(),
    counters: { refused: 0, placed: 0, unknown: 0, fills: 0 },
  };
}

/**
 * The lease fence every order and fill write carries. Execution is a singleton: without a fence it
 * is not (or no longer) the leader, and a deposed leader must not write at all, not even unfenced.
 */
export function leaderFence(env: ExecEnv): Fence {
  const fence = env.ctx.fence();
  if (fence === null) throw new InvariantError("execution is not the leader: refusing to write");
  return fence;
}

export interface AuditRefs {
  correlationId?: string | null;
  intentId?: string | null;
  orderId?: string | null;
  positionId?: string | null;
  decisionId?: string | null;
}

/** Appends to the audit log. A failed append is logged, never allowed to undo a trading step. */
export async function audit(
  env: ExecEnv,
  kind: string,
  refs: AuditRefs,
  detail: unknown,
): Promise<void> {
  const { ctx } = env;
  try {
    await ctx.store.appendAudit({
      ts: ctx.clock.now(),
      agent: AGENT,
      kind,
      correlationId: refs.correlationId ?? null,
      intentId: refs.intentId ?? null,
      orderId: refs.orderId ?? null,
      positionId: refs.positionId ?? null,
      decisionId: refs.decisionId ?? null,
      detail,
    });
  } catch (error) {
    ctx.log.error({ err: error, kind, orderId: refs.orderId }, "audit append failed");
  }
}

export function orderRefs(rec: OrderRecord, cause: Cause | null): AuditRefs {
  return {
    correlationId: cause?.correlationId ?? null,
    intentId: rec.intentId,
    orderId: rec.orderId,
    positionId: rec.positionId,
    decisionId: rec.decisionId,
  };
}

/** Remembers the decision behind an order, evicting the oldest past CAUSES_MAX. */
export function rememberCause(env: ExecEnv, orderId: string, cause: Cause): void {
  const causes = env.state.causes;
  causes.set(orderId, cause);
  if (causes.size <= CAUSES_MAX) return;
  const oldest = causes.keys().next();
  if (oldest.done !== true) causes.delete(oldest.value);
}

/** Publishes `exec.order.<event of rec.status>` (retried: the stream deduplicates repeats). */
export async function announceOrder(env: ExecEnv, rec: OrderRecord): Promise<void> {
  const cause = await causeFor(env, rec.orderId);
  const type = `exec.order.${eventFor(rec.status)}` as const satisfies `exec.order.${OrderEvent}`;
  const payload = toPayload(rec);
  await withRetry(env, `publish ${type}`, async () => {
    await env.ctx.publish(type, payload, cause);
  });
}

/**
 * The decision behind an order: from memory, else from the order's "order.payload" audit entry
 * (after a restart), else null (a new correlation chain, logged).
 */
export async function causeFor(env: ExecEnv, orderId: string): Promise<Cause | null> {
  const known = env.state.causes.get(orderId);
  if (known !== undefined) return known;
  try {
    const entries = await env.ctx.store.auditFor(orderId, 50);
    const entry = entries.find((e) => e.kind === "order.payload" && e.correlationId !== null);
    const causeId = (entry?.detail as { causeId?: unknown } | undefined)?.causeId;
    if (entry?.correlationId != null && typeof causeId === "string") {
      const cause = { id: causeId, correlationId: entry.correlationId };
      rememberCause(env, orderId, cause);
      return cause;
    }
  } catch (error) {
    env.ctx.log.warn({ err: error, orderId }, "cause lookup failed");
  }
  env.ctx.log.warn({ orderId }, "no decision found for order: new correlation chain");
  return null;
}

/**
 * Runs an idempotent `task`; if it fails, runs it again through the mailbox after a bounded
 * exponential backoff, at most `retriesMax` more times. Never blocks the mailbox while waiting.
 */
export async function withRetry(
  env: ExecEnv,
  label: string,
  task: () => Promise<void>,
  attempt = 0,
): Promise<void> {
  const { ctx, config } = env;
  try {
    await task();
  } catch (error) {
    if (error instanceof InvariantError) throw error;
    if (attempt >= config.retriesMax) {
      ctx.log.error({ err: error, task: label, attempts: attempt + 1 }, "giving up after retries");
      return;
    }
    const delayMs = backoffMs(attempt, config.retryInitialMs, config.retryMaxMs);
    ctx.log.warn({ err: error, task: label, attempt, delayMs }, "failed; will retry");
    ctx.after(delayMs, label, () => withRetry(env, label, task, attempt + 1));
  }
}
