/**
 * The CLOB WebSocket (shared/reference/polymarket-api.md §2): `/ws/market` (book, price_change in
 * the current `price_changes[]` format, tick_size_change, last_trade_price, and with
 * `custom_feature_enabled` best_bid_ask, new_market, market_resolved) and `/ws/user` (order and
 * trade events, trades MATCHED → MINED → CONFIRMED, or MATCHED → FAILED). Text `PING` → `PONG`.
 * Initial dumps go out as a JSON array; later events one object per frame.
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import type { Level } from "../../contracts/common.ts";
import type { MarketEvent, UserEvent, VenueOrder } from "../../agents/runtime/venue.ts";
import type { ApiKey } from "./auth.ts";
import type { PolyCore } from "./core.ts";
import { conditionIdOf, dec, seconds, txHashOf, uuidOf } from "./wire.ts";

type BookEvent = Extract<MarketEvent, { type: "book" }>;

interface MarketSub {
  assets: Set<string>;
  custom: boolean;
}
interface UserSub {
  key: ApiKey | null;
  /** Condition ids; empty = every market. */
  markets: Set<string>;
}

export class PolyWs {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly market = new Map<WebSocket, MarketSub>();
  private readonly user = new Map<WebSocket, UserSub>();
  /** The last book seen per token, as price → size, to turn snapshots into price changes. */
  private readonly last = new Map<
    string,
    { bids: Map<number, number>; asks: Map<number, number> }
  >();
  private readonly tradedSinceBook = new Set<string>();
  private readonly unsubscribe: (() => void)[] = [];
  readonly stats = { connections: 0, dropped: 0 };

  constructor(private readonly core: PolyCore) {
    this.unsubscribe.push(
      core.venue.subscribeMarket((e) => {
        this.onMarket(e);
      }),
      core.venue.subscribeUser((e) => {
        this.onUser(e);
      }),
    );
  }

