/** MarketData: the venue's (or a recording's) market feed → books, trades, windows, feed health. */
import type { AgentDefinition } from "../runtime/actor.ts";
import { MarketDataActor } from "./actor.ts";
import { marketDataConfig, type MarketDataConfig } from "./config.ts";
import type { MarketFeed } from "./feed.ts";

export { MarketDataActor } from "./actor.ts";
export { marketDataConfig, marketDataConfigSchema, type MarketDataConfig } from "./config.ts";
export {
  FeedError,
  manualFeed,
  venueFeed,
  type ManualFeed,
  type MarketFeed,
  type VenueFeedOptions,
} from "./feed.ts";
export { replayFeed, toJsonl, type ReplayFeed, type ReplayOptions } from "./replay.ts";
export {
  PolymarketWireConverter,
  type ConvertResult,
  type WireOptions,
} from "./polymarket-wire.ts";
export { computeHealth, type FeedStatus, type HealthReport } from "./health.ts";
export * from "./book-state.ts";

export interface MarketDataDeps {
  feed: MarketFeed;
  config?: Partial<MarketDataConfig>;
}

export const MARKET_DATA_AGENT = "market-data";

export function createMarketDataAgent(deps: MarketDataDeps): AgentDefinition {
  const config = marketDataConfig(deps.config);
  return {
    name: MARKET_DATA_AGENT,
    singleton: false,
    create: (ctx) => new MarketDataActor(ctx, deps.feed, config),
  };
}
