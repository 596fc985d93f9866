/**
 * Replays a recorded market-channel stream through the same parser and book code the WebSocket
 * client uses, and reports the final book of every asset. Pure: the caller reads the file.
 */
import { PolyBooks, type BookStats, type BookView, type ResyncReason } from "./book.ts";
import { parseMessage, readRecording } from "./wire.ts";

export interface ReplayGap {
  /** Index of the event (in file order) that revealed it. */
  index: number;
  assetId: string;
  reason: ResyncReason;
}

export interface ReplayReport {
  events: number;
  badLines: number;
  stats: BookStats;
  /** Every forced resync, gaps and tick-size changes alike, in order. */
  resyncs: ReplayGap[];
  /** Sorted by asset id so the output is stable. */
  books: BookView[];
}

export function replayRecording(text: string): ReplayReport {
  const { events, badLines } = readRecording(text);
  const books = new PolyBooks();
  const resyncs: ReplayGap[] = [];
  events.forEach((raw, index) => {
    for (const effect of books.apply(parseMessage(raw))) {
      if (effect.kind === "resync") {
        resyncs.push({ index, assetId: effect.assetId, reason: effect.reason });
      }
    }
  });
  return {
    events: events.length,
    badLines,
    stats: { ...books.stats },
    resyncs,
    books: books
      .views()
      .sort((a, b) => (a.assetId < b.assetId ? -1 : a.assetId > b.assetId ? 1 : 0)),
  };
}
