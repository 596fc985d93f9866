/**
 * The state the Polymarket-compatible server keeps on top of the SimVenue: API keys, order hash ↔
 * venue id, who placed what, fault knobs, frozen books, last trade prices, and the renderers from
 * port objects to the V2 wire shapes. HTTP (http.ts) and WebSocket (ws.ts) share one PolyCore.
 */
import type { Clock } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import type { Side } from "../../contracts/common.ts";
import type {
  MarketEvent,
  VenueMarket,
  VenueOrder,
  VenueTrade,
} from "../../agents/runtime/venue.ts";
import type { SimVenue } from "../venue-sim/index.ts";
import { MAIN_ACCOUNT } from "../venue-sim/ledger.ts";
import { KeyStore } from "./auth.ts";
import { type RateRule, RateTable, rateRules } from "../venue-live/rate-limit.ts";
import { PriceHistory } from "./price-history.ts";
import { DEFAULT_POLY_FAULTS, type PolyFaults } from "./faults.ts";
import {
  bestLast,
  bookHash,
  conditionIdOf,
  counterpartyOrderIdOf,
  dec,
  seconds,
  txHashOf,
  uuidOf,
} from "./wire.ts";

type BookEvent = Extract<MarketEvent, { type: "book" }>;
export type TradeEvent = Extract<MarketEvent, { type: "trade" }>;

/** Trades kept per market for GET /markets/live-activity/{condition_id}. */
export const RECENT_TRADES_MAX = 100;

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
export const CALL = { timeoutMs: 30_000 };

export interface TokenInfo {
  market: VenueMarket;
  conditionId: string;
  outcome: "Up" | "Down";
}

export interface OrderMeta {
  hash: string;
  apiKey: string;
  maker: string;
}

export class PolyCore {
  readonly keys: KeyStore;
  faults: PolyFaults = { ...DEFAULT_POLY_FAULTS };
  /** Order hash → who placed it; venue id → hash. */
  private readonly metaByHash = new Map<string, OrderMeta>();
  private readonly hashByVenueId = new Map<string, string>();
  private readonly lastTrade = new Map<string, { price: number; side: Side }>();
  private frozen: Map<string, BookEvent> | null = null;
  /** The latest market trades per window, newest first, for GET /markets/live-activity. */
  readonly recentTrades = new Map<string, TradeEvent[]>();
  /** Enforced rate limits (429), or null: off, as by default in paper. */
  rateLimits: RateTable | null = null;
  readonly stats = { rateLimited: 0 };
  /** Midpoints per token per minute, for GET /prices-history. */
  readonly history = new PriceHistory();
  /**
   * The SimVenue port's own account belongs to the first wallet that creates a key (its key and
   * address also own orders placed outside HTTP); every other wallet trades its own account, opened
   * with `collateralOf(address)` when its first key is created.
   */
  accountAddress = ZERO_ADDRESS;
  accountKey = "";
  /** Starting collateral per wallet (lowercase address), micro-dollars; else `startingCollateral`. */
  readonly collateralByAddress = new Map<string, number>();
  startingCollateral = 0;

  constructor(
    readonly venue: SimVenue,
    readonly clock: Clock,
    readonly rng: Rng,
    readonly chainId: number,
    readonly pageSize: number,
  ) {
    this.keys = new KeyStore(rng.fork("venue-poly/keys").uuid(), chainId);
    venue.subscribeMarket((e) => {
      if (e.type === "trade") {
        this.lastTrade.set(e.tokenId, { price: e.price, side: e.side });
        const recent = this.recentTrades.get(e.windowId) ?? [];
        recent.unshift(e);
        if (recent.length > RECENT_TRADES_MAX) recent.pop();
        this.recentTrades.set(e.windowId, recent);
      }
      this.history.record(e);
      if (e.type === "window" && e.event === "listed") {
        const markets = venue.listMarkets();
        this.history.retain(new Set(markets.flatMap((m) => [m.upTokenId, m.downTokenId])));
        const windows = new Set(markets.map((m) => m.windowId));
        for (const w of [...this.recentTrades.keys()]) {
          if (!windows.has(w)) this.recentTrades.delete(w);
        }
      }
    });
  }

