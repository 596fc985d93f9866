/**
 * DRY_RUN: the live path up to the final POST. Every order is signed by the real client exactly as
 * LIVE would send it; the signed body and the book at decision time are logged and journaled; the
 * fill is simulated against that book (walking levels up to the limit, taker fee at the market's
 * rate), and the account — orders, trades, positions, collateral — is this simulation's, so every
 * downstream agent sees one consistent venue. Market data and the window list are the real
 * venue's. A GTC remainder rests here but is never filled later (the real book does not know it);
 * it ends when cancelled.
 */
import type { Clock } from "../../bus/clock.ts";
import type { Logger } from "../../agents/runtime/logger.ts";
import { takerFee } from "../../contracts/money.ts";
import type {
  CallOptions,
  CancelResult,
  HeartbeatResult,
  ListReport,
  MarketEvent,
  UnderlyingTick,
  PlaceOrderRequest,
  PlaceResult,
  UserEvent,
  ValueReport,
  Venue,
  VenueBalance,
  VenueMarket,
  VenueOrder,
  VenuePosition,
  VenueTrade,
} from "../../agents/runtime/venue.ts";
import type { BookView } from "./book.ts";
import type { Level } from "../../contracts/common.ts";
import { DRY_RUN_KIND, JOURNAL_AGENT, type VenueJournal } from "./journal.ts";

/** What DRY_RUN needs of the live adapter: reads, signing, books. Never a POST. */
export interface DryRunSource {
  signOnly(req: PlaceOrderRequest): Promise<{ hash: string; body: unknown }>;
  bookView(tokenId: string): BookView | null;
  markets(opts: CallOptions): Promise<ListReport<VenueMarket>>;
  subscribeMarket(listener: (e: MarketEvent) => void): () => void;
  subscribeUnderlying?: ((listener: (tick: UnderlyingTick) => void) => () => void) | undefined;
}

export interface DryRunRecord {
  clientOrderId: string;
  hash: string;
  /** The POST /order body that would have been sent (signature included; no credentials). */
  body: unknown;
  /** The book at decision time, best first, top levels. */
  book: { ts: number; bids: Level[]; asks: Level[] } | null;
  trades: VenueTrade[];
  ts: number;
}

export const DRY_RUN_BOOK_LEVELS = 10;

export class DryRunVenue implements Venue {
  readonly journal: DryRunRecord[] = [];
  private readonly orders = new Map<string, VenueOrder>();
  private readonly byClient = new Map<string, string>();
  private readonly tradeList: VenueTrade[] = [];
  private readonly windowOf = new Map<string, VenueMarket>();
  private cash: number;

  /** The live price socket's ticks, as they come (absent when the source has none). */
  readonly subscribeUnderlying?: (listener: (tick: UnderlyingTick) => void) => () => void;

  constructor(
    private readonly source: DryRunSource,
    private readonly clock: Clock,
    startingCollateral: number,
    private readonly log?: Logger,
    /** Where every record is also stored (the Store's audit log, kind `venue.dry_run`). */
    private readonly store?: VenueJournal,
  ) {
    this.cash = startingCollateral;
    const ticks = source.subscribeUnderlying;
    if (ticks !== undefined) this.subscribeUnderlying = (listener) => ticks(listener);
  }

