/**
 * Every message on the bus is one flat JSON object: the envelope fields below plus its payload.
 * `type` shares the subject grammar (dotted lower-case); `correlationId` follows a chain from its
 * first message (a signal) to its last (a fill), and `causationId` names the message that caused
 * this one, so any fill traces back to its intent and its CRO decision.
 */
import { z } from "zod";

export const SCHEMA_VERSION = 1;

export const agentName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, "agent name: lower-case letters, digits and dashes");
export const instanceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "instance: letters, digits, _ and -");
export const messageId = z.string().min(1).max(128);
/** A token that may appear inside a subject: no dots, spaces or wildcards. */
export const subjectToken = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "subject token");

export const source = z.object({ agent: agentName, instance: instanceName });
export type Source = z.infer<typeof source>;

export const envelopeShape = {
  id: messageId,
  v: z.literal(SCHEMA_VERSION),
  ts: z.number().int().nonnegative(),
  source,
  correlationId: messageId,
  causationId: messageId.nullable(),
};

export type Envelope = {
  id: string;
  type: string;
  v: typeof SCHEMA_VERSION;
  ts: number;
  source: Source;
  correlationId: string;
  causationId: string | null;
};

/** Builds the schema of one message type: envelope plus payload, `type` fixed to a literal. */
export function messageSchema<T extends string, S extends z.ZodRawShape>(type: T, payload: S) {
  return z.object({ ...envelopeShape, type: z.literal(type), ...payload });
}
