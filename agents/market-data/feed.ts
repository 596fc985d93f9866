/**
 * Where market events come from. MarketData reads one `MarketFeed`; the venue (in-process simulator
 * or live adapter) and a recorded file are both feeds, so the agent runs the same code on either.
 */
import type { MarketEvent, UnderlyingTick, Venue, VenueMarket } from "../runtime/venue.ts";

export interface MarketFeed {
  /** Names the feed in md.health and feed-gap records (at most 64 characters). */
  readonly name: string;
  /** Starts delivery; returns the unsubscribe function. Events may be malformed: check them. */
  subscribe(listener: (e: MarketEvent) => void): () => void;
  /** The windows the feed knows now, so a (re)started agent learns of those already listed. */
  markets(): Promise<VenueMarket[]>;
  /**
   * The underlying's ticks (absent: the feed has no price socket). Ticks may be malformed: check
   * them. Returns the unsubscribe function.
   */
  subscribeUnderlying?(listener: (tick: UnderlyingTick) => void): () => void;
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
    ...(venue.subscribeUnderlying === undefined
      ? {}
      : { subscribeUnderlying: (listener) => venue.subscribeUnderlying?.(listener) ?? (() => {}) }),
  };
}

/** A feed driven by hand: tests, tools and fault injection push events into it. */
export interface ManualFeed extends MarketFeed {
  push(event: MarketEvent): void;
  /** A tick of the underlying (the feed has a price socket once this exists). */
  pushUnderlying(tick: unknown): void;
  setMarkets(markets: VenueMarket[]): void;
  listenerCount(): number;
}

/** `underlying`: the feed has a price socket (MarketData then counts its ticks' health). */
export function manualFeed(name = "manual", options: { underlying?: boolean } = {}): ManualFeed {
  const listeners = new Set<(e: MarketEvent) => void>();
  const tickListeners = new Set<(tick: UnderlyingTick) => void>();
  let known: VenueMarket[] = [];
  const feed: ManualFeed = {
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
    pushUnderlying(tick) {
      // Unchecked on purpose: tests push malformed ticks too.
      for (const l of [...tickListeners]) l(tick as UnderlyingTick);
    },
    setMarkets(markets) {
      known = markets.map((m) => ({ ...m }));
    },
    listenerCount: () => listeners.size,
  };
  if (options.underlying !== true) return feed;
  return {
    ...feed,
    subscribeUnderlying(listener) {
      tickListeners.add(listener);
      return () => {
        tickListeners.delete(listener);
      };
    },
  };
}