  async placeOrder(req: PlaceOrderRequest, opts: CallOptions): Promise<PlaceResult> {
    const prior = this.byClient.get(req.clientOrderId);
    const existing = prior === undefined ? undefined : this.orders.get(prior);
    if (existing !== undefined) {
      return {
        outcome: "accepted",
        venueOrderId: existing.venueOrderId,
        status: existing.status,
        filledSize: existing.filledSize,
        trades: [],
      };
    }
    const market = await this.marketOf(req.tokenId, opts);
    const book = this.source.bookView(req.tokenId);
    if (market === undefined)
      return {
        outcome: "rejected",
        code: "UNKNOWN_TOKEN",
        message: `unknown token ${req.tokenId}`,
      };
    if (book === null || book.status !== "LIVE") {
      return {
        outcome: "rejected",
        code: "VENUE_UNAVAILABLE",
        message: "no live book to simulate against",
      };
    }
    let signed: { hash: string; body: unknown };
    try {
      signed = await this.source.signOnly(req);
    } catch (error) {
      return { outcome: "rejected", code: "INVALID_ORDER", message: (error as Error).message };
    }
    const now = this.clock.now();
    const fills = walk(req, req.side === "BUY" ? book.asks : book.bids);
    const filled = fills.reduce((s, l) => s + l.size, 0);
    if (req.orderType === "FOK" && filled < req.size) {
      await this.record(req, signed, book, [], now);
      return {
        outcome: "rejected",
        code: "FOK_NOT_FILLED",
        message: "order couldn't be fully filled (simulated)",
      };
    }
    const trades = fills.map((l, i) => this.trade(req, signed.hash, market, l, i, now));
    const rests = req.orderType === "GTC" || req.orderType === "GTD";
    const status =
      filled >= req.size
        ? "FILLED"
        : rests
          ? filled > 0
            ? "PARTIALLY_FILLED"
            : "OPEN"
          : "CANCELLED";
    this.orders.set(signed.hash, {
      venueOrderId: signed.hash,
      clientOrderId: req.clientOrderId,
      tokenId: req.tokenId,
      windowId: market.windowId,
      side: req.side,
      orderType: req.orderType,
      price: req.price,
      size: req.size,
      filledSize: filled,
      remaining: status === "OPEN" || status === "PARTIALLY_FILLED" ? req.size - filled : 0,
      status,
      cancelReason: status === "CANCELLED" ? "FAK_REMAINDER" : null,
      expiresAt: req.expiresAt,
      createdAt: now,
      updatedAt: now,
    });
    this.byClient.set(req.clientOrderId, signed.hash);
    this.tradeList.push(...trades);
    for (const t of trades)
      this.cash += (t.side === "BUY" ? -1 : 1) * Math.floor((t.size * t.price) / 1_000_000) - t.fee;
    await this.record(req, signed, book, trades, now);
    return { outcome: "accepted", venueOrderId: signed.hash, status, filledSize: filled, trades };
  }

  private async record(
    req: PlaceOrderRequest,
    signed: { hash: string; body: unknown },
    book: BookView,
    trades: VenueTrade[],
    ts: number,
  ): Promise<void> {
    const r: DryRunRecord = {
      clientOrderId: req.clientOrderId,
      hash: signed.hash,
      body: signed.body,
      book: {
        ts: book.ts,
        bids: book.bids.slice(0, DRY_RUN_BOOK_LEVELS),
        asks: book.asks.slice(0, DRY_RUN_BOOK_LEVELS),
      },
      trades,
      ts,
    };
    this.journal.push(r);
    this.log?.info({ dryRun: r }, "DRY_RUN: order signed, not sent; fill simulated at the book");
    if (this.store === undefined) return;
    try {
      await this.store.appendAudit({
        ts,
        agent: JOURNAL_AGENT,
        kind: DRY_RUN_KIND,
        correlationId: null,
        intentId: null,
        orderId: req.clientOrderId,
        positionId: null,
        decisionId: null,
        detail: r,
      });
    } catch (error) {
      // Nothing was sent and the simulated account already moved: the record stays in memory and
      // in the log; the store's failure is reported, not turned into an order outcome.
      this.log?.error(
        { err: error, clientOrderId: req.clientOrderId },
        "DRY_RUN record not stored",
      );
    }
  }

  private trade(
    req: PlaceOrderRequest,
    hash: string,
    market: VenueMarket,
    l: Level,
    i: number,
    now: number,
  ): VenueTrade {
    return {
      tradeId: `dry-${hash.slice(2, 18)}-${i}`,
      venueOrderId: hash,
      clientOrderId: req.clientOrderId,
      tokenId: req.tokenId,
      windowId: market.windowId,
      side: req.side,
      price: l.price,
      size: l.size,
      fee: takerFee(l.size, l.price, market.feeRateBps),
      liquidity: "TAKER",
      status: "CONFIRMED",
      matchedAt: now,
      updatedAt: now,
    };
  }

  private async marketOf(tokenId: string, opts: CallOptions): Promise<VenueMarket | undefined> {
    if (!this.windowOf.has(tokenId)) await this.markets(opts);
    return this.windowOf.get(tokenId);
  }

