/**
 * Venue calls with explicit timeouts. The timeout is passed to the venue and also enforced here on
 * Execution's own clock, so a venue adapter that ignores it cannot stall the mailbox. A placeOrder
 * that times out, fails with 5xx, throws anything at all or answers nonsense is `unknown`: the
 * order may exist, so it is never folded into "rejected" (invariant 6).
 */
import type { Clock } from "../../bus/clock.ts";
import {
  VenueError,
  VenueTimeoutError,
  type CallOptions,
  type PlaceOrderRequest,
  type PlaceResult,
  type VenueOrder,
} from "../runtime/venue.ts";
import type { ExecEnv } from "./env.ts";
import { parseReply, placeResultSchema, venueOrderSchema } from "./venue-replies.ts";

/** Runs `call` with `timeoutMs`; rejects with VenueTimeoutError when the clock gets there first. */
export function withTimeout<T>(
  clock: Clock,
  operation: string,
  timeoutMs: number,
  call: (opts: CallOptions) => Promise<T>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const pending = call({ timeoutMs });
    // Set after the call so that a venue honouring the same timeout answers first.
    const guard = clock.setTimer(timeoutMs, () => {
      if (settled) return;
      settled = true;
      reject(new VenueTimeoutError(operation, timeoutMs));
    });
    pending.then(
      (value) => {
        if (settled) return;
        settled = true;
        clock.clearTimer(guard);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clock.clearTimer(guard);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** One placeOrder. Never throws: every failure after the request left is `unknown`. */
export async function placeOnce(env: ExecEnv, req: PlaceOrderRequest): Promise<PlaceResult> {
  const { ctx, venue, config } = env;
  let reply: unknown;
  try {
    reply = await withTimeout(ctx.clock, "placeOrder", config.placeTimeoutMs, (opts) =>
      venue.placeOrder(req, opts),
    );
  } catch (error) {
    return { outcome: "unknown", reason: describeError(error) };
  }
  const parsed = parseReply(placeResultSchema, "placeOrder reply", reply);
  return parsed.ok ? parsed.value : { outcome: "unknown", reason: parsed.reason };
}

export type Lookup =
  | { kind: "found"; order: VenueOrder }
  /** The venue answered, successfully, that it has no such order. */
  | { kind: "absent" }
  /** No usable answer: proves nothing either way. */
  | { kind: "failed"; reason: string };

/** venue.getOrder by client order id, classified. Never throws. */
export async function lookupOrder(env: ExecEnv, clientOrderId: string): Promise<Lookup> {
  const { ctx, venue, config } = env;
  let reply: unknown;
  try {
    reply = await withTimeout(ctx.clock, "getOrder", config.callTimeoutMs, (opts) =>
      venue.getOrder({ clientOrderId }, opts),
    );
  } catch (error) {
    return { kind: "failed", reason: describeError(error) };
  }
  if (reply === null) return { kind: "absent" };
  const parsed = parseReply(venueOrderSchema, "getOrder reply", reply);
  if (!parsed.ok) return { kind: "failed", reason: parsed.reason };
  if (parsed.value.clientOrderId !== clientOrderId) {
    return { kind: "failed", reason: `getOrder(${clientOrderId}) answered another order` };
  }
  return { kind: "found", order: parsed.value };
}

export function describeError(error: unknown): string {
  if (error instanceof VenueError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
