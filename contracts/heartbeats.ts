import { z } from "zod";
import { agentName, instanceName, messageSchema } from "./envelope.ts";

export const lifecycle = z.enum(["starting", "running", "stopping", "stopped"]);
export type Lifecycle = z.infer<typeof lifecycle>;

/** Published on `hb.<agent>.<instance>` at the runtime's heartbeat interval. */
export const heartbeat = messageSchema("hb", {
  agent: agentName,
  instance: instanceName,
  seq: z.number().int().nonnegative(),
  lifecycle,
  /** true: holds its singleton lease; false: hot standby; null: not a singleton. */
  leader: z.boolean().nullable(),
  pid: z.number().int().nonnegative(),
  startedAt: z.number().int().nonnegative(),
  mailboxDepth: z.number().int().nonnegative(),
  intervalMs: z.number().int().positive(),
});
export type Heartbeat = z.infer<typeof heartbeat>;

const AGENT_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const INSTANCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const LIFECYCLES: ReadonlySet<unknown> = new Set(lifecycle.options);

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);
/** z.number().int().nonnegative(): finite, a safe integer, at least 0. */
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
/** envelope.ts `messageId`: a string of 1 to 128 UTF-16 code units. */
const isMessageId = (x: unknown): x is string =>
  typeof x === "string" && x.length >= 1 && x.length <= 128;

/**
 * `heartbeat.safeParse(data).data` for a valid heartbeat, checked by hand, or null when anything
 * is off (then zod decides, and words the issues). Heartbeats are most of the bus's messages
 * and each one is validated when sent, so zod's walk was the largest single cost of a simulated
 * day at production cadence (issue 18). The result is what zod builds: a new object with the
 * schema's keys in the schema's order (envelope, type, payload), unknown keys dropped;
 * test/unit/contracts/heartbeat-fast.test.ts holds the two to the same answers.
 */
export function fastHeartbeat(data: unknown): Heartbeat | null {
  if (!isRecord(data)) return null;
  const { id, v, ts, source, correlationId, causationId, type } = data;
  if (!isMessageId(id) || v !== 1 || !isCount(ts) || !isRecord(source)) return null;
  const sourceAgent = source.agent;
  const sourceInstance = source.instance;
  if (typeof sourceAgent !== "string" || !AGENT_NAME.test(sourceAgent)) return null;
  if (typeof sourceInstance !== "string" || !INSTANCE_NAME.test(sourceInstance)) return null;
  if (!isMessageId(correlationId) || (causationId !== null && !isMessageId(causationId))) {
    return null;
  }
  if (type !== "hb") return null;
  const { agent, instance, seq, leader, pid, startedAt, mailboxDepth, intervalMs } = data;
  if (typeof agent !== "string" || !AGENT_NAME.test(agent)) return null;
  if (typeof instance !== "string" || !INSTANCE_NAME.test(instance)) return null;
  if (!isCount(seq) || !LIFECYCLES.has(data.lifecycle)) return null;
  if (leader !== null && typeof leader !== "boolean") return null;
  if (!isCount(pid) || !isCount(startedAt) || !isCount(mailboxDepth)) return null;
  if (!isCount(intervalMs) || intervalMs === 0) return null;
  return {
    id,
    v,
    ts,
    source: { agent: sourceAgent, instance: sourceInstance },
    correlationId,
    causationId,
    type,
    agent,
    instance,
    seq,
    lifecycle: data.lifecycle as Lifecycle,
    leader,
    pid,
    startedAt,
    mailboxDepth,
    intervalMs,
  };
}