  cancelOrder(venueOrderId: string): Promise<CancelResult> {
    const o = this.orders.get(venueOrderId);
    if (o === undefined)
      return Promise.resolve({ cancelled: [], notCancelled: { [venueOrderId]: "NOT_FOUND" } });
    if (o.status !== "OPEN" && o.status !== "PARTIALLY_FILLED") {
      return Promise.resolve({
        cancelled: [],
        notCancelled: {
          [venueOrderId]: o.status === "FILLED" ? "ALREADY_FILLED" : "ALREADY_CANCELLED",
        },
      });
    }
    this.orders.set(venueOrderId, {
      ...o,
      status: "CANCELLED",
      cancelReason: "USER",
      remaining: 0,
      updatedAt: this.clock.now(),
    });
    return Promise.resolve({ cancelled: [venueOrderId], notCancelled: {} });
  }

  async cancelAll(): Promise<CancelResult> {
    const out: CancelResult = { cancelled: [], notCancelled: {} };
    for (const o of this.open())
      out.cancelled.push(...(await this.cancelOrder(o.venueOrderId)).cancelled);
    return out;
  }

  getOrder(query: { venueOrderId?: string; clientOrderId?: string }): Promise<VenueOrder | null> {
    const id = query.venueOrderId ?? this.byClient.get(query.clientOrderId ?? "");
    const o = id === undefined ? undefined : this.orders.get(id);
    return Promise.resolve(o === undefined ? null : { ...o });
  }

  openOrders(): Promise<ListReport<VenueOrder>> {
    return Promise.resolve({
      complete: true,
      items: this.open().map((o) => ({ ...o })),
      asOf: this.clock.now(),
    });
  }

  trades(query: { sinceTs?: number }): Promise<ListReport<VenueTrade>> {
    const since = query.sinceTs ?? 0;
    const items = this.tradeList.filter((t) => t.updatedAt >= since).map((t) => ({ ...t }));
    return Promise.resolve({ complete: true, items, asOf: this.clock.now() });
  }

  positions(): Promise<ListReport<VenuePosition>> {
    const shares = new Map<string, number>();
    for (const t of this.tradeList)
      shares.set(t.tokenId, (shares.get(t.tokenId) ?? 0) + (t.side === "BUY" ? t.size : -t.size));
    const items = [...shares]
      .filter(([, s]) => s !== 0)
      .map(([tokenId, s]) => ({ tokenId, shares: s }));
    return Promise.resolve({ complete: true, items, asOf: this.clock.now() });
  }

  balance(): Promise<ValueReport<VenueBalance>> {
    const reserved = this.open()
      .filter((o) => o.side === "BUY")
      .reduce((s, o) => s + Math.floor((o.remaining * o.price) / 1_000_000), 0);
    return Promise.resolve({
      complete: true,
      value: { collateral: this.cash, allowance: Number.MAX_SAFE_INTEGER, reserved },
      asOf: this.clock.now(),
    });
  }

  heartbeat(): Promise<HeartbeatResult> {
    return Promise.resolve({ deadlineTs: this.clock.now() + 10_000 });
  }

  async markets(opts: CallOptions): Promise<ListReport<VenueMarket>> {
    const r = await this.source.markets(opts);
    for (const m of r.items) {
      this.windowOf.set(m.upTokenId, m);
      this.windowOf.set(m.downTokenId, m);
    }
    return r;
  }

  subscribeMarket(listener: (e: MarketEvent) => void): () => void {
    return this.source.subscribeMarket(listener);
  }

  /** Fills are final at placement (CONFIRMED); nothing arrives later. */
  subscribeUser(_listener: (e: UserEvent) => void): () => void {
    return () => undefined;
  }

  private open(): VenueOrder[] {
    return [...this.orders.values()].filter(
      (o) => o.status === "OPEN" || o.status === "PARTIALLY_FILLED",
    );
  }
}

/** The levels an order takes from a best-first side, within its limit price and size. */
function walk(req: PlaceOrderRequest, levels: readonly Level[]): Level[] {
  const out: Level[] = [];
  let left = req.size;
  for (const l of levels) {
    if (left <= 0) break;
    if (req.side === "BUY" ? l.price > req.price : l.price < req.price) break;
    const size = Math.min(left, l.size);
    out.push({ price: l.price, size });
    left -= size;
  }
  return out;
}
