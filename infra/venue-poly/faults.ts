/**
 * Fault knobs of the Polymarket-compatible venue, settable at start (CLI flags) and at run time
 * (`POST /_predator/faults`, `setFaults`). Every random decision is drawn from a seeded Rng, one
 * draw per request, so the same seed and the same requests give the same faults.
 */
import { z } from "zod";

const fraction = z.number().min(0).max(1);
const ms = z.number().int().min(0).max(600_000);

export const polyFaultsSchema = z
  .object({
    /** Added before every HTTP answer (a slow venue). */
    latencyMs: ms,
    /** Fraction of submits (POST /order, /orders) processed but never answered: the connection is
     * held for `timeoutHoldMs`, then destroyed. The order exists. */
    submitTimeoutFraction: fraction,
    timeoutHoldMs: ms,
    /** Fraction of submits answered HTTP 500 — the ambiguous case. */
    submit5xxFraction: fraction,
    /** Of those, the chance the order was accepted anyway (drawn from the seeded Rng). */
    submit5xxAcceptedProbability: fraction,
    /** Fraction of submits refused before acceptance: 503 "Trading is currently disabled". */
    submitRejectFraction: fraction,
    /** Chance that a new trade of ours fails settlement: MATCHED then FAILED (a ghost fill). */
    ghostFillProbability: fraction,
    /** Partial-fill storm: every `partialFillIntervalMs`, each resting order of ours is hit by a
     * counterparty for `partialFillShares` (micro-shares), until filled. 0 disables it. */
    partialFillIntervalMs: ms,
    partialFillShares: z.number().int().min(0),
    /** Every this many ms, every WebSocket connection is dropped (terminated). 0 disables. */
    wsDropIntervalMs: ms,
    /** Books freeze: REST book endpoints and the market channel keep serving the snapshot taken
     * when this was switched on. */
    staleBooks: z.boolean(),
  })
  .strict();

export type PolyFaults = z.infer<typeof polyFaultsSchema>;

export const DEFAULT_POLY_FAULTS: PolyFaults = {
  latencyMs: 0,
  submitTimeoutFraction: 0,
  timeoutHoldMs: 30_000,
  submit5xxFraction: 0,
  submit5xxAcceptedProbability: 0.5,
  submitRejectFraction: 0,
  ghostFillProbability: 0,
  partialFillIntervalMs: 0,
  partialFillShares: 5_000_000,
  wsDropIntervalMs: 0,
  staleBooks: false,
};

/** Validates a partial update; the first problem names its knob. */
export function parsePolyFaults(input: unknown): Partial<PolyFaults> {
  const r = polyFaultsSchema.partial().safeParse(input);
  if (r.success) {
    return Object.fromEntries(Object.entries(r.data).filter(([, v]) => v !== undefined));
  }
  const issue = r.error.issues[0];
  const path = issue?.path.join(".") ?? "";
  throw new RangeError(`fault ${path === "" ? "update" : path}: ${issue?.message ?? "invalid"}`);
}

/** What happens to one submitted order. */
export type SubmitFate = "ok" | "timeout" | "5xx-accepted" | "5xx-not-accepted" | "reject";

/** One uniform draw decides the fate; a second (only for 5xx) decides acceptance. */
export function submitFate(f: PolyFaults, draw: () => number): SubmitFate {
  const u = draw();
  let edge = f.submitRejectFraction;
  if (u < edge) return "reject";
  edge += f.submit5xxFraction;
  if (u < edge)
    return draw() < f.submit5xxAcceptedProbability ? "5xx-accepted" : "5xx-not-accepted";
  edge += f.submitTimeoutFraction;
  if (u < edge) return "timeout";
  return "ok";
}
