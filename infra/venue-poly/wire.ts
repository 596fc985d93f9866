/**
 * Polymarket CLOB V2 wire formats (shared/reference/polymarket-api.md §1.3, §1.5, §2): decimal
 * strings without trailing zeros, books best-price-LAST, base64 offset cursors ending in "LTE=",
 * epoch seconds in REST, milliseconds in WebSocket timestamps.
 */
import { createHash } from "node:crypto";
import type { Level } from "../../contracts/common.ts";
import { MICRO } from "../../contracts/money.ts";

export const INITIAL_CURSOR = "MA==";
export const END_CURSOR = "LTE=";

/** Micro-units as the venue writes them: 5_000_000 → "5", 550_000 → "0.55", 0 → "0". */
export function dec(units: number): string {
  const negative = units < 0;
  const abs = Math.abs(units);
  const whole = Math.floor(abs / MICRO);
  const frac = String(abs % MICRO)
    .padStart(6, "0")
    .replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${frac === "" ? "" : `.${frac}`}`;
}

/** Micro-units as a JSON number (tick sizes are numbers in /tick-size and /clob-markets). */
export function num(units: number): number {
  return Number(dec(units));
}

export function encodeCursor(offset: number): string {
  return Buffer.from(String(offset), "utf8").toString("base64");
}

/** The offset a cursor stands for; null when it is not one of ours. */
export function decodeCursor(cursor: string | undefined): number | null {
  if (cursor === undefined || cursor === "") return 0;
  const text = Buffer.from(cursor, "base64").toString("utf8");
  if (!/^-?\d+$/.test(text)) return null;
  const n = Number(text);
  return n < 0 ? -1 : n;
}

export interface Page<T> {
  limit: number;
  count: number;
  next_cursor: string;
  data: T[];
}

/** One page from `offset`; the last page carries "LTE=" (the client loops until it sees it). */
export function page<T>(all: T[], offset: number, limit: number): Page<T> {
  if (offset < 0) return { limit, count: 0, next_cursor: END_CURSOR, data: [] };
  const data = all.slice(offset, offset + limit);
  const next = offset + limit;
  return {
    limit,
    count: data.length,
    next_cursor: next >= all.length ? END_CURSOR : encodeCursor(next),
    data,
  };
}

function hex64(label: string): string {
  return createHash("sha256").update(label).digest("hex");
}

/** A CTF condition id for a window (0x + 64 hex), a pure function of its slug. */
export function conditionIdOf(slug: string): string {
  return `0x${hex64(`condition:${slug}`)}`;
}

/** A settlement transaction hash for a trade (0x + 64 hex). */
export function txHashOf(tradeId: string): string {
  return `0x${hex64(`tx:${tradeId}`)}`;
}

/** A UUID (version-4 layout) derived from `seed`: trade ids, as Polymarket's. */
export function uuidOf(seed: string): string {
  const h = hex64(`uuid:${seed}`);
  const variant = ((parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The id of a counterparty order we do not model (the liquidity provider's side of a trade). */
export function counterpartyOrderIdOf(tradeId: string): string {
  return `0x${hex64(`counterparty:${tradeId}`)}`;
}

/** The book hash field: 40 hex, no 0x (SHA-1 of the summary; clients must not validate it). */
export function bookHash(summary: unknown): string {
  return createHash("sha1").update(JSON.stringify(summary)).digest("hex");
}

export interface WireLevel {
  price: string;
  size: string;
}

/** Port books are best-first; the wire is best-LAST (bids ascending, asks descending). */
export function bestLast(levels: readonly Level[]): WireLevel[] {
  return [...levels].reverse().map((l) => ({ price: dec(l.price), size: dec(l.size) }));
}

/** A decimal string or number in micro-units, rounded to the nearest micro; null if not one. */
export function parseDecimal(v: unknown): number | null {
  const s = typeof v === "number" ? String(v) : typeof v === "string" ? v.trim() : "";
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(s)) return null;
  const [w = "0", f = ""] = s.split(".");
  const frac = (f + "0000000").slice(0, 7);
  let units = Number(w === "" ? "0" : w) * MICRO + Number(frac.slice(0, 6));
  if (Number(frac.charAt(6)) >= 5) units += 1;
  return Number.isSafeInteger(units) ? units : null;
}

export function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}
