/**
 * The live Venue: Polymarket's CLOB V2 through the official `@polymarket/clob-client-v2` with a
 * viem signer. Loaded only in LIVE mode, by dynamic import from ./index.ts — importing predator
 * in any other mode never loads this file, the client or its signing stack.
 *
 * Outcomes (issue 5; shared/reference/polymarket-api.md §1.5, §1.9): the order is signed first and
 * its EIP-712 hash — the venue's order id — computed before the POST, so a late answer or event
 * attaches to it. A 4xx (or `success:false`) proves a refusal: rejected. A 5xx, a timeout or a
 * dropped connection proves nothing: unknown, resolved later by getOrder on the hash.
 * Credentials live only in the client; nothing here logs them. The parts: live-call.ts (timeouts,
 * rate limits, validation), live-discovery.ts (windows by slug), live-signing.ts (client, hashes),
 * user-stream.ts (our orders and trades), feed.ts (the market channel).
 */
import {
  AssetType,
  orderToJsonV2,
  isV2Order,
  Side as ClobSide,
  type ClobClient,
  type SignedOrder,
} from "@polymarket/clob-client-v2";
import { clobType, createChainReader, createClobClient, orderHashOf } from "./live-signing.ts";
import type { Clock } from "../../bus/clock.ts";
import { fromMicro } from "../../contracts/money.ts";
import { underlyingSymbolOf } from "../../contracts/market-data.ts";
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
  VenueOrderStatus,
  VenuePosition,
  VenueTrade,
} from "../../agents/runtime/venue.ts";
import { VenueError } from "../../agents/runtime/venue.ts";
import { rtdsUrlOf, type LiveVenueDeps, type LiveVenueSettings } from "./settings.ts";
import { RtdsClient, type RtdsStats } from "./rtds.ts";
import { marketEventsFeed } from "./feed.ts";
import { cachedChain, type ChainReader } from "./chain.ts";
import { findOrderHash, recordOrderHash, type VenueJournal } from "./journal.ts";
import type { BookView } from "./book.ts";
import { Throttle } from "./throttle.ts";
import { ourTrades, parseUserOrder, parseUserTrade, venueOrderOf, type Ours } from "./user-wire.ts";
import { UserStream, type UserStreamStats } from "./user-stream.ts";
import { Caller, failure, refusal, rejectCode, RowChecker, type Outcome } from "./live-call.ts";
import { MarketDiscovery, type DiscoveryStats } from "./live-discovery.ts";
import {
  balanceSchema,
  cancelSchema,
  heartbeatSchema,
  orderResponseSchema,
  rowsSchema,
  type OrderAnswer,
} from "./rest-wire.ts";

export { rejectCode } from "./live-call.ts";
export { createChainReader } from "./live-signing.ts";
export type { DiscoveryStats } from "./live-discovery.ts";

/** How long the venue's dead-man switch waits for the next heartbeat (docs: ~10 s). */
export const HEARTBEAT_DEADLINE_MS = 10_000;
const FETCH_BOOK_TIMEOUT_MS = 10_000;

interface Sent {
  hash: string;
  signed: SignedOrder;
  req: PlaceOrderRequest;
}

export async function createLiveVenue(
  settings: LiveVenueSettings,
  deps: LiveVenueDeps,
): Promise<LiveVenue> {
  const { client, address } = await createClobClient(settings);
  const chainReader =
    deps.chain ??
    (settings.rpcUrl === undefined
      ? undefined
      : createChainReader(settings.rpcUrl, settings.chainId));
  return new LiveVenue(
    client,
    settings,
    chainReader === undefined ? deps : { ...deps, chain: chainReader },
    address,
  );
}

