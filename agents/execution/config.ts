/**
 * Execution's bounds, all named, units last. Every venue call has an explicit timeout; only
 * idempotent calls (getOrder, cancel, cancelAll, openOrders, trades) are retried, with bounded
 * exponential backoff.
 */
import { z } from "zod";

const ms = (min: number, max: number) => z.number().int().min(min).max(max);
const count = (min: number, max: number) => z.number().int().min(min).max(max);

export const executionConfig = z.object({
  /** Dead man: no cro.state for this long → refuse every new order. */
  croSilenceMs: ms(100, 60_000).default(2_000),
  /** placeOrder gives up after this long; the order is then UNKNOWN, never rejected. */
  placeTimeoutMs: ms(10, 60_000).default(3_000),
  /** Every other venue call. */
  callTimeoutMs: ms(10, 60_000).default(2_000),
  /** UNKNOWN resolution: first lookup after this, doubling up to unknownPollMaxMs. */
  unknownPollInitialMs: ms(1, 60_000).default(250),
  unknownPollMaxMs: ms(1, 600_000).default(8_000),
  /** Lookups per resolution round; an order still unresolved stays UNKNOWN until the next sweep. */
  unknownPollsMax: count(1, 1_000).default(12),
  /** Successful "no such order" answers needed before an UNKNOWN order counts as never placed. */
  absentConfirmationsMin: count(1, 100).default(3),
  /** How often UNKNOWN/PENDING orders nobody is polling get a new resolution round. */
  sweepIntervalMs: ms(100, 3_600_000).default(30_000),
  /** A MATCHED trade not CONFIRMED/FAILED within this is polled with venue.trades(). */
  confirmTimeoutMs: ms(100, 600_000).default(5_000),
  confirmCheckMs: ms(10, 60_000).default(1_000),
  /** Venue dead-man heartbeat period, fed only while the CRO is healthy. */
  heartbeatMs: ms(100, 60_000).default(5_000),
  /** Idempotent calls: retries after the first failure, and their backoff. */
  retriesMax: count(0, 20).default(3),
  retryInitialMs: ms(1, 60_000).default(200),
  retryMaxMs: ms(1, 600_000).default(2_000),
  /** At start, trades changed within this window are fetched to catch up on missed fills. */
  fillLookbackMs: ms(0, 7 * 24 * 3_600_000).default(3_600_000),
});
export type ExecutionConfig = z.infer<typeof executionConfig>;

/** Defaults plus overrides, validated; a bad value throws with the field named. */
export function resolveExecutionConfig(overrides: Partial<ExecutionConfig> = {}): ExecutionConfig {
  return executionConfig.parse(overrides);
}

/** min(initial × 2^attempt, max): the bounded exponential backoff every retry here uses. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  const factor = 2 ** Math.min(attempt, 30);
  return Math.min(initialMs * factor, maxMs);
}