  attach(server: Server): void {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? "").split("?")[0];
      if (path !== "/ws/market" && path !== "/ws/user") {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.stats.connections++;
        if (path === "/ws/market") this.openMarket(ws);
        else this.openUser(ws);
      });
    });
  }

  /** Terminates every connection (the dropped-connection fault). Returns how many. */
  dropAll(): number {
    let n = 0;
    for (const ws of [...this.market.keys(), ...this.user.keys()]) {
      ws.terminate();
      n++;
    }
    this.stats.dropped += n;
    return n;
  }

  async close(): Promise<void> {
    for (const u of this.unsubscribe) u();
    this.dropAll();
    await new Promise<void>((resolve) => {
      this.wss.close(() => {
        resolve();
      });
    });
  }

  // ---- market channel ----

  private openMarket(ws: WebSocket): void {
    const sub: MarketSub = { assets: new Set(), custom: false };
    this.market.set(ws, sub);
    ws.on("close", () => this.market.delete(ws));
    ws.on("error", () => this.market.delete(ws));
    ws.on("message", (data, isBinary) => {
      const text = isBinary ? "" : rawText(data);
      if (text === "PING") {
        send(ws, "PONG");
        return;
      }
      const msg = parse(text);
      if (msg === null) return;
      const assets = stringArray(msg.assets_ids);
      if (typeof msg.custom_feature_enabled === "boolean") sub.custom = msg.custom_feature_enabled;
      const type = typeof msg.type === "string" ? msg.type.toLowerCase() : undefined;
      const op = msg.operation;
      if (type === "market" || op === "subscribe") {
        if (type === "market") sub.assets.clear();
        const fresh = assets.filter((a) => !sub.assets.has(a));
        for (const a of assets) sub.assets.add(a);
        if (msg.initial_dump !== false) this.dump(ws, fresh);
      } else if (op === "unsubscribe") {
        for (const a of assets) sub.assets.delete(a);
      }
    });
  }

  private dump(ws: WebSocket, assets: string[]): void {
    const books: unknown[] = [];
    for (const a of assets) {
      const info = this.core.token(a);
      const b = info === undefined ? null : this.core.book(a);
      if (info !== undefined && b !== null) {
        books.push({ event_type: "book", ...this.core.bookSummary(b, info) });
      }
    }
    if (books.length > 0) send(ws, JSON.stringify(books));
  }

  private toMarket(assetIds: string[], msg: unknown, customOnly = false): void {
    let text: string | null = null;
    for (const [ws, sub] of this.market) {
      if (customOnly && !sub.custom) continue;
      if (!assetIds.some((a) => sub.assets.has(a))) continue;
      text ??= JSON.stringify(msg);
      send(ws, text);
    }
  }

  private onMarket(e: MarketEvent): void {
    switch (e.type) {
      case "book":
        this.onBook(e);
        return;
      case "trade": {
        this.tradedSinceBook.add(e.tokenId);
        const info = this.core.token(e.tokenId);
        this.toMarket([e.tokenId], {
          event_type: "last_trade_price",
          asset_id: e.tokenId,
          market: info?.conditionId ?? "",
          price: dec(e.price),
          size: dec(e.size),
          fee_rate_bps: "0",
          side: e.side,
          timestamp: String(e.ts),
          transaction_hash: txHashOf(uuidOf(e.tradeId)),
        });
        return;
      }
      case "tick_size_change": {
        const info = this.core.token(e.tokenId);
        this.toMarket([e.tokenId], {
          event_type: "tick_size_change",
          asset_id: e.tokenId,
          market: info?.conditionId ?? "",
          old_tick_size: dec(e.oldTickSize),
          new_tick_size: dec(e.newTickSize),
          timestamp: String(e.ts),
        });
        return;
      }
      case "window": {
        const w = e.window;
        const cid = conditionIdOf(w.slug);
        const assets = [w.upTokenId, w.downTokenId];
        if (e.event === "resolved" && w.outcome !== null) {
          this.toMarket(
            assets,
            {
              event_type: "market_resolved",
              id: cid,
              market: cid,
              slug: w.slug,
              assets_ids: assets,
              outcomes: ["Up", "Down"],
              winning_asset_id: w.outcome === "UP" ? w.upTokenId : w.downTokenId,
              winning_outcome: w.outcome === "UP" ? "Up" : "Down",
              timestamp: String(e.ts),
            },
            true,
          );
        } else if (e.event === "listed") {
          const msg = JSON.stringify({
            event_type: "new_market",
            id: cid,
            market: cid,
            condition_id: cid,
            slug: w.slug,
            question: `Bitcoin Up or Down (${w.slug})`,
            assets_ids: assets,
            clob_token_ids: assets,
            outcomes: ["Up", "Down"],
            active: true,
            order_price_min_tick_size: dec(w.tickSize),
            timestamp: String(e.ts),
          });
          for (const [ws, sub] of this.market) if (sub.custom) send(ws, msg);
        }
        return;
      }
    }
  }

  /**
   * One `price_change` per change of the market's binary book, carrying the changed levels of
   * both tokens (reference §2.2: a resting BUY Up at p is also an ask of Down at 1 − p). The
   * venue sends a `book` for each token of the pair in one go; the first diffs both against what
   * was last sent, so the second finds nothing new.
   */
  private onBook(b: BookEvent): void {
    const traded = this.tradedSinceBook.delete(b.tokenId);
    if (this.core.booksStale) {
      this.remember(b);
      return;
    }
    const info = this.core.token(b.tokenId);
    if (info === undefined) return;
    const pairId =
      info.market.upTokenId === b.tokenId ? info.market.downTokenId : info.market.upTokenId;
    const pair = this.core.venue.bookSnapshot(pairId);
    const changes = [
      ...this.diffAndRemember(b),
      ...(pair === null ? [] : this.diffAndRemember(pair)),
    ];
    if (changes.length > 0) {
      this.toMarket([b.tokenId, pairId], {
        event_type: "price_change",
        market: info.conditionId,
        price_changes: changes.map((c) => c.change),
        timestamp: String(b.ts),
      });
      for (const c of changes) {
        if (!c.topMoved) continue;
        this.toMarket([c.book.tokenId], bestBidAsk(c.book, info.conditionId), true);
      }
    }
    // A trade that touched the book is followed by a full snapshot, as the venue does.
    if (traded) {
      this.toMarket([b.tokenId], { event_type: "book", ...this.core.bookSummary(b, info) });
    }
  }

  private remember(
    b: BookEvent,
  ): { bids: Map<number, number>; asks: Map<number, number> } | undefined {
    const prev = this.last.get(b.tokenId);
    this.last.set(b.tokenId, { bids: toMap(b.bids), asks: toMap(b.asks) });
    return prev;
  }

  /** The levels of `b` that differ from what was last sent for its token; remembers `b`. */
  private diffAndRemember(
    b: BookEvent,
  ): { change: Record<string, string>; book: BookEvent; topMoved: boolean }[] {
    const prev = this.remember(b);
    const next = this.last.get(b.tokenId) ?? {
      bids: new Map<number, number>(),
      asks: new Map<number, number>(),
    };
    const bestBid = b.bids[0] === undefined ? "0" : dec(b.bids[0].price);
    const bestAsk = b.asks[0] === undefined ? "1" : dec(b.asks[0].price);
    const out: { change: Record<string, string>; book: BookEvent; topMoved: boolean }[] = [];
    const oldBid = prev === undefined ? undefined : Math.max(...prev.bids.keys());
    const oldAsk = prev === undefined ? undefined : Math.min(...prev.asks.keys());
    const topMoved = oldBid !== b.bids[0]?.price || oldAsk !== b.asks[0]?.price;
    const diff = (
      side: "BUY" | "SELL",
      before: Map<number, number>,
      after: Map<number, number>,
    ) => {
      const prices = new Set([...before.keys(), ...after.keys()]);
      for (const p of [...prices].sort((x, y) => x - y)) {
        const size = after.get(p) ?? 0;
        if ((before.get(p) ?? 0) === size) continue;
        out.push({
          book: b,
          topMoved,
          change: {
            asset_id: b.tokenId,
            price: dec(p),
            size: dec(size),
            side,
            hash: `${b.tokenId.slice(0, 8)}${String(b.seq)}`,
            best_bid: bestBid,
            best_ask: bestAsk,
          },
        });
      }
    };
    diff("BUY", prev?.bids ?? new Map<number, number>(), next.bids);
    diff("SELL", prev?.asks ?? new Map<number, number>(), next.asks);
    // best_bid_ask goes out once per token, with its first change.
    return out.map((c, i) => (i === 0 ? c : { ...c, topMoved: false }));
  }

  // ---- user channel ----

  private openUser(ws: WebSocket): void {
    const sub: UserSub = { key: null, markets: new Set() };
    this.user.set(ws, sub);
    ws.on("close", () => this.user.delete(ws));
    ws.on("error", () => this.user.delete(ws));
    ws.on("message", (data, isBinary) => {
      const text = isBinary ? "" : rawText(data);
      if (text === "PING") {
        send(ws, "PONG");
        return;
      }
      const msg = parse(text);
      if (msg === null) return;
      const markets = stringArray(msg.markets).map((m) => m.toLowerCase());
      const type = typeof msg.type === "string" ? msg.type.toLowerCase() : undefined;
      if (type === "user") {
        const auth = (msg.auth ?? {}) as Record<string, unknown>;
        const key =
          typeof auth.apiKey === "string" &&
          typeof auth.secret === "string" &&
          typeof auth.passphrase === "string"
            ? this.core.keys.checkCreds(auth.apiKey, auth.secret, auth.passphrase)
            : null;
        if (key === null) {
          ws.close(1008, "invalid authentication");
          return;
        }
        sub.key = key;
        sub.markets = new Set(markets);
      } else if (msg.operation === "subscribe" && sub.key !== null) {
        for (const m of markets) sub.markets.add(m);
      } else if (msg.operation === "unsubscribe" && sub.key !== null) {
        for (const m of markets) sub.markets.delete(m);
      }
    });
  }

  /** To the user connections of the order's API key (no key sees another's events). */
  private toUser(tokenId: string, owner: string, msg: unknown): void {
    const cid = this.core.token(tokenId)?.conditionId ?? "";
    let text: string | null = null;
    for (const [ws, sub] of this.user) {
      if (sub.key?.apiKey !== owner) continue;
      if (sub.markets.size > 0 && !sub.markets.has(cid)) continue;
      text ??= JSON.stringify(msg);
      send(ws, text);
    }
  }

  private onUser(e: UserEvent): void {
    const now = this.core.clock.now();
    if (e.type === "order") {
      const type =
        e.event === "placed"
          ? "PLACEMENT"
          : e.event === "cancelled" || e.event === "expired"
            ? "CANCELLATION"
            : "UPDATE";
      const owner = this.core.metaOf(this.core.idOf(e.order)).apiKey;
      this.toUser(e.order.tokenId, owner, this.orderEvent(e.order, type, now));
      return;
    }
    const t = e.trade;
    const statuses = t.status === "CONFIRMED" ? ["MINED", "CONFIRMED"] : [t.status];
    for (const status of statuses) {
      const row = this.core.trade(t, status);
      this.toUser(t.tokenId, this.core.metaOf(this.core.idOf(t)).apiKey, {
        event_type: "trade",
        type: "TRADE",
        ...row,
        trade_owner: row.owner,
        timestamp: String(now),
      });
    }
  }

  private orderEvent(o: VenueOrder, type: string, now: number): Record<string, unknown> {
    const row = this.core.openOrder(o, []);
    return {
      event_type: "order",
      type,
      id: row.id,
      owner: row.owner,
      order_owner: row.owner,
      market: row.market,
      asset_id: o.tokenId,
      side: o.side,
      original_size: row.original_size,
      size_matched: row.size_matched,
      price: row.price,
      associate_trades: null,
      outcome: row.outcome,
      created_at: String(seconds(o.createdAt)),
      expiration: row.expiration,
      order_type: o.orderType,
      status: row.status,
      maker_address: row.maker_address,
      timestamp: String(now),
    };
  }
}

function bestBidAsk(b: BookEvent, market: string): Record<string, string> {
  return {
    event_type: "best_bid_ask",
    market,
    asset_id: b.tokenId,
    best_bid: b.bids[0] === undefined ? "0" : dec(b.bids[0].price),
    best_ask: b.asks[0] === undefined ? "1" : dec(b.asks[0].price),
    spread: dec((b.asks[0]?.price ?? 1_000_000) - (b.bids[0]?.price ?? 0)),
    timestamp: String(b.ts),
  };
}

function toMap(levels: readonly Level[]): Map<number, number> {
  return new Map(levels.map((l) => [l.price, l.size]));
}

function send(ws: WebSocket, text: string): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(text);
}

function rawText(data: unknown): string {
  if (typeof data === "string") return data;
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return "";
}

function parse(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function stringArray(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}