export class LiveVenue implements Venue {
  private readonly clock: Clock;
  private readonly byClientId = new Map<string, Sent>();
  private readonly clientIdByHash = new Map<string, string>();
  private readonly windowOfToken = new Map<string, string>();
  private heartbeatId: string | null = null;
  /** Our order and trade changes: user socket, REST fallback and catch-up (user-stream.ts). */
  private readonly user: UserStream;
  /** Answers checked against their schemas; the malformed ones counted and logged once. */
  private readonly rows: RowChecker;
  /** Who we are in a trade or an order row, for user-wire.ts. */
  private readonly ours: Ours;
  private readonly feed;
  /** On-chain reads, cached at most 30 s; null: the balance-allowance endpoint alone. */
  private readonly chain: ChainReader | null;
  /** Durable client order id → order hash; null: memory only (lost on restart). */
  private readonly journal: VenueJournal | null;
  /** Hashes found in the journal for client ids this process did not place. */
  private readonly recovered = new Map<string, string>();
  /** Polymarket's rate limits, per endpoint class; 429s back the class off (throttle.ts). */
  readonly throttle: Throttle;
  /** Every venue request goes through it: timeout, rate limits, error bodies (live-call.ts). */
  private readonly caller: Caller;
  /** The windows by slug, the paged list as the fallback (live-discovery.ts). */
  private readonly discovery: MarketDiscovery;
  /** The underlying's price socket (rtds.ts); null when the settings name none. */
  private readonly rtds: RtdsClient | null;
  /** The underlying's ticks; absent when there is no price socket. */
  readonly subscribeUnderlying?: (listener: (tick: UnderlyingTick) => void) => () => void;

  constructor(
    private readonly client: ClobClient,
    private readonly settings: LiveVenueSettings,
    deps: LiveVenueDeps,
    readonly address: string,
  ) {
    this.clock = deps.clock;
    this.rows = new RowChecker(deps.log);
    this.throttle = new Throttle(deps.clock, deps.rng.fork("venue-live/throttle"), deps.throttle);
    this.caller = new Caller(deps.clock, this.throttle, deps.log);
    this.discovery = new MarketDiscovery({
      getMarkets: (cursor) => client.getMarkets(cursor),
      settings,
      clock: deps.clock,
      caller: this.caller,
      rows: this.rows,
      fetchFn: deps.fetch ?? ((input, init) => fetch(input, init)),
      log: deps.log,
    });
    this.ours = {
      address,
      apiKey: client.creds?.key ?? "",
      clientIdOf: (orderId) => this.clientIdByHash.get(orderId),
      windowOf: (tokenId) => this.windowOfToken.get(tokenId) ?? "",
    };
    const creds = client.creds;
    this.user = new UserStream({
      clock: deps.clock,
      rng: deps.rng.fork("venue-live/user-ws"),
      ...(deps.log === undefined ? {} : { log: deps.log }),
      socketUrl: settings.userChannel === false ? null : `${settings.wsUrl}/user`,
      creds:
        creds === undefined
          ? null
          : { key: creds.key, secret: creds.secret, passphrase: creds.passphrase },
      ...(settings.userPollMs === undefined ? {} : { pollMs: settings.userPollMs }),
      ...(settings.userReconcileMs === undefined ? {} : { reconcileMs: settings.userReconcileMs }),
      ours: this.ours,
      getOrder: (hash, opts) => this.getOrder({ venueOrderId: hash }, opts),
      trades: async (opts) => (await this.trades({}, opts)).items,
    });
    this.rtds = rtdsClientOf(settings, deps);
    const rtds = this.rtds;
    if (rtds !== null) this.subscribeUnderlying = (listener) => rtds.subscribe(listener);
    this.chain = deps.chain === undefined ? null : cachedChain(deps.chain, deps.clock);
    this.journal = deps.journal ?? null;
    this.feed = marketEventsFeed({
      wsUrl: `${settings.wsUrl}/market`,
      clock: deps.clock,
      rng: deps.rng,
      ...(deps.log === undefined ? {} : { log: deps.log }),
      markets: async () => (await this.markets({ timeoutMs: 10_000 })).items,
      // Through the throttle: a reconnect that refetches every book stays inside the book limit.
      fetchBook: (assetId) =>
        this.caller.throttled("book", "book", this.clock.now() + FETCH_BOOK_TIMEOUT_MS, () =>
          this.client.getOrderBook(assetId),
        ),
    });
  }

