import { z } from "zod";
import { messageSchema } from "./envelope.ts";
import { tradingState } from "./common.ts";

export const haltLevel = z.enum(["pause", "flatten", "emergency"]);
export type HaltLevel = z.infer<typeof haltLevel>;

/** The wire bound of an ops.command reason (the CLI and the HTTP API check it before sending). */
export const REASON_LENGTH_MAX = 500;

/** Operator commands, request/reply to the CRO. `actor` is who asked; `reason` is why. */
export const opsCommand = messageSchema("ops.command", {
  command: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("halt"), level: haltLevel }),
    z.object({ kind: z.literal("resume") }),
    z.object({
      kind: z.literal("controls.set"),
      key: z.string().min(1).max(64),
      value: z.string().max(2000),
    }),
    z.object({ kind: z.literal("status") }),
    /** Halts one strategy (its entries vetoed, the others trade) or resumes it. */
    z.object({ kind: z.literal("strategy.halt"), strategy: z.string().min(1).max(64) }),
    z.object({ kind: z.literal("strategy.resume"), strategy: z.string().min(1).max(64) }),
    /** Marks one trade on the review list reviewed (review mode); the reason is the note. */
    z.object({ kind: z.literal("review.mark"), positionId: z.string().min(1).max(128) }),
  ]),
  actor: z.string().min(1).max(128),
  reason: z.string().min(1).max(REASON_LENGTH_MAX),
});
export type OpsCommand = z.infer<typeof opsCommand>;

export const opsReply = messageSchema("ops.reply", {
  ok: z.boolean(),
  error: z.string().max(500).nullable(),
  state: tradingState.nullable(),
  detail: z.string().max(4000),
});
export type OpsReply = z.infer<typeof opsReply>;

/** What the bus publishes when a message fails validation; never validated against a schema. */
export const deadLetter = z.object({
  subject: z.string().max(512),
  reason: z.string().max(2000),
  receivedBy: z.string().max(128),
  ts: z.number().int().nonnegative(),
  raw: z.string().max(8192),
});
export type DeadLetter = z.infer<typeof deadLetter>;