  /**
   * A new API key of `address`: the first wallet takes the port's account, every other one gets an
   * account of its own (keys of one wallet share it, as on Polymarket).
   */
  keyCreated(apiKey: string, address: string): void {
    if (this.accountKey === "") {
      this.accountKey = apiKey;
      this.accountAddress = address;
      const own = this.collateralByAddress.get(address.toLowerCase());
      if (own !== undefined) this.venue.adjustCollateral(own - this.startingCollateral);
      return;
    }
    const account = this.accountOf(address);
    if (account !== MAIN_ACCOUNT && !this.venue.hasAccount(account)) {
      const a = address.toLowerCase();
      this.venue.openAccount(account, this.collateralByAddress.get(a) ?? this.startingCollateral);
    }
  }

  /** The SimVenue account a wallet trades. */
  accountOf(address: string): string {
    const a = address.toLowerCase();
    return a === this.accountAddress.toLowerCase() ? MAIN_ACCOUNT : a;
  }

  setFaults(update: Partial<PolyFaults>): void {
    const before = this.faults.staleBooks;
    this.faults = { ...this.faults, ...update };
    if (update.ghostFillProbability !== undefined) {
      this.venue.setTradeFailProbability(update.ghostFillProbability);
    }
    if (this.faults.staleBooks && !before) {
      this.frozen = new Map();
      for (const m of this.venue.listMarkets()) {
        for (const t of [m.upTokenId, m.downTokenId]) {
          const b = this.venue.bookSnapshot(t);
          if (b !== null) this.frozen.set(t, b);
        }
      }
    }
    if (!this.faults.staleBooks) this.frozen = null;
  }

  /** Enforces Polymarket's limits with `overrides` per class; null turns them off. */
  setRateLimits(overrides: Record<string, RateRule> | null): void {
    this.rateLimits = overrides === null ? null : new RateTable(rateRules(overrides));
  }

  get booksStale(): boolean {
    return this.frozen !== null;
  }

  // ---- markets ----

  markets(): VenueMarket[] {
    return this.venue.listMarkets();
  }

  token(tokenId: string): TokenInfo | undefined {
    for (const m of this.venue.listMarkets()) {
      if (m.upTokenId === tokenId || m.downTokenId === tokenId) {
        return {
          market: m,
          conditionId: conditionIdOf(m.slug),
          outcome: m.upTokenId === tokenId ? "Up" : "Down",
        };
      }
    }
    return undefined;
  }

  marketBySlug(slug: string): VenueMarket | undefined {
    return this.venue.listMarkets().find((m) => m.slug === slug);
  }

  marketByCondition(conditionId: string): VenueMarket | undefined {
    const cid = conditionId.toLowerCase();
    return this.venue.listMarkets().find((m) => conditionIdOf(m.slug) === cid);
  }

  /** The live book, or the frozen one while books are stale. */
  book(tokenId: string): BookEvent | null {
    return this.frozen?.get(tokenId) ?? this.venue.bookSnapshot(tokenId);
  }

  /** GET /book shape (and the WS `book` event without `event_type`). */
  bookSummary(b: BookEvent, info: TokenInfo): Record<string, unknown> {
    const last = this.lastTrade.get(b.tokenId);
    const summary = {
      market: info.conditionId,
      asset_id: b.tokenId,
      timestamp: String(b.ts),
      hash: "",
      bids: bestLast(b.bids),
      asks: bestLast(b.asks),
      min_order_size: dec(b.minSize),
      tick_size: dec(b.tickSize),
      neg_risk: false,
      last_trade_price: last === undefined ? "" : dec(last.price),
    };
    summary.hash = bookHash(summary);
    return summary;
  }

  lastTradeOf(tokenId: string): { price: number; side: Side } | undefined {
    return this.lastTrade.get(tokenId);
  }