  /** The EIP-712 hash of a signed V2 order: the id the venue gives it. */
  orderHash(signed: SignedOrder, negRisk: boolean): string {
    return orderHashOf(this.settings.chainId, signed, negRisk);
  }

  async placeOrder(req: PlaceOrderRequest, opts: CallOptions): Promise<PlaceResult> {
    let prior: unknown = this.byClientId.get(req.clientOrderId);
    if (prior === undefined && this.journal !== null) {
      // Signed before a restart: never sign a second order for the same client id.
      const found = await this.caller.call(opts, "journal", () =>
        this.recoverHash(req.clientOrderId),
      );
      if (!found.ok) return { outcome: "unknown", reason: `order-id journal: ${found.error}` };
      prior = found.value ?? undefined;
    }
    if (prior !== undefined) {
      // Idempotent by clientOrderId: never a second order; report the first one's state.
      const order = await this.getOrder({ clientOrderId: req.clientOrderId }, opts);
      if (order === null)
        return { outcome: "unknown", reason: "repeated clientOrderId, order not found yet" };
      return {
        outcome: "accepted",
        venueOrderId: order.venueOrderId,
        status: order.status,
        filledSize: order.filledSize,
        trades: [],
      };
    }
    const signedResult = await this.caller.call(opts, "sign", async () => {
      const negRisk = await this.client.getNegRisk(req.tokenId);
      const signed = await this.client.createOrder(
        {
          tokenID: req.tokenId,
          price: Number(fromMicro(req.price)),
          size: Number(fromMicro(req.size)),
          side: req.side === "BUY" ? ClobSide.BUY : ClobSide.SELL,
          ...(req.orderType === "GTD" && req.expiresAt !== null
            ? { expiration: Math.floor(req.expiresAt / 1000) }
            : {}),
        },
        { negRisk },
      );
      return { signed, negRisk };
    });
    if (!signedResult.ok) return refusal(signedResult, "sign");
    const { signed, negRisk } = signedResult.value;
    const hash = this.orderHash(signed, negRisk);
    if (this.journal !== null) {
      // Durable before the POST: an UNKNOWN outcome stays resolvable after a restart.
      const journal = this.journal;
      const noted = await this.caller.call(opts, "journal", () =>
        recordOrderHash(journal, this.clock, req.clientOrderId, hash, {
          tokenId: req.tokenId,
          side: req.side,
          orderType: req.orderType,
          price: req.price,
          size: req.size,
        }),
      );
      if (!noted.ok) {
        // Nothing was sent: a definitive refusal, not an unknown.
        return {
          outcome: "rejected",
          code: "VENUE_UNAVAILABLE",
          message: `order-id journal unavailable, order not sent: ${noted.error}`,
        };
      }
    }
    this.byClientId.set(req.clientOrderId, { hash, signed, req });
    this.clientIdByHash.set(hash, req.clientOrderId);
    this.user.track(hash);
    // Past this line the order may exist at the venue: only a proven refusal is "rejected".
    const posted = await this.caller.call(opts, "post", () =>
      this.client.postOrder(signed, clobType(req.orderType)),
    );
    if (!posted.ok) return refusal(posted, "post");
    // The order may exist: an answer we cannot read is a VenueError (Execution: unknown, resolved
    // later by the hash), never a rejection.
    const res = this.rows.valid(orderResponseSchema, "POST /order", posted.value);
    if (!res.success || (res.errorMsg !== "" && res.orderID === "")) {
      return { outcome: "rejected", code: rejectCode(res.errorMsg), message: res.errorMsg };
    }
    if (res.orderID !== "" && res.orderID.toLowerCase() !== hash.toLowerCase()) {
      throw new VenueError(
        "LIVE_HASH_MISMATCH",
        `Invariant: venue id ${res.orderID} is not our order hash ${hash}`,
      );
    }
    return this.acceptedState(hash, req, res, opts);
  }

