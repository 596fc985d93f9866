/**
 * Request/reply helpers of the NATS adapter and the mapping of client errors to the bus's named
 * errors. A reply arrives on an inbox, not on its type's subject, so it is validated by its
 * schema alone.
 */
import {
  ClosedConnectionError,
  DrainingConnectionError,
  RequestError,
  TimeoutError,
  type Msg,
  type NatsConnection,
} from "@nats-io/transport-node";
import { schemas, type MessageOf, type MessageType } from "../contracts/registry.ts";
import { checkOutgoing } from "./codec.ts";
import { BusClosedError, BusError, NoRespondersError, RequestTimeoutError } from "./errors.ts";
import type { WireNames } from "./nats-streams.ts";
import type { RequestOptions } from "./port.ts";

const decoder = new TextDecoder();

/**
 * JSON to UTF-8 bytes. Buffer.from is several times cheaper than TextEncoder for small strings,
 * and every message on the hot path goes through here (bench/bus.ts).
 */
export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), "utf8");
}

export function toBusError(error: unknown, subject: string, code: string): BusError {
  if (error instanceof BusError) return error;
  if (error instanceof ClosedConnectionError || error instanceof DrainingConnectionError) {
    return new BusClosedError(`bus is closed: cannot use "${subject}"`, { cause: error });
  }
  return new BusError(code, `${code.toLowerCase().replace(/_/g, " ")} on "${subject}"`, {
    cause: error,
  });
}

function requestError(error: unknown, subject: string, timeoutMs: number): BusError {
  if (error instanceof RequestError && error.isNoResponders()) {
    return new NoRespondersError(subject, { cause: error });
  }
  if (error instanceof TimeoutError || (error instanceof RequestError && isTimeout(error.cause))) {
    return new RequestTimeoutError(subject, timeoutMs, { cause: error });
  }
  return toBusError(error, subject, "REQUEST_FAILED");
}

function isTimeout(cause: unknown): boolean {
  return cause instanceof TimeoutError;
}

export function requestOnce<R extends MessageType>(
  nc: NatsConnection,
  names: WireNames,
  subject: string,
  data: Uint8Array,
  replyType: R,
  options: RequestOptions,
  hooks: { deadLetter(subject: string, reason: string, raw: string): void },
): Promise<MessageOf<R>> {
  // Plain promise chaining rather than async/await: this is the hottest path (bench/bus.ts).
  return nc.request(names.subject(subject), data, { timeout: options.timeoutMs }).then(
    (reply: Msg) => {
      const raw = decoder.decode(reply.data);
      const parsed = parseReply(raw, replyType);
      if (typeof parsed !== "string") return parsed.message;
      hooks.deadLetter(names.logical(reply.subject), parsed, raw);
      throw new BusError("INVALID_REPLY", `reply to "${subject}" rejected: ${parsed}`);
    },
    (error: unknown) => {
      throw requestError(error, subject, options.timeoutMs);
    },
  );
}

function parseReply<R extends MessageType>(
  raw: string,
  replyType: R,
): string | { message: MessageOf<R> } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return `invalid reply ${replyType}: not JSON: ${(error as Error).message}`;
  }
  const result = schemas[replyType].safeParse(json);
  if (result.success) return { message: result.data as MessageOf<R> };
  const issues = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
  return `invalid reply ${replyType}: ${issues}`;
}

/** Validates a handler's reply and sends it; returns why it was refused, or null once sent. */
export function respond<R extends MessageType>(
  msg: Msg,
  replyType: R,
  reply: MessageOf<R> & { type: R },
): string | null {
  if (reply.type !== replyType) return `invalid reply ${replyType}: got ${reply.type}`;
  const check = checkOutgoing(reply);
  if (!check.ok) return `invalid reply ${replyType}: ${check.reason}`;
  msg.respond(encodeJson(reply));
  return null;
}
