/**
 * The simulated Polymarket CLOB, in process: the Venue port over a matching engine, a ledger for
 * our account, a 15-minute window generator and synthetic liquidity. Deterministic: it reads time
 * only from the Clock and randomness only from forks of the Rng, so the same seed and the same
 * calls give the same events byte for byte.
 */
import type { Clock } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import type {
  UnderlyingTick,
  CallOptions,
  CancelResult,
  HeartbeatResult,
  ListReport,
  MarketEvent,
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
import type { Side } from "../../contracts/common.ts";
import { type SimParts, assemble } from "./assemble.ts";
import { type SimVenueConfig, type SimVenueConfigOverrides, resolveConfig } from "./config.ts";
import type { ReportName, VenueFaults } from "./faults.ts";
import { marketView } from "./markets.ts";
import type { PriceScenario } from "./price-model.ts";
import { UnderlyingFeed } from "./underlying-feed.ts";
import { type SimSnapshot, takeSnapshot } from "./snapshot.ts";
import { type Counterparty, orderView, tradeView } from "./types.ts";

export type SimVenueOptions = {
  clock: Clock;
  rng: Rng;
  /** Our account's collateral at start, micro-dollars. */
  startingCollateral: number;
} & SimVenueConfigOverrides;

export class SimVenue implements Venue {
  readonly config: SimVenueConfig;
  private readonly p: SimParts;
  private faults: VenueFaults | null = null;

  /** The underlying's ticks (underlying-feed.ts); absent when `underlying.tickMs` is 0. */
  readonly subscribeUnderlying?: (listener: (tick: UnderlyingTick) => void) => () => void;
  private readonly underlyingFeed: UnderlyingFeed | null;

  constructor(options: SimVenueOptions) {
    const { clock, rng, startingCollateral, ...overrides } = options;
    this.config = resolveConfig(overrides);
    this.p = assemble(clock, rng, startingCollateral, this.config);
    const { tickMs } = this.config.underlying;
    this.underlyingFeed =
      tickMs === 0
        ? null
        : new UnderlyingFeed(clock, this.p.model, `${this.config.asset}/usd`, tickMs);
    const feed = this.underlyingFeed;
    if (feed !== null) this.subscribeUnderlying = (listener) => feed.subscribe(listener);
  }

  /** Lists the current and next windows and starts the generator on the clock. */
  start(): void {
    this.p.generator.start();
  }

  /** Stops the generator and the dead-man switch; pending trade settlements still complete. */
  stop(): void {
    this.p.generator.stop();
    this.underlyingFeed?.stop();
    this.p.deadMan.disarm();
  }

  // ---- the Venue port ----

  placeOrder(req: PlaceOrderRequest, opts: CallOptions): Promise<PlaceResult> {
    const copy = { ...req }; // the caller may reuse its object while the request is in flight
    return this.p.transport.place(copy, opts, () => this.p.exchange.place(copy));
  }

  cancelOrder(venueOrderId: string, opts: CallOptions): Promise<CancelResult> {
    return this.p.transport.call("cancelOrder", opts, () =>
      this.p.exchange.cancelSelf(venueOrderId),
    );
  }

  cancelAll(opts: CallOptions): Promise<CancelResult> {
    return this.p.transport.call("cancelAll", opts, () => this.p.exchange.cancelAllSelf("USER"));
  }

  getOrder(
    query: { venueOrderId?: string; clientOrderId?: string },
    opts: CallOptions,
  ): Promise<VenueOrder | null> {
    return this.p.transport.call("getOrder", opts, () => {
      const byVenue =
        query.venueOrderId === undefined
          ? undefined
          : this.p.exchange.orders.get(query.venueOrderId);
      const byClient =
        query.clientOrderId === undefined
          ? undefined
          : this.p.exchange.byClientOrderId(query.clientOrderId);
      const found = byVenue ?? byClient;
      return found === undefined ? null : orderView(found);
    });
  }

  openOrders(opts: CallOptions): Promise<ListReport<VenueOrder>> {
    return this.p.transport.call("openOrders", opts, () =>
      this.list("openOrders", this.p.exchange.restingSelf().map(orderView)),
    );
  }

  trades(query: { sinceTs?: number }, opts: CallOptions): Promise<ListReport<VenueTrade>> {
    const since = query.sinceTs ?? Number.NEGATIVE_INFINITY;
    return this.p.transport.call("trades", opts, () =>
      this.list(
        "trades",
        this.p.settlement.trades.filter((t) => t.updatedAt >= since).map(tradeView),
      ),
    );
  }

  positions(opts: CallOptions): Promise<ListReport<VenuePosition>> {
    return this.p.transport.call("positions", opts, () =>
      this.list("positions", this.p.ledger.positions()),
    );
  }

  balance(opts: CallOptions): Promise<ValueReport<VenueBalance>> {
    return this.p.transport.call("balance", opts, () => ({
      complete: this.faults?.report?.("balance") !== "truncate",
      value: {
        collateral: this.p.ledger.collateral,
        allowance: this.p.ledger.allowance,
        reserved: this.p.ledger.reservedCollateral,
      },
      asOf: this.p.clock.now(),
    }));
  }

  heartbeat(opts: CallOptions): Promise<HeartbeatResult> {
    return this.p.transport.call("heartbeat", opts, () => ({ deadlineTs: this.p.deadMan.beat() }));
  }

  markets(opts: CallOptions): Promise<ListReport<VenueMarket>> {
    return this.p.transport.call("markets", opts, () =>
      this.list("markets", this.p.markets.all().map(marketView)),
    );
  }

  /**
   * A new subscriber first gets the current snapshot of every live book (seq unchanged), unless
   * that book changes before the snapshot goes out — then the live event already carried it.
   */
  subscribeMarket(listener: (e: MarketEvent) => void): () => void {
    let subscribed = true;
    const unsubscribe = this.p.outbox.subscribeMarket(listener);
    const seqs = [...this.p.exchange.books.keys()].map((t) => [t, this.p.outbox.seqOf(t)] as const);
    this.p.clock.setTimer(0, () => {
      for (const [tokenId, seq] of seqs) {
        const snap =
          subscribed && this.p.outbox.seqOf(tokenId) === seq
            ? this.p.outbox.snapshotOf(tokenId)
            : null;
        if (snap !== null) this.p.outbox.call(listener, snap);
      }
    });
    return () => {
      subscribed = false;
      unsubscribe();
    };
  }

  subscribeUser(listener: (e: UserEvent) => void): () => void {
    return this.p.outbox.subscribeUser(listener);
  }

  // ---- other accounts (the Polymarket-compatible server's wallets; not on the port) ----

  /**
   * Opens a trading account of its own (collateral, allowance, positions, reservations) next to
   * the port's. The port's reads list every account's orders and trades; its balance and
   * positions are the port's account's.
   */
  openAccount(account: string, startingCollateral: number, allowance?: number): void {
    this.p.accounts.open(
      account,
      startingCollateral,
      allowance ?? this.config.startingAllowance ?? Number.MAX_SAFE_INTEGER,
    );
  }

  hasAccount(account: string): boolean {
    return this.p.accounts.has(account);
  }

  /** `placeOrder` for `account` (an unknown account is an error). */
  placeOrderAs(account: string, req: PlaceOrderRequest, opts: CallOptions): Promise<PlaceResult> {
    this.p.accounts.of(account);
    const copy = { ...req };
    return this.p.transport.place(copy, opts, () => this.p.exchange.place(copy, account));
  }

  /** An account's collateral, allowance and reserved collateral, and its positions (no latency). */
  accountState(account: string): VenueBalance & { positions: VenuePosition[] } {
    const l = this.p.accounts.of(account);
    return {
      collateral: l.collateral,
      allowance: l.allowance,
      reserved: l.reservedCollateral,
      positions: l.positions(),
    };
  }

  // ---- operator and test helpers (not on the port) ----

  /** Open market-channel and user-channel subscriptions (a dead agent must hold none). */
  subscriptions(): { market: number; user: number } {
    return this.p.outbox.listeners();
  }

  setFaults(faults: VenueFaults | null): void {
    this.faults = faults;
    this.p.transport.faults = faults;
    this.p.outbox.setFaults(faults);
  }

  /** A change behind the system's back (for reconciliation tests). No event. */
  adjustPosition(tokenId: string, deltaShares: number): void {
    this.p.ledger.addShares(tokenId, deltaShares);
  }

  adjustCollateral(delta: number): void {
    this.p.ledger.addCollateral(delta);
  }

  setAllowance(allowance: number): void {
    this.p.ledger.allowance = allowance;
  }

  /** A liquidity provider's resting order, placed at once (no latency). Returns its id. */
  addLiquidity(tokenId: string, side: Side, price: number, size: number): string {
    return this.p.exchange.placeLiquidity(tokenId, side, price, size).venueOrderId;
  }

  setPriceScenario(scenario: Partial<PriceScenario>): void {
    this.p.model.setScenario(this.p.clock.now(), scenario);
  }

  /** Moves the underlying at once: −0.05 is a 5 % flash crash. */
  jumpUnderlying(fraction: number): void {
    this.p.model.jump(this.p.clock.now(), fraction);
  }

  underlyingPrice(): number {
    return this.p.model.priceAt(this.p.clock.now());
  }

  // ---- synchronous views and knobs for the Polymarket-compatible server (infra/venue-poly) ----

  /** Every listed window now, without going through the transport. */
  listMarkets(): VenueMarket[] {
    return this.p.markets.all().map(marketView);
  }

  /** The token's current book (seq unchanged), or null when the token is unknown or pruned. */
  bookSnapshot(tokenId: string): Extract<MarketEvent, { type: "book" }> | null {
    const ref = this.p.markets.token(tokenId);
    if (ref === undefined) return null;
    // A token nobody has quoted yet has an empty book.
    return (
      this.p.outbox.snapshotOf(tokenId) ?? {
        type: "book",
        tokenId,
        windowId: ref.windowId,
        seq: 0,
        ts: this.p.clock.now(),
        bids: [],
        asks: [],
        tickSize: ref.window.tickSize,
        minSize: ref.window.minSize,
      }
    );
  }

  /**
   * The other order of one of our trades: its token (ours, or the complementary one for a mint or
   * a merge), side and price. For the Polymarket wire shape, where a trade names both orders.
   */
  tradeCounterparty(tradeId: string): Counterparty | undefined {
    return this.p.settlement.counterpartyOf(tradeId);
  }

  /** Chance that a new trade of ours fails settlement (MATCHED then FAILED, reversed). */
  setTradeFailProbability(p: number): void {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`trade fail probability outside [0, 1]: ${p}`);
    this.config.trades.failProbability = p;
  }

  /**
   * Changes a window's tick size now (a mid-window tick change), emitting `tick_size_change` and a
   * fresh book for both tokens. Returns false when the window is unknown or already resolved.
   */
  setTickSize(windowId: string, tickSize: number): boolean {
    if (!Number.isInteger(tickSize) || tickSize <= 0 || tickSize >= 1_000_000) {
      throw new RangeError(`tick size must be integer micro-units in (0, 1): ${tickSize}`);
    }
    const w = this.p.markets.get(windowId);
    if (w === undefined || w.status === "RESOLVED") return false;
    const oldTickSize = w.tickSize;
    if (oldTickSize === tickSize) return true;
    this.p.outbox.batch(() => {
      w.tickSize = tickSize;
      for (const tokenId of [w.upTokenId, w.downTokenId]) {
        this.p.outbox.market({
          type: "tick_size_change",
          tokenId,
          windowId,
          oldTickSize,
          newTickSize: tickSize,
          ts: this.p.clock.now(),
        });
        this.p.outbox.markDirty(tokenId);
      }
    });
    return true;
  }

  /** Throws `Invariant: …` if orders, books and the ledger disagree. */
  assertInvariants(): void {
    this.p.exchange.assertInvariants();
  }

  snapshot(): SimSnapshot {
    return takeSnapshot(this.p, this.underlyingPrice());
  }

  private list<T>(name: ReportName, all: T[]): ListReport<T> {
    const truncate = this.faults?.report?.(name) === "truncate";
    const max = truncate ? Math.floor(all.length / 2) : this.config.reportItemsMax;
    const complete = !truncate && all.length <= max;
    return { complete, items: all.slice(0, max), asOf: this.p.clock.now() };
  }
}