  private async acceptedState(
    hash: string,
    req: PlaceOrderRequest,
    res: OrderAnswer,
    opts: CallOptions,
  ): Promise<PlaceResult> {
    const order = await this.getOrder({ venueOrderId: hash }, opts).catch(() => null);
    const trades =
      (res.tradeIDs ?? []).length === 0
        ? []
        : ((await this.trades({}, opts).catch(() => null))?.items.filter(
            (t) => t.venueOrderId === hash,
          ) ?? []);
    const filled = order?.filledSize ?? trades.reduce((n, t) => n + t.size, 0);
    const status: VenueOrderStatus =
      order?.status ??
      (filled >= req.size ? "FILLED" : res.status === "live" ? "OPEN" : "PARTIALLY_FILLED");
    return { outcome: "accepted", venueOrderId: hash, status, filledSize: filled, trades };
  }

  /**
   * DRY_RUN: everything up to the final POST — the order signed exactly as it would be sent, its
   * hash, and the JSON body the POST would carry. Nothing is sent.
   */
  async signOnly(req: PlaceOrderRequest): Promise<{ hash: string; body: unknown }> {
    const negRisk = await this.client.getNegRisk(req.tokenId);
    const signed = await this.client.createOrder(
      {
        tokenID: req.tokenId,
        price: Number(fromMicro(req.price)),
        size: Number(fromMicro(req.size)),
        side: req.side === "BUY" ? ClobSide.BUY : ClobSide.SELL,
      },
      { negRisk },
    );
    if (!isV2Order(signed)) throw new VenueError("LIVE_ORDER_VERSION", "expected a V2 order");
    const body = orderToJsonV2(
      signed,
      this.client.creds?.key ?? "",
      clobType(req.orderType),
      false,
      false,
    );
    return { hash: this.orderHash(signed, negRisk), body };
  }

  /** The market channel's current book of a token (DRY_RUN fills against it). */
  bookView(tokenId: string): BookView | null {
    return this.feed.book(tokenId);
  }

  /** True when the venue has a book for the token (preflight's token-id check). */
  async hasBook(tokenId: string, opts: CallOptions): Promise<boolean> {
    const r = await this.caller.call(opts, "book", () => this.client.getOrderBook(tokenId));
    return r.ok && (r.value as { asset_id?: unknown }).asset_id === tokenId;
  }

  async cancelOrder(venueOrderId: string, opts: CallOptions): Promise<CancelResult> {
    const r = await this.caller.call(opts, "cancel", () =>
      this.client.cancelOrder({ orderID: venueOrderId }),
    );
    return this.cancelResult(r, "cancel", "DELETE /order");
  }

  async cancelAll(opts: CallOptions): Promise<CancelResult> {
    return this.cancelResult(
      await this.caller.call(opts, "cancel-all", () => this.client.cancelAll()),
      "cancel-all",
      "DELETE /cancel-all",
    );
  }

  async getOrder(
    query: { venueOrderId?: string; clientOrderId?: string },
    opts: CallOptions,
  ): Promise<VenueOrder | null> {
    let hash =
      query.venueOrderId ??
      this.byClientId.get(query.clientOrderId ?? "")?.hash ??
      this.recovered.get(query.clientOrderId ?? "");
    if (hash === undefined && query.clientOrderId !== undefined && this.journal !== null) {
      const cid = query.clientOrderId;
      const found = await this.caller.call(opts, "journal", () => this.recoverHash(cid));
      // A journal we cannot read proves nothing: never answer "no such order" on it.
      if (!found.ok) throw new VenueError("LIVE_JOURNAL", `order-id journal: ${found.error}`);
      hash = found.value ?? undefined;
    }
    if (hash === undefined) return null;
    const r = await this.caller.call(opts, "get-order", () => this.client.getOrder(hash));
    if (!r.ok) {
      if (r.status === 404) return null;
      throw failure("get-order", r);
    }
    const o = r.value as { id?: unknown } | null | undefined;
    if (o === null || o === undefined || typeof o.id !== "string" || o.id === "") return null;
    return this.orderOf(o, "get-order");
  }

