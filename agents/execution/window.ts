/**
 * Window ids are slugs, `{asset}-updown-{minutes}m-{start unix seconds}` (DESIGN.md, "Money, prices
 * and the venue"), so the window's start and end follow from the id alone: Execution can refuse an
 * order for a window that is over, not started, or not a window at all, without asking anyone.
 * The simulator's compressed test windows that are not whole minutes say seconds (`-70s-`).
 */
const SLUG = /^[a-z0-9]+-updown-(\d{1,5})([ms])-(\d{1,12})$/;

export interface WindowSpan {
  startMs: number;
  endMs: number;
}

/** The window's span, or null when `windowId` is not a window slug. */
export function parseWindowId(windowId: string): WindowSpan | null {
  const match = SLUG.exec(windowId);
  if (match === null) return null;
  const length = Number(match[1]) * (match[2] === "m" ? 60_000 : 1_000);
  const startSeconds = Number(match[3]);
  if (length <= 0) return null;
  const startMs = startSeconds * 1000;
  return { startMs, endMs: startMs + length };
}
