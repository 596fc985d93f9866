/**
 * A Polymarket-compatible venue: the CLOB V2 REST API and the market/user WebSockets, speaking the
 * real wire format well enough that the official `@polymarket/clob-client-v2` works unchanged,
 * backed by the same SimVenue (matching engine + market generator) as PAPER mode.
 *
 * ```ts
 * const v = await startPolyVenue({ clock: new SystemClock(), rng: new SeededRng(1) });
 * new ClobClient({ host: v.url, chain: 137, signer }); // ws: `${v.wsUrl}/market`, `${v.wsUrl}/user`
 * v.setFaults({ submit5xxFraction: 0.5 });
 * await v.stop();
 * ```
 * The server answers in real time: give it a SystemClock (a VirtualClock would need advancing for
 * any request to complete).
 */
import type { AddressInfo } from "node:net";
import type { Clock, TimerHandle } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import type { Side } from "../../contracts/common.ts";
import { SimVenue, type SimVenueConfigOverrides } from "../venue-sim/index.ts";
import { CALL, PolyCore } from "./core.ts";
import { DEFAULT_POLY_FAULTS, type PolyFaults, parsePolyFaults } from "./faults.ts";
import { buildHttp } from "./http.ts";
import { PolyWs } from "./ws.ts";
import { startRtdsEndpoint } from "./rtds.ts";
import { conditionIdOf } from "./wire.ts";

import type { RateRule } from "../venue-live/rate-limit.ts";
export { DEFAULT_POLY_FAULTS, parsePolyFaults, type PolyFaults } from "./faults.ts";
export { conditionIdOf } from "./wire.ts";
export {
  COLLATERAL,
  EXCHANGE_V2,
  NEG_RISK_EXCHANGE_V2,
  orderHash,
  parsePostedOrder,
  type PostedOrder,
  type SignedOrderV2,
} from "./orders.ts";
export { hmacSignature } from "./auth.ts";

export interface PolyVenueOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  clock: Clock;
  rng: Rng;
  /** SimVenue settings; the transport latency defaults to 0 here (HTTP is the network). */
  sim?: SimVenueConfigOverrides;
  /**
   * Each wallet's collateral at start, micro-dollars (default $1000). Every wallet that creates an
   * API key trades an account of its own; the first one's is the SimVenue port's account.
   */
  startingCollateral?: number;
  /** Starting collateral of particular wallets (address → micro-dollars), overriding the default. */
  accounts?: Record<string, number>;
  faults?: Partial<PolyFaults>;
  /** 137 (Polygon, default) or 80002 (Amoy): the EIP-712 chain id orders and keys are signed for. */
  chainId?: number;
  /** Page size of /data/orders, /data/trades and /markets (default 100). */
  pageSize?: number;
  /**
   * Polymarket's rate limits, answered with 429 (infra/venue-live/rate-limit.ts), with per-class
   * overrides; absent: off, as by default in paper. Also `POST /_predator/rate-limits`.
   */
  rateLimits?: Record<string, RateRule>;
}

export interface PolyWindow {
  windowId: string;
  slug: string;
  conditionId: string;
  upTokenId: string;
  downTokenId: string;
  startTs: number;
  endTs: number;
  status: "LISTED" | "OPEN" | "RESOLVED";
}

export interface PolyVenue {
  /** e.g. http://127.0.0.1:PORT — the ClobClient `host`. */
  url: string;
  /** e.g. ws://127.0.0.1:PORT/ws — append `/market` or `/user`. */
  wsUrl: string;
  /** The RTDS-compatible price socket (rtds.ts), its own port; null when the sim has none. */
  rtdsUrl: string | null;
  venue: SimVenue;
  setFaults(f: Partial<PolyFaults>): void;
  faults(): PolyFaults;
  /** Terminates every WebSocket connection now. Returns how many. */
  dropWebSockets(): number;
  /** The listed windows with their condition ids. */
  windows(): PolyWindow[];
  /** A liquidity provider's resting order (micro-units), e.g. to make a test book. */
  addLiquidity(tokenId: string, side: Side, price: number, size: number): string;
  /** Changes a token's window tick size now (micro-units), emitting tick_size_change. */
  setTickSize(tokenId: string, tickSize: number): void;
  stop(): Promise<void>;
}