  async openOrders(opts: CallOptions): Promise<ListReport<VenueOrder>> {
    const r = await this.caller.call(opts, "open-orders", () => this.client.getOpenOrders());
    if (!r.ok) throw failure("open-orders", r);
    const rows = this.rows.valid(rowsSchema, "GET /data/orders", r.value);
    const items = rows.map((o) => this.orderOf(o, "open-orders"));
    return { complete: true, items, asOf: this.clock.now() };
  }

  async trades(query: { sinceTs?: number }, opts: CallOptions): Promise<ListReport<VenueTrade>> {
    const r = await this.caller.call(opts, "trades", () =>
      this.client.getTrades(
        query.sinceTs === undefined ? {} : { after: String(Math.floor(query.sinceTs / 1000)) },
      ),
    );
    if (!r.ok) throw failure("trades", r);
    // A row that fails validation is counted, logged once and left out: the list is then
    // incomplete, and the reconciler treats it so.
    const items: VenueTrade[] = [];
    let complete = true;
    for (const row of this.rows.valid(rowsSchema, "GET /data/trades", r.value)) {
      const t = parseUserTrade(row);
      if (t.ok) items.push(...ourTrades(t.value, this.ours));
      else {
        complete = false;
        this.rows.rejectedRow("trades", t.reason, row);
      }
    }
    return { complete, items, asOf: this.clock.now() };
  }

  async positions(opts: CallOptions): Promise<ListReport<VenuePosition>> {
    const trades = await this.trades({}, opts);
    const shares = new Map<string, number>();
    for (const t of trades.items) {
      if (t.status === "FAILED") continue;
      shares.set(t.tokenId, (shares.get(t.tokenId) ?? 0) + (t.side === "BUY" ? t.size : -t.size));
    }
    const items = [...shares]
      .filter(([, s]) => s !== 0)
      .map(([tokenId, s]) => ({ tokenId, shares: s }));
    return { complete: trades.complete, items, asOf: trades.asOf };
  }

  async balance(opts: CallOptions): Promise<ValueReport<VenueBalance>> {
    const r = await this.caller.call(opts, "balance", () =>
      this.client.getBalanceAllowance({ asset_type: AssetType.COLLATERAL }),
    );
    if (!r.ok) throw failure("balance", r);
    const body = this.rows.valid(balanceSchema, "GET /balance-allowance", r.value);
    const open = await this.openOrders(opts);
    const reserved = open.items
      .filter((o) => o.side === "BUY")
      .reduce((n, o) => n + Math.floor((o.remaining * o.price) / 1_000_000), 0);
    let collateral = Number(body.balance);
    let allowance = allowanceOf(body);
    if (this.chain !== null) {
      // Issue 5: both sources, before every entry; the smaller of each counts (a shortfall seen by
      // either is a CRO veto, through the reconciler's report).
      const chain = this.chain;
      const owner = this.settings.funderAddress ?? this.address;
      const c = await this.caller.call(opts, "chain-balance", () => chain.collateral(owner));
      if (!c.ok) throw failure("chain-balance", c);
      collateral = Math.min(collateral, c.value.balance);
      allowance = Math.min(allowance, c.value.allowance);
    }
    const value: VenueBalance = { collateral, allowance, reserved };
    return { complete: true, value, asOf: this.clock.now() };
  }

  async heartbeat(opts: CallOptions): Promise<HeartbeatResult> {
    const r = await this.caller.call(opts, "heartbeat", () =>
      this.client.postHeartbeat(this.heartbeatId ?? undefined),
    );
    if (!r.ok) throw failure("heartbeat", r);
    const id = this.rows.valid(heartbeatSchema, "POST /v1/heartbeats", r.value).heartbeat_id;
    if (id !== null && id !== "") this.heartbeatId = id;
    return { deadlineTs: this.clock.now() + HEARTBEAT_DEADLINE_MS };
  }

  /** REST rows that failed validation (counted; the first of each reason logged). */
  get restRejected(): { readonly count: number } {
    return this.rows.rejected;
  }

