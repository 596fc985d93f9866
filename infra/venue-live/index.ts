/**
 * The live venue's public surface. Everything here is safe to import in any mode; the Polymarket
 * client and its signing stack load only inside `loadLiveVenue`, by dynamic import, so PAPER,
 * DRY_RUN and SIM never load them (test/unit/venue-live/import-guard.test.ts checks it).
 */
import type { LiveVenueDeps, LiveVenueSettings } from "./settings.ts";
import type { LiveVenue } from "./live-venue.ts";
import type { ChainReader } from "./chain.ts";

export {
  assertLiveConfirmed,
  liveSettingsFromEnv,
  LIVE_CONFIRM_FLAG,
  redacted,
  type LiveVenueDeps,
  type LiveVenueSettings,
} from "./settings.ts";
export { MarketWsClient, type MarketWsHealth, type MarketWsOptions } from "./market-ws.ts";
export { PolyBooks, type BookView, type BookEffect } from "./book.ts";
export { parseFrame, parseMessage, readRecording, type WireMessage } from "./wire.ts";
export {
  ourTrades,
  parseUserFrame,
  parseUserMessage,
  venueOrderOf,
  type Ours,
  type UserOrder,
  type UserTrade,
  type UserWireMessage,
} from "./user-wire.ts";
export { replayRecording, type ReplayReport } from "./replay.ts";
export { marketEventsFeed, type PolyFeed } from "./feed.ts";
export { DryRunVenue, type DryRunRecord, type DryRunSource } from "./dry-run.ts";
export type { LiveVenue } from "./live-venue.ts";
export {
  cachedChain,
  CHAIN_CACHE_MS_MAX,
  type ChainReader,
  type CollateralState,
} from "./chain.ts";
export { DRY_RUN_KIND, findOrderHash, ORDER_HASH_KIND, type VenueJournal } from "./journal.ts";

/** The on-chain reader (viem), loaded only when asked for. */
export async function loadChainReader(rpcUrl: string, chainId: 137 | 80002): Promise<ChainReader> {
  const m = await import("./live-venue.ts");
  return m.createChainReader(rpcUrl, chainId);
}

/** Builds the live venue: L1 key derivation when no API credentials are set, then L2 trading. */
export async function loadLiveVenue(
  settings: LiveVenueSettings,
  deps: LiveVenueDeps,
): Promise<LiveVenue> {
  const m = await import("./live-venue.ts");
  return m.createLiveVenue(settings, deps);
}
