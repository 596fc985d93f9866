import { z } from "zod";
import { messageSchema } from "./envelope.ts";
import { micro } from "./money.ts";

export const assertionResult = z.object({
  name: z.string().min(1).max(64),
  passed: z.boolean(),
  detail: z.string().max(1000),
});
export type AssertionResult = z.infer<typeof assertionResult>;

export const mismatchKind = z.enum(["POSITION", "ORDER", "BALANCE", "ASSERTION"]);
export const mismatch = z.object({
  kind: mismatchKind,
  key: z.string().max(256),
  expected: z.string().max(500),
  actual: z.string().max(500),
});
export type Mismatch = z.infer<typeof mismatch>;

/** CLEAN and MISMATCH are verdicts; NO_VERDICT means the venue's report was incomplete. */
export const reconVerdict = z.enum(["CLEAN", "MISMATCH", "NO_VERDICT"]);
export type ReconVerdict = z.infer<typeof reconVerdict>;

export const reconReport = messageSchema("recon.report", {
  runId: z.string().min(1).max(128),
  verdict: reconVerdict,
  positionsChecked: z.number().int().nonnegative(),
  ordersChecked: z.number().int().nonnegative(),
  balance: micro.nullable(),
  /**
   * What the exchange may spend for us (balance-allowance endpoint, and on-chain in LIVE), next to
   * `balance`; the CRO's BALANCE check uses the smaller. Absent: not reported.
   */
  allowance: micro.nullable().optional(),
  assertions: z.array(assertionResult).max(64),
  mismatches: z.array(mismatch).max(256),
});
export type ReconReport = z.infer<typeof reconReport>;

export const reconMismatch = messageSchema("recon.mismatch", {
  runId: z.string().min(1).max(128),
  mismatches: z.array(mismatch).min(1).max(256),
});
export type ReconMismatch = z.infer<typeof reconMismatch>;
