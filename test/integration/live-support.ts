/**
 * Helpers for the live-path tests against `predator venue`, whose windows follow the wall clock:
 * a test that trades must pick a window that stays open long enough.
 */
import type { PolyVenue } from "../../infra/venue-poly/index.ts";

/**
 * The Up token of an OPEN window with at least `remainingMs` left, waiting (up to `boundMs`)
 * for the next window to open when the current one is about to end.
 */
export async function openToken(
  poly: PolyVenue,
  remainingMs = 20_000,
  boundMs = 150_000,
): Promise<string> {
  const start = Date.now();
  for (;;) {
    const now = Date.now();
    const w = poly
      .windows()
      .filter((x) => x.status === "OPEN" && x.endTs - now >= remainingMs)
      .sort((a, b) => b.endTs - a.endTs)[0];
    if (w !== undefined) return w.upTokenId;
    if (now - start > boundMs) throw new Error(`no window open for another ${remainingMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Adds liquidity after `delayMs` (once a subscriber listens); a closed window is ignored. */
export function addLiquidityLater(
  poly: PolyVenue,
  tokenId: string,
  side: "BUY" | "SELL",
  price: number,
  size: number,
  delayMs = 100,
): void {
  setTimeout(() => {
    try {
      poly.addLiquidity(tokenId, side, price, size);
    } catch {
      // The window ended meanwhile: the waiting side times out with a clear message.
    }
  }, delayMs);
}
