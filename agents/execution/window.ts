/**
 * Window ids are slugs, `{asset}-updown-{minutes}m-{start unix seconds}` (DESIGN.md, "Money, prices
 * and the venue"), so the window's start and end follow from the id alone: Execution can refuse an
 * order for a window that is over, not started, or not a window at all, without asking anyone.
 */
const SLUG = /^[a-z0-9]+-updown-(\d{1,4})m-(\d{1,12})$/;

export interface WindowSpan {
  startMs: number;
  endMs: number;
}

/** The window's span, or null when `windowId` is not a window slug. */
export function parseWindowId(windowId: string): WindowSpan | null {
  const match = SLUG.exec(windowId);
  if (match === null) return null;
  const minutes = Number(match[1]);
  const startSeconds = Number(match[2]);
  if (minutes <= 0) return null;
  const startMs = startSeconds * 1000;
  return { startMs, endMs: startMs + minutes * 60_000 };
}