  /**
   * The current and next window of each configured instrument, by slug (live-discovery.ts); each
   * window's tokens remembered so a trade on them names its window.
   */
  async markets(opts: CallOptions): Promise<ListReport<VenueMarket>> {
    const report = await this.discovery.markets(opts);
    for (const m of report.items) {
      this.windowOfToken.set(m.upTokenId, m.windowId);
      this.windowOfToken.set(m.downTokenId, m.windowId);
    }
    return report;
  }

  /** Slug lookups, failures, fallbacks to the paged list and pages read. */
  discoveryStats(): DiscoveryStats {
    return this.discovery.counts();
  }

  subscribeMarket(listener: (e: MarketEvent) => void): () => void {
    return this.feed.subscribe(listener);
  }

  /**
   * Our order and trade changes (issue 17): from the authenticated user socket while it is up,
   * from REST while it is down, a REST catch-up on every reconnect; each reported once, an
   * order's fill never before its trades (user-stream.ts).
   */
  subscribeUser(listener: (e: UserEvent) => void): () => void {
    return this.user.subscribe(listener);
  }

  /** The user channel's counters (frames, malformed, unknown, reconnects); null when polling. */
  userChannelStats(): UserStreamStats | null {
    return this.user.stats();
  }

  /** Drops the user socket as a network fault would (tests); it reconnects and catches up. */
  dropUserSocket(): void {
    this.user.dropSocket();
  }

  /** The price socket's counters (frames, ticks, unknown, malformed, reconnects); null: none. */
  underlyingStats(): RtdsStats | null {
    return this.rtds?.stats() ?? null;
  }

  close(): void {
    this.rtds?.close();
    this.user.close();
    this.feed.close();
  }

  /** The journaled hash of an order signed before a restart; its events attach again. */
  private async recoverHash(clientOrderId: string): Promise<string | null> {
    const journal = this.journal;
    if (journal === null) return null;
    const hash = await findOrderHash(journal, clientOrderId);
    if (hash !== null && !this.recovered.has(clientOrderId)) {
      this.recovered.set(clientOrderId, hash);
      this.clientIdByHash.set(hash, clientOrderId);
      this.user.track(hash);
    }
    return hash;
  }

  /** A REST order row, validated; a malformed one is a venue error, never "no such order". */
  private orderOf(raw: unknown, what: string): VenueOrder {
    const o = parseUserOrder(raw);
    if (!o.ok) {
      this.rows.rejectedRow(what, o.reason, raw);
      throw new VenueError("LIVE_MALFORMED", `live ${what}: ${o.reason}`);
    }
    return venueOrderOf(o.value, this.ours, this.clock.now());
  }

  private cancelResult(r: Outcome<unknown>, what: string, endpoint: string): CancelResult {
    if (!r.ok) throw failure(what, r);
    const body = this.rows.valid(cancelSchema, endpoint, r.value);
    return { cancelled: body.canceled, notCancelled: body.not_canceled };
  }
}

function allowanceOf(body: {
  allowances?: Record<string, string> | undefined;
  allowance?: string | undefined;
}): number {
  const values = Object.values(body.allowances ?? {}).map((v) => Number(v));
  if (body.allowance !== undefined) values.push(Number(body.allowance));
  if (values.length === 0) return 0;
  return Math.min(...values.map((v) => Math.min(v, Number.MAX_SAFE_INTEGER)));
}

/** The price socket for these settings: the instruments' symbols on the configured topic. */
function rtdsClientOf(settings: LiveVenueSettings, deps: LiveVenueDeps): RtdsClient | null {
  const url = rtdsUrlOf(settings);
  const symbols = [
    ...new Set(
      (settings.instruments ?? [])
        .map((i) => underlyingSymbolOf(i))
        .filter((s): s is string => s !== null),
    ),
  ];
  if (url === null || symbols.length === 0) return null;
  return new RtdsClient({
    url,
    topic: settings.rtdsTopic ?? "crypto_prices_twap_sixty",
    symbols,
    clock: deps.clock,
    rng: deps.rng.fork("venue-live/rtds"),
    ...(deps.log === undefined ? {} : { log: deps.log }),
  });
}
