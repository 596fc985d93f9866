/**
 * Settings of the simulated venue. Defaults follow Polymarket's 15-minute crypto "Up or Down"
 * markets (shared/reference/polymarket-api.md §1.8, §4): tick 0.01, minimum 5 shares, share sizes
 * to 2 decimals, crypto taker fee rate 0.07, marketable BUYs at least $1.
 */
import { BOOK_LEVELS_MAX } from "../../contracts/common.ts";

export interface LatencyConfig {
  /** One-way delay of each request and of each response. */
  fixedMs: number;
  /** Plus a seeded uniform integer in [0, jitterMs]. */
  jitterMs: number;
}

export interface SimVenueConfig {
  /** Slug prefix: `{asset}-updown-15m-{start unix seconds}`. */
  asset: string;
  windowMs: number;
  /** How many windows after the open one are listed. */
  listAheadWindows: number;
  /** Resolved windows stay visible in `markets()` for this many further windows, then are pruned. */
  resolvedRetainWindows: number;
  tickSize: number;
  minSize: number;
  /** Limit orders and market SELLs: shares in multiples of this (0.01). Market BUYs are exempt:
   * their share count derives from a dollar amount (taker amount has 5 decimals on the venue). */
  lotSize: number;
  feeRateBps: number;
  /** A BUY that crosses the book must be worth at least this much (price × size). */
  marketableBuyNotionalMin: number;
  /** GTD: the venue expires orders this much before `expiresAt` and refuses expiries closer than
   * that (Polymarket's one-minute security threshold). */
  gtdSecurityMs: number;
  heartbeatTimeoutMs: number;
  latency: LatencyConfig;
  trades: {
    /** MATCHED → CONFIRMED (or FAILED) after this long. */
    confirmDelayMs: number;
    /** Chance that a trade of ours fails settlement and is reversed. A fault knob; 0 by default. */
    failProbability: number;
  };
  underlying: {
    /** BTC/USD at start (a float: the price model is floating point; books never see it). */
    initialPrice: number;
    volAnnual: number;
    stepMs: number;
    /**
     * The price socket (subscribeUnderlying) ticks this often, on the clock's boundaries; 0: the
     * venue has no price socket. A divisor of windowMs, so a tick falls on every window's start.
     */
    tickMs: number;
  };
  liquidity: {
    enabled: boolean;
    requoteMs: number;
    levels: number;
    /** Distance between the best bid and best ask, in ticks (at least 1). */
    spreadTicks: number;
    /**
     * Shares a provider quotes per level on each token. Each token's view shows its own quote plus
     * the complementary token's mirrored one at the same price, so about twice this.
     */
    levelSizeShares: number;
    /** Each level's size is levelSizeShares × (1 ± sizeJitter), seeded. */
    sizeJitter: number;
  };
  tickSizeChange: {
    enabled: boolean;
    /** When the Up fair price goes above 1 − edge or below edge, the tick becomes `fineTick`. */
    edgeMicro: number;
    fineTick: number;
  };
  /** Longest list a report returns; beyond it the report says `complete: false`. */
  reportItemsMax: number;
  bookDepthMax: number;
  /** Null: an unlimited (max uint) approval, the usual setup. */
  startingAllowance: number | null;
}

export const DEFAULT_SIM_VENUE_CONFIG: SimVenueConfig = {
  asset: "btc",
  windowMs: 900_000,
  listAheadWindows: 1,
  resolvedRetainWindows: 2,
  tickSize: 10_000,
  minSize: 5_000_000,
  lotSize: 10_000,
  feeRateBps: 700,
  marketableBuyNotionalMin: 1_000_000,
  gtdSecurityMs: 60_000,
  heartbeatTimeoutMs: 10_000,
  latency: { fixedMs: 20, jitterMs: 30 },
  trades: { confirmDelayMs: 4_000, failProbability: 0 },
  underlying: { initialPrice: 95_000, volAnnual: 0.6, stepMs: 1_000, tickMs: 1_000 },
  liquidity: {
    enabled: true,
    requoteMs: 3_000,
    levels: 3,
    spreadTicks: 2,
    levelSizeShares: 50,
    sizeJitter: 0.5,
  },
  tickSizeChange: { enabled: true, edgeMicro: 40_000, fineTick: 1_000 },
  reportItemsMax: 10_000,
  bookDepthMax: BOOK_LEVELS_MAX,
  startingAllowance: null,
};

type Overrides<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };
export type SimVenueConfigOverrides = Overrides<SimVenueConfig>;

export function resolveConfig(overrides: SimVenueConfigOverrides): SimVenueConfig {
  const d = DEFAULT_SIM_VENUE_CONFIG;
  const c: SimVenueConfig = {
    ...d,
    ...stripUndefined(overrides),
    latency: { ...d.latency, ...stripUndefined(overrides.latency ?? {}) },
    trades: { ...d.trades, ...stripUndefined(overrides.trades ?? {}) },
    underlying: { ...d.underlying, ...stripUndefined(overrides.underlying ?? {}) },
    liquidity: { ...d.liquidity, ...stripUndefined(overrides.liquidity ?? {}) },
    tickSizeChange: { ...d.tickSizeChange, ...stripUndefined(overrides.tickSizeChange ?? {}) },
  };
  validate(c);
  return c;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function validate(c: SimVenueConfig): void {
  const positiveInts: [string, number][] = [
    ["windowMs", c.windowMs],
    ["tickSize", c.tickSize],
    ["minSize", c.minSize],
    ["lotSize", c.lotSize],
    ["heartbeatTimeoutMs", c.heartbeatTimeoutMs],
    ["underlying.stepMs", c.underlying.stepMs],
    ["liquidity.requoteMs", c.liquidity.requoteMs],
    ["liquidity.spreadTicks", c.liquidity.spreadTicks],
    ["reportItemsMax", c.reportItemsMax],
    ["bookDepthMax", c.bookDepthMax],
  ];
  for (const [name, v] of positiveInts) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`venue-sim config: ${name} = ${v}`);
  }
  if (c.windowMs % c.underlying.stepMs !== 0) {
    throw new RangeError("venue-sim config: windowMs must be a multiple of underlying.stepMs");
  }
  const tickMs = c.underlying.tickMs;
  if (!Number.isInteger(tickMs) || tickMs < 0 || (tickMs > 0 && c.windowMs % tickMs !== 0)) {
    throw new RangeError(
      `venue-sim config: underlying.tickMs = ${tickMs} (0, or a divisor of windowMs ${c.windowMs})`,
    );
  }
  if (c.trades.failProbability < 0 || c.trades.failProbability > 1) {
    throw new RangeError("venue-sim config: trades.failProbability outside [0, 1]");
  }
}
