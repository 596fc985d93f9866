/**
 * Money, share quantities and prices are integer micro-units (1e-6), as the venue's own 6-decimal
 * amounts: $1.50 → 1_500_000, 0.55 → 550_000. No floating point in accounting.
 */
import { z } from "zod";

export const MICRO = 1_000_000;

/** An integer count of micro-units. Safe up to ±9e9 dollars. */
export const micro = z.number().int();
/** A price in micro-units, strictly inside (0, 1). */
export const priceMicro = z.number().int().gt(0).lt(MICRO);
/** A non-negative quantity in micro-units. */
export const qtyMicro = z.number().int().nonnegative();

/** Converts a decimal string or number ("0.55", 12.5) into micro-units, rounding half away from 0. */
export function toMicro(value: string | number): number {
  const s = typeof value === "number" ? value.toFixed(6) : value.trim();
  if (!/^-?\d+(\.\d+)?$/.test(s))
    throw new RangeError(`toMicro: not a decimal: ${JSON.stringify(value)}`);
  const negative = s.startsWith("-");
  const [whole = "0", frac = ""] = (negative ? s.slice(1) : s).split(".");
  const padded = (frac + "0000000").slice(0, 7);
  let units = Number(whole) * MICRO + Number(padded.slice(0, 6));
  if (Number(padded.charAt(6)) >= 5) units += 1;
  return negative ? -units : units;
}

/** Formats micro-units as a decimal string with six places ("0.550000"). */
export function fromMicro(units: number): string {
  const negative = units < 0;
  const abs = Math.abs(units);
  const whole = Math.floor(abs / MICRO);
  const frac = String(abs % MICRO).padStart(6, "0");
  return `${negative ? "-" : ""}${whole}.${frac}`;
}

/** Formats micro-units as dollars with two places, for people ("$1.50"). */
export function formatUsd(units: number): string {
  const sign = units < 0 ? "-" : "";
  const cents = Math.round(Math.abs(units) / 10_000);
  return `${sign}$${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}

/** a × b / MICRO, floored (toward −∞), exact for micro-unit operands via BigInt. */
export function mulMicro(a: number, b: number): number {
  return Number(floorDiv(BigInt(a) * BigInt(b), BigInt(MICRO)));
}

/** Notional of `shares` at `price` (both micro-units), in micro-dollars, floored. */
export function notional(sharesMicro: number, priceMicroUnits: number): number {
  return mulMicro(sharesMicro, priceMicroUnits);
}

/** The venue floors fees to 5 decimals (10 micro-units) with a minimum of 0.00001. */
const FEE_QUANTUM_MICRO = 10n;

/**
 * Polymarket's V2 taker fee: fee = shares × rate × p × (1 − p), floored to 5 decimals, minimum
 * 0.00001 when non-zero (reference/polymarket-api.md §4.3). `rateBps` is the rate in basis points
 * (crypto up/down: 700 = 0.07). Makers pay nothing.
 */
export function takerFee(sharesMicro: number, priceMicroUnits: number, rateBps: number): number {
  const n =
    BigInt(sharesMicro) *
    BigInt(rateBps) *
    BigInt(priceMicroUnits) *
    BigInt(MICRO - priceMicroUnits);
  const d = 10_000n * BigInt(MICRO) * BigInt(MICRO) * FEE_QUANTUM_MICRO;
  if (n <= 0n) return 0;
  const quanta = floorDiv(n, d);
  return Number((quanta === 0n ? 1n : quanta) * FEE_QUANTUM_MICRO);
}

function floorDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d !== 0n && n < 0n !== d < 0n ? q - 1n : q;
}
