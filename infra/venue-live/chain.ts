/**
 * The chain port: collateral balance and allowance read on-chain (issue 5: before every entry,
 * cached for at most 30 s). The viem implementation lives in live-venue.ts (loaded only in LIVE);
 * tests supply their own reader.
 */
import type { Clock } from "../../bus/clock.ts";

export interface CollateralState {
  /** Micro-dollars (pUSD has 6 decimals). */
  balance: number;
  /** What the exchange may spend for us, micro-dollars. */
  allowance: number;
}

export interface ChainReader {
  chainId(): Promise<number>;
  collateral(owner: string): Promise<CollateralState>;
}

/** The bound: a balance read is reused for at most this long. */
export const CHAIN_CACHE_MS_MAX = 30_000;

/** Wraps a reader so `collateral` is read at most once per `ttlMs` per owner. */
export function cachedChain(
  reader: ChainReader,
  clock: Clock,
  ttlMs = CHAIN_CACHE_MS_MAX,
): ChainReader {
  if (!(ttlMs >= 0 && ttlMs <= CHAIN_CACHE_MS_MAX)) {
    throw new RangeError(`chain cache ttl must be 0..${CHAIN_CACHE_MS_MAX} ms`);
  }
  const cache = new Map<string, { at: number; value: CollateralState }>();
  return {
    chainId: () => reader.chainId(),
    async collateral(owner) {
      const key = owner.toLowerCase();
      const hit = cache.get(key);
      const now = clock.now();
      if (hit !== undefined && now - hit.at < ttlMs) return hit.value;
      const value = await reader.collateral(owner);
      cache.set(key, { at: now, value });
      return value;
    },
  };
}
