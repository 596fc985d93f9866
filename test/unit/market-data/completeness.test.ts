/** Data completeness per window (agents/market-data/completeness.ts), with exact numbers. */
import { describe, expect, it } from "vitest";
import { mdHealth } from "../../../contracts/market-data.ts";
import { CompletenessTracker } from "../../../agents/market-data/completeness.ts";

/** 2026-01-01T00:00:00Z: a window start (a multiple of 900 s). */
const W = 1_767_225_600_000;

describe("CompletenessTracker", () => {
  it("counts the whole 1-s buckets of the window that heard the feed, the bucket in progress aside", () => {
    const t = new CompletenessTracker();
    // Ten seconds into the window: messages in buckets 0, 1 (twice), 4 and 9 (in progress).
    for (const ms of [0, 1_000, 1_999, 4_500, 9_100]) t.record(W + ms);
    const [current, last] = t.report(W + 9_500);
    // Buckets 0..8 are whole: 0, 1 and 4 heard the feed: 3 of 9.
    expect(current).toEqual({ windowStart: W, buckets: 9, filled: 3, pct: 33.3 });
    expect(last).toEqual({ windowStart: W - 900_000, buckets: 900, filled: 0, pct: 0 });
  });

  it("reports the last window whole after it ended, and starts the next one empty", () => {
    const t = new CompletenessTracker();
    // One message a second for the whole window but 45 seconds (bucket 100..144 silent).
    for (let s = 0; s < 900; s++) if (s < 100 || s >= 145) t.record(W + s * 1_000 + 250);
    const [during] = t.report(W + 200_000);
    expect(during).toEqual({ windowStart: W, buckets: 200, filled: 155, pct: 77.5 });
    const [next, last] = t.report(W + 900_000);
    expect(next).toEqual({ windowStart: W + 900_000, buckets: 0, filled: 0, pct: null });
    expect(last).toEqual({ windowStart: W, buckets: 900, filled: 855, pct: 95 });
  });

  it("keeps two windows only", () => {
    const t = new CompletenessTracker();
    t.record(W + 10);
    t.record(W + 900_000 + 10);
    t.record(W + 1_800_000 + 10);
    const [current, last] = t.report(W + 1_800_000 + 2_000);
    expect(current).toMatchObject({ buckets: 2, filled: 1, pct: 50 });
    expect(last).toMatchObject({ windowStart: W + 900_000, filled: 1 });
    expect(t.report(W + 2_000)[0]).toMatchObject({ windowStart: W, filled: 0 });
  });

  it("fits md.health's schema", () => {
    const t = new CompletenessTracker();
    t.record(W + 5);
    const payload = {
      feed: "sim",
      status: "OK",
      staleTokens: [],
      lastMessageAgeMs: 0,
      gapsTotal: 0,
      completeness: t.report(W + 1_000),
    };
    expect(mdHealth.shape.completeness.parse(payload.completeness)).toEqual([
      { windowStart: W, buckets: 1, filled: 1, pct: 100 },
      { windowStart: W - 900_000, buckets: 900, filled: 0, pct: 0 },
    ]);
  });
});