export async function startPolyVenue(o: PolyVenueOptions): Promise<PolyVenue> {
  const faults = parsePolyFaults(o.faults ?? {});
  const chainId = o.chainId ?? 137;
  if (chainId !== 137 && chainId !== 80002) throw new RangeError(`chainId must be 137 or 80002`);
  const venue = new SimVenue({
    clock: o.clock,
    rng: o.rng.fork("venue-poly/sim"),
    startingCollateral: o.startingCollateral ?? 1_000_000_000,
    ...o.sim,
    latency: { fixedMs: 0, jitterMs: 0, ...o.sim?.latency },
  });
  const core = new PolyCore(
    venue,
    o.clock,
    o.rng.fork("venue-poly/faults"),
    chainId,
    o.pageSize ?? 100,
  );
  if (o.rateLimits !== undefined) core.setRateLimits(o.rateLimits);
  core.startingCollateral = o.startingCollateral ?? 1_000_000_000;
  for (const [address, collateral] of Object.entries(o.accounts ?? {})) {
    if (
      !/^0x[0-9a-fA-F]{40}$/.test(address) ||
      !Number.isSafeInteger(collateral) ||
      collateral < 0
    ) {
      throw new RangeError(
        `accounts: expected address → micro-dollars, got ${address}: ${collateral}`,
      );
    }
    core.collateralByAddress.set(address.toLowerCase(), collateral);
  }
  const ws = new PolyWs(core);
  let dropTimer: TimerHandle | null = null;
  let stormTimer: TimerHandle | null = null;

  const reschedule = (): void => {
    if (dropTimer !== null) o.clock.clearTimer(dropTimer);
    if (stormTimer !== null) o.clock.clearTimer(stormTimer);
    dropTimer = null;
    stormTimer = null;
    const f = core.faults;
    if (f.wsDropIntervalMs > 0) {
      dropTimer = o.clock.setInterval(f.wsDropIntervalMs, () => ws.dropAll());
    }
    if (f.partialFillIntervalMs > 0 && f.partialFillShares > 0) {
      stormTimer = o.clock.setInterval(f.partialFillIntervalMs, () => {
        void partialFillStorm(core);
      });
    }
  };
  const setFaults = (f: Partial<PolyFaults>): void => {
    core.setFaults(parsePolyFaults(f));
    reschedule();
  };

  const app = buildHttp(core, { dropWebSockets: () => ws.dropAll(), faultsChanged: reschedule });
  ws.attach(app.server);
  setFaults(faults);
  venue.start();
  await app.listen({ port: o.port ?? 0, host: o.host ?? "127.0.0.1" });
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  const rtds = await startRtdsEndpoint(venue, o.host ?? "127.0.0.1");

  return {
    url,
    wsUrl: `ws://${host}:${addr.port}/ws`,
    rtdsUrl: rtds?.url ?? null,
    venue,
    setFaults,
    faults: () => ({ ...core.faults }),
    dropWebSockets: () => ws.dropAll(),
    windows: () =>
      venue.listMarkets().map((m) => ({
        windowId: m.windowId,
        slug: m.slug,
        conditionId: conditionIdOf(m.slug),
        upTokenId: m.upTokenId,
        downTokenId: m.downTokenId,
        startTs: m.startTs,
        endTs: m.endTs,
        status: m.status,
      })),
    addLiquidity: (tokenId, side, price, size) => venue.addLiquidity(tokenId, side, price, size),
    setTickSize: (tokenId, tickSize) => {
      const info = core.token(tokenId);
      if (info === undefined) throw new RangeError(`unknown token ${tokenId}`);
      venue.setTickSize(info.market.windowId, tickSize);
    },
    stop: async () => {
      if (dropTimer !== null) o.clock.clearTimer(dropTimer);
      if (stormTimer !== null) o.clock.clearTimer(stormTimer);
      venue.stop();
      await rtds?.stop();
      await ws.close();
      await app.close();
    },
  };
}

/** One storm tick: a counterparty hits each of our resting orders for a slice at its price. */
async function partialFillStorm(core: PolyCore): Promise<void> {
  const open = await core.venue.openOrders(CALL);
  for (const order of open.items) {
    const slice = Math.min(core.faults.partialFillShares, order.remaining);
    if (slice <= 0 || core.token(order.tokenId) === undefined) continue;
    core.venue.addLiquidity(
      order.tokenId,
      order.side === "BUY" ? "SELL" : "BUY",
      order.price,
      slice,
    );
  }
}

export { DEFAULT_POLY_FAULTS as defaultPolyFaults };
