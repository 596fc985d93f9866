/**
 * Deterministic names. Token ids are derived from the slug (sha256 → decimal, the shape of
 * Polymarket's uint256 token ids), so the same window always has the same tokens.
 */
import { createHash } from "node:crypto";

/**
 * The instrument a window belongs to: `{asset}-updown-15m` (reference/polymarket-api.md §4.5). The
 * length label says what the window really is, since Execution and Portfolio read the span from the
 * id: `3m` for whole minutes, `70s` for a compressed test window that is not.
 */
export function windowInstrument(asset: string, windowMs: number): string {
  const label =
    windowMs % 60_000 === 0 ? `${windowMs / 60_000}m` : `${Math.round(windowMs / 1000)}s`;
  return `${asset}-updown-${label}`;
}

/** `{asset}-updown-15m-{window start, unix seconds}`. */
export function windowSlug(asset: string, startTs: number, windowMs: number): string {
  return `${windowInstrument(asset, windowMs)}-${Math.floor(startTs / 1000)}`;
}

/** A decimal token id (digits only, so it is subject-safe) for one outcome of a window. */
export function outcomeTokenId(slug: string, outcome: "Up" | "Down"): string {
  const digest = createHash("sha256").update(`${slug}:${outcome}`).digest("hex");
  return BigInt(`0x${digest}`).toString(10);
}

/** Order ids look like the venue's (0x + 64 hex) but are a plain counter, for readable logs. */
const ZEROS = "0".repeat(64);
export function venueOrderIdFor(n: number): string {
  const hex = n.toString(16);
  return `0x${ZEROS.slice(hex.length)}${hex}`;
}

export function matchIdFor(n: number): string {
  return `trade-${String(n).padStart(8, "0")}`;
}
