/** Value helpers shared by the store adapters, so both read and order data the same way. */
import { LIST_ROWS_MAX, StoreError } from "../../agents/runtime/store.ts";

/**
 * Byte-wise text order, the order of `COLLATE "C"` for the ASCII ids we use; PostgreSQL queries
 * spell out that collation so both adapters agree whatever the server's default is.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The JSON text a jsonb column stores. `undefined` becomes null, as it would in a column that
 * rejects SQL NULL. (jsonb also reorders object keys on the way back; in-memory keeps insertion
 * order. Compare parsed values, not key order.)
 */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** A deep copy through JSON, the round trip a jsonb column gives. */
export function jsonCopy(value: unknown): unknown {
  return JSON.parse(toJsonText(value)) as unknown;
}

/** The row cap of a list call: `limit` when given (a non-negative integer), else LIST_ROWS_MAX. */
export function rowLimit(limit: number | undefined): number {
  const n = limit ?? LIST_ROWS_MAX;
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`invalid row limit: ${n}`);
  return n;
}

/**
 * A bigint or integer column as a JS number. node-postgres returns int8 as a string precisely
 * because it may not fit a double; micro-units do (±9e9 dollars), so anything else is corruption.
 */
export function toInt(value: unknown, column: string): number {
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) {
    throw new StoreError(
      "CORRUPT_ROW",
      `Invariant: column ${column} holds ${String(value)}, not a safe integer`,
    );
  }
  return n;
}

export function toIntOrNull(value: unknown, column: string): number | null {
  return value === null ? null : toInt(value, column);
}

export function toText(value: unknown, column: string): string {
  if (typeof value !== "string") {
    throw new StoreError("CORRUPT_ROW", `Invariant: column ${column} is not text`);
  }
  return value;
}

export function toTextOrNull(value: unknown, column: string): string | null {
  return value === null ? null : toText(value, column);
}

/** Checks the integer arguments of a lease call before they reach either adapter. */
export function assertLeaseTimes(nowMs: number, ttlMs: number): void {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0) throw new RangeError(`invalid nowMs: ${nowMs}`);
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`invalid ttlMs: ${ttlMs}`);
}
