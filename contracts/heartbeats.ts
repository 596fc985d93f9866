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