  /** CLOB market object (GET /markets, /markets/{condition_id}). */
  marketObject(m: VenueMarket): Record<string, unknown> {
    const books = [m.upTokenId, m.downTokenId].map((t) => this.book(t));
    const mid = (i: number): number => {
      const b = books[i];
      const bid = b?.bids[0]?.price;
      const ask = b?.asks[0]?.price;
      return bid !== undefined && ask !== undefined ? (bid + ask) / 2 / 1e6 : 0.5;
    };
    const resolved = m.status === "RESOLVED";
    return {
      condition_id: conditionIdOf(m.slug),
      question_id: conditionIdOf(`question:${m.slug}`),
      question: `Bitcoin Up or Down (${m.slug})`,
      description:
        "Resolves Up if the price at the end of the window is >= the price at its start.",
      market_slug: m.slug,
      end_date_iso: new Date(m.endTs).toISOString(),
      game_start_time: new Date(m.startTs).toISOString(),
      seconds_delay: 0,
      enable_order_book: true,
      active: !resolved,
      closed: resolved,
      archived: false,
      accepting_orders: !resolved,
      accepting_order_timestamp: new Date(m.startTs).toISOString(),
      minimum_order_size: m.minSize / 1e6,
      minimum_tick_size: m.tickSize / 1e6,
      maker_base_fee: 0,
      taker_base_fee: m.feeRateBps,
      neg_risk: false,
      neg_risk_market_id: "",
      neg_risk_request_id: "",
      fpmm: "",
      notifications_enabled: false,
      is_50_50_outcome: false,
      icon: "",
      image: "",
      rewards: { rates: null, min_size: 0, max_spread: 0 },
      tokens: [
        {
          token_id: m.upTokenId,
          outcome: "Up",
          price: resolved ? (m.outcome === "UP" ? 1 : 0) : mid(0),
          winner: m.outcome === "UP",
        },
        {
          token_id: m.downTokenId,
          outcome: "Down",
          price: resolved ? (m.outcome === "DOWN" ? 1 : 0) : mid(1),
          winner: m.outcome === "DOWN",
        },
      ],
      tags: ["Crypto", "Up or Down"],
    };
  }

  /**
   * Gamma market object (reference §4.6; recorded `gamma_market.json`): camelCase, `outcomes` and
   * `clobTokenIds` as JSON-encoded strings aligned by index, `eventStartTime` = window start,
   * `endDate` = window end, `outcomePrices` `["1","0"]` once resolved Up.
   */
  gammaMarket(m: VenueMarket): Record<string, unknown> {
    const clob = this.marketObject(m);
    const tokens = clob.tokens as { price: number }[];
    const resolved = m.status === "RESOLVED";
    return {
      id: String(BigInt(conditionIdOf(`gamma:${m.slug}`).slice(0, 14))),
      question: clob.question,
      conditionId: clob.condition_id,
      questionID: clob.question_id,
      slug: m.slug,
      description: clob.description,
      startDate: new Date(m.startTs).toISOString(),
      eventStartTime: new Date(m.startTs).toISOString(),
      endDate: new Date(m.endTs).toISOString(),
      outcomes: JSON.stringify(["Up", "Down"]),
      outcomePrices: JSON.stringify(tokens.map((t) => String(t.price))),
      clobTokenIds: JSON.stringify([m.upTokenId, m.downTokenId]),
      active: true,
      closed: resolved,
      archived: false,
      acceptingOrders: !resolved,
      enableOrderBook: true,
      orderPriceMinTickSize: m.tickSize / 1e6,
      orderMinSize: m.minSize / 1e6,
      makerBaseFee: 0,
      takerBaseFee: m.feeRateBps,
      negRisk: false,
      restricted: true,
    };
  }

  /** Gamma event object (`GET /events?slug=`): one market per up/down window, nested. */
  gammaEvent(m: VenueMarket): Record<string, unknown> {
    const market = this.gammaMarket(m);
    return {
      id: market.id,
      ticker: m.slug,
      slug: m.slug,
      title: market.question,
      description: market.description,
      startDate: market.startDate,
      startTime: market.eventStartTime,
      endDate: market.endDate,
      active: true,
      closed: market.closed,
      archived: false,
      restricted: true,
      enableOrderBook: true,
      negRisk: false,
      markets: [market],
    };
  }

  // ---- orders ----

  remember(meta: OrderMeta): void {
    this.metaByHash.set(meta.hash, meta);
  }

  forget(hash: string): void {
    this.metaByHash.delete(hash);
  }

  linkVenueId(venueOrderId: string, hash: string): void {
    this.hashByVenueId.set(venueOrderId, hash);
  }

  /** The wire id of an order: its hash when it came in over HTTP, else the venue id. */
  idOf(o: { venueOrderId: string; clientOrderId: string }): string {
    return this.hashByVenueId.get(o.venueOrderId) ?? o.clientOrderId;
  }

  metaOf(hash: string): OrderMeta {
    return (
      this.metaByHash.get(hash) ?? { hash, apiKey: this.accountKey, maker: this.accountAddress }
    );
  }

  /** Whether the order (or our side of a trade) was placed with API key `apiKey`. */
  ownedBy(apiKey: string, o: { venueOrderId: string; clientOrderId: string }): boolean {
    return this.metaOf(this.idOf(o)).apiKey === apiKey;
  }

