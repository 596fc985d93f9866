import { z } from "zod";
import { messageSchema } from "./envelope.ts";

export const severity = z.enum(["INFO", "WARNING", "CRITICAL"]);
export type Severity = z.infer<typeof severity>;
export const alertFormat = z.enum(["discord", "slack", "telegram", "json"]);
export type AlertFormat = z.infer<typeof alertFormat>;

export const alertSent = messageSchema("alert.sent", {
  alertId: z.string().min(1).max(128),
  incidentKey: z.string().min(1).max(256),
  severity,
  title: z.string().min(1).max(200),
  body: z.string().max(4000),
  deliveries: z
    .array(z.object({ format: alertFormat, status: z.enum(["DELIVERED", "RETRYING", "DEAD"]) }))
    .max(16),
});
export type AlertSent = z.infer<typeof alertSent>;
