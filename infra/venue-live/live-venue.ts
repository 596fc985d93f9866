/**
 * The live Venue: Polymarket's CLOB V2 through the official `@polymarket/clob-client-v2` with a
 * viem signer. Loaded only in LIVE mode, by dynamic import from ./index.ts — importing predator
 * in any other mode never loads this file, the client or its signing stack.
 *
 * Outcomes (issue 5; shared/reference/polymarket-api.md §1.5, §1.9): the order is signed first and
 * its EIP-712 hash — the venue's order id — computed before the POST, so a late answer or event
 * attaches to it. A 4xx (or `success:false`) proves a refusal: rejected. A 5xx, a timeout or a
 * dropped connection proves nothing: unknown, resolved later by getOrder on the hash.
 * Credentials live only in the client; nothing here logs them.
 */
import { ORDER_V2_TYPES, orderV2Domain } from "./order-typed-data.ts";
import {
  AssetType,
  Chain,
  ClobClient,
  SignatureTypeV2,
  getContractConfig,
  OrderType as ClobOrderType,
  orderToJsonV2,
  isV2Order,
  Side as ClobSide,
  type ApiKeyCreds,
  type SignedOrder,
} from "@polymarket/clob-client-v2";
import {
  createPublicClient,
  createWalletClient,
  erc20Abi,
  hashTypedData,
  http,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { polygon, polygonAmoy } from "viem/chains";
import type { Clock } from "../../bus/clock.ts";
import { fromMicro } from "../../contracts/money.ts";
import type { OrderType } from "../../contracts/common.ts";
import type {
  CallOptions,
  CancelResult,
  HeartbeatResult,
  ListReport,
  MarketEvent,
  PlaceOrderRequest,
  PlaceResult,
  RejectCode,
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
import { gammaUrlOf, type LiveVenueDeps, type LiveVenueSettings } from "./settings.ts";
import { marketEventsFeed } from "./feed.ts";
import { cachedChain, type ChainReader } from "./chain.ts";
import { findOrderHash, recordOrderHash, type VenueJournal } from "./journal.ts";
import type { BookView } from "./book.ts";
import { type RateClass } from "./rate-limit.ts";
import { Throttle } from "./throttle.ts";
import { ourTrades, parseUserOrder, parseUserTrade, venueOrderOf, type Ours } from "./user-wire.ts";
import { UserStream, type UserStreamStats } from "./user-stream.ts";
import {
  balanceSchema,
  cancelSchema,
  clobMarketSchema,
  clobWindow,
  gammaEventsSchema,
  gammaWindow,
  heartbeatSchema,
  marketsPageSchema,
  orderResponseSchema,
  parseRest,
  rowsSchema,
  windowSlugs,
  type OrderAnswer,
} from "./rest-wire.ts";

/** Collateral (pUSD) balance and the V2 exchange's allowance, read on-chain over `rpcUrl`. */
export function createChainReader(rpcUrl: string, chainId: 137 | 80002): ChainReader {
  const chain = chainId === 80002 ? polygonAmoy : polygon;
  const client = createPublicClient({ chain, transport: http(rpcUrl) });
  const cfg = getContractConfig(chainId);
  return {
    chainId: () => client.getChainId(),
    async collateral(owner) {
      const [balance, allowance] = await Promise.all([
        client.readContract({
          address: cfg.collateral as Hex,
          abi: erc20Abi,
          functionName: "balanceOf",
          args: [owner as Hex],
        }),
        client.readContract({
          address: cfg.collateral as Hex,
          abi: erc20Abi,
          functionName: "allowance",
          args: [owner as Hex, cfg.exchangeV2 as Hex],
        }),
      ]);
      const cap = (v: bigint): number =>
        Number(v > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : v);
      return { balance: cap(balance), allowance: cap(allowance) };
    },
  };
}

/** How long the venue's dead-man switch waits for the next heartbeat (docs: ~10 s). */
export const HEARTBEAT_DEADLINE_MS = 10_000;

type Outcome<T> =
  { ok: true; value: T } | { ok: false; status: number | null; error: string; code?: string };

/** A venue answer that failed validation (rest-wire.ts), thrown inside a call. */
class MalformedAnswer extends Error {
  readonly code: string = "LIVE_MALFORMED";
}

/**
 * A page of a read the client pages itself that it could not use: a refusal (a 429 among them)
 * or a body it does not understand — the client loses the difference.
 */
class PageUnreadable extends MalformedAnswer {
  override readonly code = "LIVE_PAGE_UNREADABLE";
  constructor(what: string, cause: Error) {
    super(`${what}: a page was refused (429?) or not understood: ${cause.message}`);
  }
}

/** How the windows were found (issue 17): by slug, and how often the paged list was needed. */
export interface DiscoveryStats {
  /** Gamma `/events?slug=` requests sent. */
  slugLookups: number;
  /** Lookups that failed (HTTP error, timeout, malformed answer, no such slug). */
  slugFailures: number;
  /** markets() calls answered by paging the CLOB list after a failed lookup. */
  fallbacks: number;
  /** `GET /markets` pages read. */
  pages: number;
}

interface Sent {
  hash: string;
  signed: SignedOrder;
  req: PlaceOrderRequest;
}

export async function createLiveVenue(
  settings: LiveVenueSettings,
  deps: LiveVenueDeps,
): Promise<LiveVenue> {
  const account = privateKeyToAccount(settings.privateKey as Hex);
  const chain = settings.chainId === 80002 ? polygonAmoy : polygon;
  // Signing is local; the transport is never used for it (no RPC call is made to sign).
  const signer = createWalletClient({
    account,
    chain,
    transport: http(settings.rpcUrl ?? "http://127.0.0.1:1"),
  });
  let creds: ApiKeyCreds | undefined = settings.creds ?? undefined;
  if (creds === undefined) {
    // L1: derive (or create) the API key from the wallet signature.
    const l1 = new ClobClient({ host: settings.host, chain: chainOf(settings), signer });
    creds = await l1.createOrDeriveApiKey();
    if (typeof creds.key !== "string" || creds.key === "") {
      throw new VenueError("LIVE_AUTH", "could not create or derive an API key");
    }
  }
  const client = new ClobClient({
    host: settings.host,
    chain: chainOf(settings),
    signer,
    creds,
    signatureType: SIGNATURE_TYPES[settings.signatureType],
    ...(settings.funderAddress === undefined ? {} : { funderAddress: settings.funderAddress }),
  });
  const chainReader =
    deps.chain ??
    (settings.rpcUrl === undefined
      ? undefined
      : createChainReader(settings.rpcUrl, settings.chainId));
  return new LiveVenue(
    client,
    settings,
    chainReader === undefined ? deps : { ...deps, chain: chainReader },
    account.address,
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
  /** REST rows that failed validation (counted; the first of each reason logged). */
  readonly restRejected = { count: 0 };
  private readonly loggedRejects = new Set<string>();
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
  private readonly log: LiveVenueDeps["log"];
  private readonly fetchFn: typeof fetch;
  private readonly discovery: DiscoveryStats = {
    slugLookups: 0,
    slugFailures: 0,
    fallbacks: 0,
    pages: 0,
  };
  /** Windows seen unresolved whose end has passed: looked up by slug until they resolve. */
  private readonly unresolved = new Map<string, number>();
  private readonly loggedFallbacks = new Set<string>();

  constructor(
    private readonly client: ClobClient,
    private readonly settings: LiveVenueSettings,
    deps: LiveVenueDeps,
    readonly address: string,
  ) {
    this.clock = deps.clock;
    this.log = deps.log;
    this.fetchFn = deps.fetch ?? ((input, init) => fetch(input, init));
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
    this.throttle = new Throttle(deps.clock, deps.rng.fork("venue-live/throttle"), deps.throttle);
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
        this.throttled("book", "book", this.clock.now() + FETCH_BOOK_TIMEOUT_MS, () =>
          this.client.getOrderBook(assetId),
        ),
    });
  }

  /** The EIP-712 hash of a signed V2 order: the id the venue gives it. */
  orderHash(signed: SignedOrder, negRisk: boolean): string {
    const cfg = getContractConfig(this.settings.chainId);
    const o = signed as unknown as Record<string, string | number>;
    return hashTypedData({
      domain: orderV2Domain(
        this.settings.chainId,
        (negRisk ? cfg.negRiskExchangeV2 : cfg.exchangeV2) as Hex,
      ),
      types: ORDER_V2_TYPES,
      primaryType: "Order",
      message: {
        salt: BigInt(o.salt ?? 0),
        maker: String(o.maker) as Hex,
        signer: String(o.signer) as Hex,
        tokenId: BigInt(o.tokenId ?? 0),
        makerAmount: BigInt(o.makerAmount ?? 0),
        takerAmount: BigInt(o.takerAmount ?? 0),
        side: o.side === "SELL" || o.side === 1 ? 1 : 0,
        signatureType: Number(o.signatureType),
        timestamp: BigInt(o.timestamp ?? 0),
        metadata: String(o.metadata) as Hex,
        builder: String(o.builder) as Hex,
      },
    });
  }

  async placeOrder(req: PlaceOrderRequest, opts: CallOptions): Promise<PlaceResult> {
    let prior: unknown = this.byClientId.get(req.clientOrderId);
    if (prior === undefined && this.journal !== null) {
      // Signed before a restart: never sign a second order for the same client id.
      const found = await this.call(opts, "journal", () => this.recoverHash(req.clientOrderId));
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
    const signedResult = await this.call(opts, "sign", async () => {
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
      const noted = await this.call(opts, "journal", () =>
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
    const posted = await this.call(opts, "post", () =>
      this.client.postOrder(signed, clobType(req.orderType)),
    );
    if (!posted.ok) return refusal(posted, "post");
    // The order may exist: an answer we cannot read is a VenueError (Execution: unknown, resolved
    // later by the hash), never a rejection.
    const res = this.valid(orderResponseSchema, "POST /order", posted.value);
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
    const r = await this.call(opts, "book", () => this.client.getOrderBook(tokenId));
    return r.ok && (r.value as { asset_id?: unknown }).asset_id === tokenId;
  }

  async cancelOrder(venueOrderId: string, opts: CallOptions): Promise<CancelResult> {
    const r = await this.call(opts, "cancel", () =>
      this.client.cancelOrder({ orderID: venueOrderId }),
    );
    return this.cancelResult(r, "cancel", "DELETE /order");
  }

  async cancelAll(opts: CallOptions): Promise<CancelResult> {
    return this.cancelResult(
      await this.call(opts, "cancel-all", () => this.client.cancelAll()),
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
      const found = await this.call(opts, "journal", () => this.recoverHash(cid));
      // A journal we cannot read proves nothing: never answer "no such order" on it.
      if (!found.ok) throw new VenueError("LIVE_JOURNAL", `order-id journal: ${found.error}`);
      hash = found.value ?? undefined;
    }
    if (hash === undefined) return null;
    const r = await this.call(opts, "get-order", () => this.client.getOrder(hash));
    if (!r.ok) {
      if (r.status === 404) return null;
      throw failure("get-order", r);
    }
    const o = r.value as { id?: unknown } | null | undefined;
    if (o === null || o === undefined || typeof o.id !== "string" || o.id === "") return null;
    return this.orderOf(o, "get-order");
  }

  async openOrders(opts: CallOptions): Promise<ListReport<VenueOrder>> {
    const r = await this.call(opts, "open-orders", () => this.client.getOpenOrders());
    if (!r.ok) throw failure("open-orders", r);
    const rows = this.valid(rowsSchema, "GET /data/orders", r.value);
    const items = rows.map((o) => this.orderOf(o, "open-orders"));
    return { complete: true, items, asOf: this.clock.now() };
  }

  async trades(query: { sinceTs?: number }, opts: CallOptions): Promise<ListReport<VenueTrade>> {
    const r = await this.call(opts, "trades", () =>
      this.client.getTrades(
        query.sinceTs === undefined ? {} : { after: String(Math.floor(query.sinceTs / 1000)) },
      ),
    );
    if (!r.ok) throw failure("trades", r);
    // A row that fails validation is counted, logged once and left out: the list is then
    // incomplete, and the reconciler treats it so.
    const items: VenueTrade[] = [];
    let complete = true;
    for (const row of this.valid(rowsSchema, "GET /data/trades", r.value)) {
      const t = parseUserTrade(row);
      if (t.ok) items.push(...ourTrades(t.value, this.ours));
      else {
        complete = false;
        this.rejectedRow("trades", t.reason, row);
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
    const r = await this.call(opts, "balance", () =>
      this.client.getBalanceAllowance({ asset_type: AssetType.COLLATERAL }),
    );
    if (!r.ok) throw failure("balance", r);
    const body = this.valid(balanceSchema, "GET /balance-allowance", r.value);
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
      const c = await this.call(opts, "chain-balance", () => chain.collateral(owner));
      if (!c.ok) throw failure("chain-balance", c);
      collateral = Math.min(collateral, c.value.balance);
      allowance = Math.min(allowance, c.value.allowance);
    }
    const value: VenueBalance = { collateral, allowance, reserved };
    return { complete: true, value, asOf: this.clock.now() };
  }

  async heartbeat(opts: CallOptions): Promise<HeartbeatResult> {
    const r = await this.call(opts, "heartbeat", () =>
      this.client.postHeartbeat(this.heartbeatId ?? undefined),
    );
    if (!r.ok) throw failure("heartbeat", r);
    const id = this.valid(heartbeatSchema, "POST /v1/heartbeats", r.value).heartbeat_id;
    if (id !== null && id !== "") this.heartbeatId = id;
    return { deadlineTs: this.clock.now() + HEARTBEAT_DEADLINE_MS };
  }

  /**
   * The current and next window of each configured instrument, looked up directly by their
   * deterministic slugs on Gamma (`GET /events?slug=`, reference §4.5), plus windows seen earlier
   * that have ended but not yet resolved. Only when a lookup of a current or next window fails is
   * the whole CLOB list paged instead (counted in `discoveryStats()`, each reason logged once).
   * Without configured instruments the list is always paged.
   */
  async markets(opts: CallOptions): Promise<ListReport<VenueMarket>> {
    const instruments = this.settings.instruments ?? [];
    let report: ListReport<VenueMarket>;
    if (instruments.length === 0) report = await this.listMarkets(opts);
    else {
      const bySlug = await this.marketsBySlug(instruments, opts);
      if (bySlug.ok) report = bySlug.value;
      else {
        this.discovery.fallbacks++;
        const first = !this.loggedFallbacks.has(bySlug.reason);
        if (first && this.loggedFallbacks.size < 50) this.loggedFallbacks.add(bySlug.reason);
        this.log?.[first ? "warn" : "debug"](
          { reason: bySlug.reason, fallbacks: this.discovery.fallbacks },
          "market discovery by slug failed: paging the market list",
        );
        report = await this.listMarkets(opts);
      }
    }
    for (const m of report.items) {
      this.windowOfToken.set(m.upTokenId, m.windowId);
      this.windowOfToken.set(m.downTokenId, m.windowId);
    }
    return report;
  }

  /** Slug lookups, failures, fallbacks to the paged list and pages read. */
  discoveryStats(): DiscoveryStats {
    return { ...this.discovery };
  }

  private async marketsBySlug(
    instruments: string[],
    opts: CallOptions,
  ): Promise<{ ok: true; value: ListReport<VenueMarket> } | { ok: false; reason: string }> {
    const now = this.clock.now();
    const wanted: { slug: string; startTs: number }[] = [];
    for (const instrument of instruments) {
      const slugs = windowSlugs(instrument, now);
      if (slugs === null) return { ok: false, reason: `not an up/down instrument: ${instrument}` };
      wanted.push(...slugs);
    }
    const required = new Set(wanted.map((w) => w.slug));
    const pending = [...this.unresolved]
      .filter(([slug]) => !required.has(slug))
      .map(([slug, startTs]) => ({ slug, startTs }));
    const found = await Promise.all(
      [...wanted, ...pending].map(async ({ slug, startTs }) => ({
        slug,
        r: await this.marketBySlug(slug, startTs, opts),
      })),
    );
    const items: VenueMarket[] = [];
    for (const { slug, r } of found) {
      if (r.ok) {
        items.push(r.value);
        if (r.value.status === "RESOLVED") this.unresolved.delete(slug);
        else if (this.unresolved.size < UNRESOLVED_MAX || this.unresolved.has(slug))
          this.unresolved.set(slug, r.value.startTs);
        continue;
      }
      if (required.has(slug)) return { ok: false, reason: r.reason };
      // An earlier window no longer listed: forgotten; any other failure: asked again next time.
      if (r.notFound) this.unresolved.delete(slug);
    }
    return { ok: true, value: { complete: true, items, asOf: now } };
  }

  /** One window by its slug: Gamma's event, its market validated and mapped. */
  private async marketBySlug(
    slug: string,
    startTs: number,
    opts: CallOptions,
  ): Promise<{ ok: true; value: VenueMarket } | { ok: false; reason: string; notFound: boolean }> {
    this.discovery.slugLookups++;
    const url = `${gammaUrlOf(this.settings)}/events?slug=${encodeURIComponent(slug)}`;
    const r = await this.call(opts, "gamma", () => this.getJson(url, opts));
    const fail = (reason: string, notFound = false) => {
      this.discovery.slugFailures++;
      return { ok: false as const, reason: `${slug}: ${reason}`, notFound };
    };
    if (!r.ok) {
      return fail(r.status === null ? r.error : `HTTP ${r.status} ${r.error}`, r.status === 404);
    }
    const events = parseRest(gammaEventsSchema, "GET /events", r.value);
    if (!events.ok) {
      this.rejectedRow("gamma /events", events.reason, r.value);
      return fail(`malformed answer: ${events.reason}`);
    }
    const market = events.value
      .filter((e) => e.slug === slug)
      .flatMap((e) => e.markets ?? [])
      .find((m) => m.slug === slug);
    if (market === undefined) return fail("no such event", true);
    return { ok: true, value: gammaWindow(market, startTs, this.clock.now()) };
  }

  /** GET a JSON body; an HTTP error comes back as the client's `{ error, status }` shape. */
  private async getJson(url: string, opts: CallOptions): Promise<unknown> {
    const res = await this.fetchFn(url, { signal: AbortSignal.timeout(opts.timeoutMs) });
    const text = await res.text();
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      if (!res.ok) return { error: text.slice(0, 200), status: res.status };
      this.rejectedRow("gamma /events", "GET /events: (body) not JSON", text);
      throw new MalformedAnswer(`GET /events: (body) not JSON`);
    }
    if (res.ok) return body;
    const o = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
    return {
      ...o,
      error: typeof o.error === "string" ? o.error : text.slice(0, 200),
      status: res.status,
    };
  }

  /** The whole CLOB market list, paged (`GET /markets`); a malformed row is left out. */
  private async listMarkets(opts: CallOptions): Promise<ListReport<VenueMarket>> {
    const r = await this.call(opts, "markets", async () => {
      const out: unknown[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MARKET_PAGES_MAX; page++) {
        this.discovery.pages++;
        const raw: unknown = await this.client.getMarkets(cursor);
        if (errorOf(raw) !== null) return raw;
        const p = this.valid(marketsPageSchema, "GET /markets", raw, MalformedAnswer);
        out.push(...p.data);
        if (p.next_cursor === "LTE=" || p.next_cursor === "") return { out, complete: true };
        cursor = p.next_cursor;
      }
      return { out, complete: false };
    });
    if (!r.ok) throw failure("markets", r);
    const { out, complete: allPages } = r.value as { out: unknown[]; complete: boolean };
    const now = this.clock.now();
    let complete = allPages;
    const items: VenueMarket[] = [];
    for (const row of out) {
      const m = parseRest(clobMarketSchema, "GET /markets", row);
      if (!m.ok) {
        complete = false;
        this.rejectedRow("markets", m.reason, row);
        continue;
      }
      const w = clobWindow(m.value, now);
      if (w !== null) items.push(w);
    }
    return { complete, items, asOf: now };
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

  close(): void {
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
      this.rejectedRow(what, o.reason, raw);
      throw new VenueError("LIVE_MALFORMED", `live ${what}: ${o.reason}`);
    }
    return venueOrderOf(o.value, this.ours, this.clock.now());
  }

  /**
   * A venue answer checked against its schema; one that fails is counted, logged once with a cut
   * sample, and thrown as a VenueError (LIVE_MALFORMED) naming the endpoint and the field.
   */
  private valid<S extends Parameters<typeof parseRest>[0]>(
    schema: S,
    endpoint: string,
    raw: unknown,
    as: "venue" | typeof MalformedAnswer = "venue",
  ): ReturnType<S["parse"]> {
    const r = parseRest(schema, endpoint, raw);
    if (r.ok) return r.value as ReturnType<S["parse"]>;
    this.rejectedRow(endpoint, r.reason, raw);
    if (as !== "venue") throw new as(r.reason);
    throw new VenueError("LIVE_MALFORMED", `live ${r.reason}`);
  }

  private cancelResult(r: Outcome<unknown>, what: string, endpoint: string): CancelResult {
    if (!r.ok) throw failure(what, r);
    const body = this.valid(cancelSchema, endpoint, r.value);
    return { cancelled: body.canceled, notCancelled: body.not_canceled };
  }

  /** A REST row that failed validation: counted, the first of each reason logged with a sample. */
  private rejectedRow(what: string, reason: string, row: unknown): void {
    this.restRejected.count++;
    const key = `${what}: ${reason}`;
    if (this.loggedRejects.has(key) || this.loggedRejects.size >= 50) return;
    this.loggedRejects.add(key);
    let sample = "(not serialisable)";
    try {
      sample = `${JSON.stringify(row) as string | undefined}`.slice(0, 200);
    } catch {
      // A cycle or a BigInt: the reason alone is logged.
    }
    this.log?.warn({ what, reason, sample }, "venue row failed validation (logged once)");
  }

  /**
   * One request of `cls` under Polymarket's rate limits: waits for its bucket (never past
   * `deadline`), and on a 429 backs the class off — `retry_after_seconds` when the venue gives it —
   * then retries a read while the deadline allows. A POST or cancel that got a 429 is returned as
   * is: the venue refused it, nothing was created.
   */
  private async throttled<T>(
    cls: RateClass,
    what: string,
    deadline: number,
    fn: () => Promise<T>,
  ): Promise<T> {
    let pageError: TypeError | null = null;
    for (let attempt = 0; ; attempt++) {
      let release: () => void;
      try {
        release = await this.throttle.acquire(cls, deadline);
      } catch (e) {
        // Out of time after unreadable pages: say so, not only that the next slot is too late.
        if (pageError !== null) throw new PageUnreadable(what, pageError);
        throw e;
      }
      let value: T;
      try {
        value = await fn();
      } catch (e) {
        // The client's paged reads (open orders, trades) throw when a page is an error body —
        // a 429 among them — or a body it does not understand, so the status is lost: back off
        // without a Retry-After and retry.
        if (!(PAGED.has(what) && e instanceof TypeError)) throw e;
        if (attempt >= RETRIES_ON_429_MAX) throw new PageUnreadable(what, e);
        pageError = e;
        const waitMs = this.throttle.rateLimited(cls, null);
        this.log?.warn({ what, rateClass: cls, waitMs, attempt }, "paged read failed: backing off");
        continue;
      } finally {
        release();
      }
      if (errorOf(value)?.status !== 429) {
        this.throttle.succeeded(cls);
        return value;
      }
      const waitMs = this.throttle.rateLimited(cls, retryAfterMsOf(value));
      this.log?.warn({ what, rateClass: cls, waitMs, attempt }, "venue answered 429: backing off");
      if (!READS.has(what) || attempt >= RETRIES_ON_429_MAX) return value;
    }
  }

  /** Runs one client call under the caller's timeout and the rate limits; never throws. */
  private call<T>(opts: CallOptions, what: string, call: () => Promise<T>): Promise<Outcome<T>> {
    const cls = RATE_CLASS_OF_CALL[what];
    const deadline = this.clock.now() + opts.timeoutMs;
    const fn = cls === undefined ? call : () => this.throttled(cls, what, deadline, call);
    return new Promise((resolve) => {
      let done = false;
      const timer = this.clock.setTimer(opts.timeoutMs, () => {
        if (done) return;
        done = true;
        resolve({ ok: false, status: null, error: `${what} timed out after ${opts.timeoutMs} ms` });
      });
      fn().then(
        (value) => {
          if (done) return;
          done = true;
          this.clock.clearTimer(timer);
          const err = errorOf(value);
          resolve(err === null ? { ok: true, value } : { ok: false, ...err });
        },
        (error: unknown) => {
          if (done) return;
          done = true;
          this.clock.clearTimer(timer);
          const e = error as { status?: unknown; message?: unknown };
          resolve({
            ok: false,
            status: typeof e.status === "number" ? e.status : null,
            error: typeof e.message === "string" ? e.message : String(error),
            ...(error instanceof MalformedAnswer ? { code: error.code } : {}),
          });
        },
      );
    });
  }
}

const MARKET_PAGES_MAX = 100;
/** Ended windows still followed by slug until they resolve. */
const UNRESOLVED_MAX = 32;
const FETCH_BOOK_TIMEOUT_MS = 10_000;
/** Retries of a read answered 429, each after the class's backoff, within the call's deadline. */
const RETRIES_ON_429_MAX = 3;

/** The rate-limit class of each venue call (journal and chain reads are not the venue's). */
const RATE_CLASS_OF_CALL: Record<string, RateClass | undefined> = {
  sign: "general",
  post: "order",
  cancel: "cancel",
  "cancel-all": "cancel-all",
  "get-order": "data-orders",
  "open-orders": "data-orders",
  trades: "data-trades",
  balance: "balance",
  heartbeat: "heartbeat",
  markets: "markets",
  gamma: "gamma",
  book: "book",
};
/** Reads the client pages itself, throwing (status lost) when a page is refused. */
const PAGED = new Set(["open-orders", "trades"]);
/** Calls that change nothing at the venue: safe to send again after a 429. */
const READS = new Set([
  "get-order",
  "open-orders",
  "trades",
  "balance",
  "markets",
  "gamma",
  "book",
]);

/** The venue's wait after a 429, from `retry_after_seconds` in the body; null when absent. */
function retryAfterMsOf(value: unknown): number | null {
  const s = (value as { retry_after_seconds?: unknown } | null)?.retry_after_seconds;
  const n = typeof s === "string" ? Number(s) : s;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? Math.ceil(n * 1000) : null;
}
const SIGNATURE_TYPES = [
  SignatureTypeV2.EOA,
  SignatureTypeV2.POLY_PROXY,
  SignatureTypeV2.POLY_GNOSIS_SAFE,
  SignatureTypeV2.POLY_1271,
] as const;

function chainOf(settings: LiveVenueSettings): Chain {
  return settings.chainId === 80002 ? Chain.AMOY : Chain.POLYGON;
}

/** The client returns API errors as `{ error, status }` objects (throwOnError off). */
function errorOf(value: unknown): { status: number | null; error: string } | null {
  if (value === null || typeof value !== "object" || Array.isArray(value) || !("error" in value))
    return null;
  const v = value as { error: unknown; status?: unknown };
  return {
    status: typeof v.status === "number" ? v.status : null,
    error: typeof v.error === "string" ? v.error : JSON.stringify(v.error),
  };
}

/** Only a 4xx answer proves nothing was created; anything else may have reached the book. */
function refusal(r: { status: number | null; error: string }, stage: "sign" | "post"): PlaceResult {
  if (r.status !== null && r.status >= 400 && r.status < 500) {
    return { outcome: "rejected", code: rejectCode(r.error), message: r.error };
  }
  // Signing failed locally (bad tick or price): nothing was sent.
  if (stage === "sign" && r.status === null && !/timed out/.test(r.error)) {
    return { outcome: "rejected", code: rejectCode(r.error), message: r.error };
  }
  return {
    outcome: "unknown",
    reason: r.status === null ? r.error : `HTTP ${r.status}: ${r.error}`,
  };
}

function failure(
  what: string,
  r: { status: number | null; error: string; code?: string },
): VenueError {
  if (r.code !== undefined) return new VenueError(r.code, `live ${r.error}`);
  return new VenueError(
    r.status === null ? "VENUE_TIMEOUT" : "VENUE_HTTP",
    `live ${what}: ${r.status ?? "no answer"} ${r.error}`,
  );
}

const REJECT_PATTERNS: Array<[RegExp, RejectCode]> = [
  [/too many requests|rate limited/i, "VENUE_UNAVAILABLE"],
  [/tick size|breaks minimum tick|invalid price/i, "TICK_SIZE"],
  [/lower than the minimum|min size/i, "MIN_SIZE"],
  [/lot size|decimal places/i, "LOT_SIZE"],
  [/min size: \$|marketable buy/i, "MIN_NOTIONAL"],
  [/allowance/i, "INSUFFICIENT_ALLOWANCE"],
  [/balance/i, "INSUFFICIENT_BALANCE"],
  [/FOK/i, "FOK_NOT_FILLED"],
  [/FAK/i, "FAK_NOT_FILLED"],
  [/Duplicated/i, "DUPLICATE_CLIENT_ID"],
  [/expiration/i, "INVALID_EXPIRY"],
  [/not yet ready|closed|not accepting|market not found|resolved/i, "MARKET_CLOSED"],
  [/token id|orderbook exists/i, "UNKNOWN_TOKEN"],
];

export function rejectCode(message: string): RejectCode {
  for (const [re, code] of REJECT_PATTERNS) if (re.test(message)) return code;
  return "INVALID_ORDER";
}

function clobType(t: OrderType): ClobOrderType {
  switch (t) {
    case "GTC":
      return ClobOrderType.GTC;
    case "GTD":
      return ClobOrderType.GTD;
    case "FOK":
      return ClobOrderType.FOK;
    case "FAK":
      return ClobOrderType.FAK;
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
