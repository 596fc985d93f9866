/**
 * Where market events come from. MarketData reads one `MarketFeed`; the venue (in-process simulator
 * or live adapter) and a recorded file are both feeds, so the agent runs the same code on either.
 */
import type { MarketEvent, Venue, VenueMarket } from "../runtime/venue.ts";

export interface MarketFeed {
  /** Names the feed in md.health and feed-gap records (at most 64 characters). */
  readonly name: string;
  /** Starts delivery; returns the unsubscribe function. Events may be malformed: check them. */
  subscribe(listener: (e: MarketEvent) => void): () => void;
  /** The windows the feed knows now, so a (re)started agent learns of those already listed. */
  markets(): Promise<VenueMarket[]>;
}

/** A feed operating failure, named, with a stable code. */
export class FeedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface VenueFeedOptions {
  name?: string;
  /** Bound on the venue's markets() call. */
  marketsTimeoutMs?: number;
}

export const DEFAULT_MARKETS_TIMEOUT_MS = 5_000;

/** The venue's market stream (Venue.subscribeMarket) and its market list. */
export function venueFeed(venue: Venue, options: VenueFeedOptions = {}): MarketFeed {
  const timeoutMs = options.marketsTimeoutMs ?? DEFAULT_MARKETS_TIMEOUT_MS;
  return {
    name: options.name ?? "venue",
    subscribe: (listener) => venue.subscribeMarket(listener),
    markets: async () => (await venue.markets({ timeoutMs })).items,
  };
}

/** A feed driven by hand: tests, tools and fault injection push events into it. */
export interface ManualFeed extends MarketFeed {
  push(event: MarketEvent): void;
  setMarkets(markets: VenueMarket[]): void;
  listenerCount(): number;
}

export function manualFeed(name = "manual"): ManualFeed {
  const listeners = new Set<(e: MarketEvent) => void>();
  let known: VenueMarket[] = [];
  return {
    name,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    markets: () => Promise.resolve(known.map((m) => ({ ...m }))),
    push(event) {
      for (const l of [...listeners]) l(event);
    },
    setMarkets(markets) {
      known = markets.map((m) => ({ ...m }));
    },
    listenerCount: () => listeners.size,
  };
}
