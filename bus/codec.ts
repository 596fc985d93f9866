import {
  parseMessage,
  specOf,
  type MessageOf,
  type MessageType,
  type SubjectSpec,
} from "../contracts/registry.ts";
import type { DeadLetter } from "../contracts/ops.ts";
import type { BusStats } from "./port.ts";

const RAW_PREVIEW_CHARS = 8192;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function encode(message: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(message));
}

export type Decoded =
  | { ok: true; type: MessageType; message: MessageOf<MessageType> }
  | { ok: false; reason: string; raw: string };

/** Decodes and validates bytes received on `subject`. Never throws. */
export function decode(subject: string, data: Uint8Array | string): Decoded {
  const raw = typeof data === "string" ? data : decoder.decode(data);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}`, raw };
  }
  const result = parseMessage(subject, json);
  if (!result.ok) return { ok: false, reason: result.reason, raw };
  return { ok: true, type: result.type, message: result.message };
}

/** Validates an outgoing message; returns its concrete subject or the reason it is invalid. */
export function checkOutgoing(message: {
  type: MessageType;
}):
  | { ok: true; subject: string; dedupeKey: string; message: MessageOf<MessageType> }
  | { ok: false; subject: string; reason: string } {
  const spec: SubjectSpec<MessageType> = specOf(message.type);
  let subject: string;
  try {
    subject = spec.subject(message as MessageOf<MessageType>);
  } catch {
    subject = message.type;
  }
  const result = parseMessage(subject, message);
  if (!result.ok) return { ok: false, subject, reason: result.reason };
  return { ok: true, subject, dedupeKey: spec.dedupeKey(result.message), message: result.message };
}

export function makeDeadLetter(
  subject: string,
  reason: string,
  receivedBy: string,
  ts: number,
  raw: string,
): DeadLetter {
  return { subject, reason, receivedBy, ts, raw: raw.slice(0, RAW_PREVIEW_CHARS) };
}

/** Counts dead letters by a coarse reason (the part before the first colon). */
export function countDeadLetter(stats: BusStats, reason: string): void {
  stats.deadLettered += 1;
  const key = (reason.split(/[:"]/)[0] ?? reason).trim();
  stats.deadLetterReasons[key] = (stats.deadLetterReasons[key] ?? 0) + 1;
}

export function emptyStats(): BusStats {
  return { published: 0, delivered: 0, deadLettered: 0, deadLetterReasons: {}, handlerErrors: 0 };
}