  /**
   * A trade's id on the wire: a UUID, as Polymarket's (reference §2.3), derived from the match.
   * Both keys of a trade between two keys see the same id; when one key's order takes its own
   * resting order the simulator keeps two trades, and so does the wire (two ids).
   */
  tradeIdOf(t: VenueTrade): string {
    const match = t.tradeId.replace(/-maker$/, "");
    if (match !== t.tradeId) {
      const other = this.venue.tradeCounterparty(t.tradeId)?.order;
      const otherKey = other === undefined ? null : this.metaOf(this.idOf(other)).apiKey;
      if (otherKey === this.metaOf(this.idOf(t)).apiKey) return uuidOf(t.tradeId);
    }
    return uuidOf(match);
  }

  orderStatus(o: VenueOrder): string {
    switch (o.status) {
      case "OPEN":
      case "PARTIALLY_FILLED":
        return "LIVE";
      case "FILLED":
        return "MATCHED";
      case "CANCELLED":
      case "EXPIRED":
        return o.cancelReason === "MARKET_RESOLVED" ? "CANCELED_MARKET_RESOLVED" : "CANCELED";
    }
  }

  /** OpenOrder (GET /data/order/{id}, /data/orders). */
  openOrder(o: VenueOrder, tradeIds: string[]): Record<string, unknown> {
    const id = this.idOf(o);
    const meta = this.metaOf(id);
    const info = this.token(o.tokenId);
    return {
      id,
      status: this.orderStatus(o),
      owner: meta.apiKey,
      maker_address: meta.maker,
      market: info?.conditionId ?? "",
      asset_id: o.tokenId,
      side: o.side,
      original_size: dec(o.size),
      size_matched: dec(o.filledSize),
      price: dec(o.price),
      outcome: info?.outcome ?? "",
      expiration: o.expiresAt === null ? "0" : String(seconds(o.expiresAt)),
      order_type: o.orderType,
      associate_trades: tradeIds,
      created_at: seconds(o.createdAt),
    };
  }

  /**
   * Trade (GET /data/trades items; the WS `trade` event adds a few fields). As on Polymarket
   * (reference §2.3, recorded `user_trade1.json`): the top level describes the taker's order, and
   * `maker_orders` the makers' — each on its own token at its own price, so a maker can sit on the
   * complementary token (a mint or a merge). The other side is another key's order (named, with
   * its owner and address) or a liquidity provider's (anonymous).
   */
  trade(t: VenueTrade, status: string): Record<string, unknown> {
    const ourId = this.idOf(t);
    const meta = this.metaOf(ourId);
    const other = this.venue.tradeCounterparty(t.tradeId)?.order;
    const otherId = other === undefined ? null : this.idOf(other);
    const otherMeta = otherId === null ? null : this.metaOf(otherId);
    const cp = this.venue.tradeCounterparty(t.tradeId) ?? {
      tokenId: t.tokenId,
      side: t.side === "BUY" ? "SELL" : "BUY",
      price: t.price,
    };
    const taker = t.liquidity === "TAKER";
    const ours = {
      order_id: ourId,
      owner: meta.apiKey,
      maker_address: meta.maker,
      asset_id: t.tokenId,
      side: t.side,
      price: t.price,
    };
    const theirs = {
      order_id: otherId ?? counterpartyOrderIdOf(t.tradeId),
      owner: otherMeta?.apiKey ?? "",
      maker_address: otherMeta?.maker ?? ZERO_ADDRESS,
      asset_id: cp.tokenId,
      side: cp.side,
      price: cp.price,
    };
    const top = taker ? ours : theirs;
    const maker = taker ? theirs : ours;
    const info = this.token(top.asset_id);
    const id = this.tradeIdOf(t);
    return {
      id,
      taker_order_id: top.order_id,
      market: info?.conditionId ?? "",
      asset_id: top.asset_id,
      side: top.side,
      size: dec(t.size),
      fee_rate_bps: String(info?.market.feeRateBps ?? 0),
      price: dec(top.price),
      status,
      match_time: String(seconds(t.matchedAt)),
      last_update: String(seconds(t.updatedAt)),
      outcome: info?.outcome ?? "",
      bucket_index: 0,
      owner: top.owner,
      maker_address: top.maker_address,
      transaction_hash: txHashOf(id),
      trader_side: taker ? "TAKER" : "MAKER",
      maker_orders: [
        {
          order_id: maker.order_id,
          owner: maker.owner,
          maker_address: maker.maker_address,
          matched_amount: dec(t.size),
          price: dec(maker.price),
          fee_rate_bps: "0",
          asset_id: maker.asset_id,
          outcome: this.token(maker.asset_id)?.outcome ?? "",
          side: maker.side,
        },
      ],
    };
  }
}
