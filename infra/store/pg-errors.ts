/**
 * Maps node-postgres failures onto the Store port's errors: "cannot reach / timed out / closed"
 * becomes StoreUnavailableError (the caller should halt or retry later), anything else is a
 * StoreError with code QUERY_FAILED (a bug or a constraint violation).
 */
import { StoreError, StoreUnavailableError } from "../../agents/runtime/store.ts";

/** SQLSTATEs that mean the server is gone, going, refusing, or cancelled us on a timeout. */
const UNAVAILABLE_SQLSTATES = new Set([
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "57014", // query_canceled (statement_timeout)
  "53300", // too_many_connections
  "25P03", // idle_in_transaction_session_timeout
]);

const UNAVAILABLE_ERRNOS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/** Messages node-postgres and pg-pool use for connection loss, without a code. */
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /cannot use a pool after calling end/i,
  /query read timeout/i,
  /not queryable/i,
  /connection.*(closed|ended)/i,
];

export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    if (code.startsWith("08") || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_ERRNOS.has(code)) {
      return true;
    }
  }
  if (err instanceof AggregateError) return err.errors.some(isUnavailable);
  return UNAVAILABLE_MESSAGES.some((re) => re.test(err.message));
}

/**
 * The Store error for a failure of `operation`. Store errors pass through unchanged, and so do
 * RangeErrors: a bad argument is the caller's bug, reported the same way by both adapters.
 */
export function toStoreError(err: unknown, operation: string): Error {
  if (err instanceof StoreError || err instanceof RangeError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (isUnavailable(err)) {
    return new StoreUnavailableError(`${operation}: store unavailable: ${detail}`, { cause: err });
  }
  return new StoreError("QUERY_FAILED", `${operation} failed: ${detail}`, { cause: err });
}
