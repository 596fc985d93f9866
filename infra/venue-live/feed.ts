/**
 * The market-channel client as a source of MarketEvents (the Venue port's market stream and
 * MarketData's feed): the window list from REST (refreshed), books from the WebSocket. Each
 * token's book events carry a per-token seq; a gap in the stream (reconnect, lost delta) skips one
 * seq number, so MarketData records it in feed_gaps and holds the token GAP until the fresh
 * snapshot arrives.
 */
import type { Clock, TimerHandle } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import type { Logger } from "../../agents/runtime/logger.ts";
import type { MarketEvent, VenueMarket } from "../../agents/runtime/venue.ts";
import { MarketWsClient, type MarketWsHealth } from "./market-ws.ts";
import type { BookEffect, BookView } from "./book.ts";

export interface PolyFeedOptions {
  /** The market channel, e.g. ws://127.0.0.1:8080/ws/market */
  wsUrl: string;
  clock: Clock;
  rng: Rng;
  log?: Logger;
  markets: () => Promise<VenueMarket[]>;
  fetchBook?: (assetId: string) => Promise<unknown>;
  /** How often the window list is re-read (new windows, resolutions). */
  marketsRefreshMs?: number;
  assetsPerConnectionMax?: number;
}

export interface PolyFeed {
  readonly name: string;
  subscribe(listener: (e: MarketEvent) => void): () => void;
  markets(): Promise<VenueMarket[]>;
  health(): MarketWsHealth;
  /** The current book of a token as the market channel built it (null before any message). */
  book(assetId: string): BookView | null;
  close(): void;
}

export const DEFAULT_MARKETS_REFRESH_MS = 5_000;

interface TokenInfo {
  windowId: string;
  market: VenueMarket;
  seq: number;
  tickSize: number;
}

export function marketEventsFeed(o: PolyFeedOptions): PolyFeed {
  const client = new MarketWsClient({
    url: o.wsUrl,
    clock: o.clock,
    rng: o.rng,
    ...(o.log === undefined ? {} : { log: o.log }),
    ...(o.fetchBook === undefined ? {} : { fetchBook: o.fetchBook }),
    ...(o.assetsPerConnectionMax === undefined
      ? {}
      : { assetsPerConnectionMax: o.assetsPerConnectionMax }),
  });
  const listeners = new Set<(e: MarketEvent) => void>();
  const tokens = new Map<string, TokenInfo>();
  const windows = new Map<string, VenueMarket>();
  let timer: TimerHandle | null = null;
  let trades = 0;
  const emit = (e: MarketEvent): void => {
    for (const l of [...listeners]) l(e);
  };

  const refresh = async (): Promise<void> => {
    let list: VenueMarket[];
    try {
      list = await o.markets();
    } catch (error) {
      o.log?.warn({ err: (error as Error).message }, "market list refresh failed");
      return;
    }
    const watch: string[] = [];
    for (const m of list) {
      const prior = windows.get(m.windowId);
      windows.set(m.windowId, m);
      if (prior === undefined || prior.status !== m.status) {
        const event =
          m.status === "LISTED" ? "listed" : m.status === "OPEN" ? "opened" : "resolved";
        emit({ type: "window", event, window: { ...m }, ts: o.clock.now() });
      }
      for (const t of [m.upTokenId, m.downTokenId]) {
        if (!tokens.has(t))
          tokens.set(t, { windowId: m.windowId, market: m, seq: 0, tickSize: m.tickSize });
        if (m.status !== "RESOLVED") watch.push(t);
      }
    }
    client.watch(watch);
  };

  client.onEffect((effect: BookEffect) => {
    const info = "assetId" in effect ? tokens.get(effect.assetId) : undefined;
    if (info === undefined || !("assetId" in effect)) return;
    switch (effect.kind) {
      case "book": {
        const v = client.books.view(effect.assetId);
        if (v === null) return;
        info.seq++;
        if (v.tickSize !== null) info.tickSize = v.tickSize;
        emit({
          type: "book",
          tokenId: effect.assetId,
          windowId: info.windowId,
          seq: info.seq,
          ts: v.ts,
          bids: v.bids,
          asks: v.asks,
          tickSize: info.tickSize,
          minSize: info.market.minSize,
        });
        return;
      }
      case "resync": {
        if (effect.gap) info.seq++; // the next snapshot shows MarketData the hole
        if (effect.reason === "TICK_SIZE_CHANGE") {
          const next = client.books.view(effect.assetId)?.tickSize ?? info.tickSize;
          if (next !== info.tickSize) {
            emit({
              type: "tick_size_change",
              tokenId: effect.assetId,
              windowId: info.windowId,
              oldTickSize: info.tickSize,
              newTickSize: next,
              ts: o.clock.now(),
            });
            info.tickSize = next;
          }
        }
        return;
      }
      case "trade":
        trades++;
        emit({
          type: "trade",
          tokenId: effect.assetId,
          windowId: info.windowId,
          tradeId: `lt-${effect.trade.ts}-${trades}`,
          price: effect.trade.price,
          size: effect.trade.size,
          side: effect.trade.side,
          ts: effect.trade.ts,
        });
        return;
    }
  });

  return {
    name: "polymarket-ws",
    subscribe(listener) {
      listeners.add(listener);
      if (timer === null) {
        void refresh();
        timer = o.clock.setInterval(o.marketsRefreshMs ?? DEFAULT_MARKETS_REFRESH_MS, () => {
          void refresh();
        });
      }
      return () => {
        listeners.delete(listener);
      };
    },
    markets: async () => {
      if (windows.size === 0) await refresh();
      return [...windows.values()].map((m) => ({ ...m }));
    },
    health: () => client.health(),
    book: (assetId) => client.books.view(assetId),
    close() {
      if (timer !== null) o.clock.clearTimer(timer);
      timer = null;
      client.close();
    },
  };
}
