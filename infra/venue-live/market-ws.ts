/**
 * A client for Polymarket's market channel (shared/reference/polymarket-api.md §2.1): one
 * WebSocket per shard of at most `assetsPerConnectionMax` assets, each subscribing with an initial
 * dump, sending the text `PING` every `pingIntervalMs` and reconnecting — exponential backoff with
 * jitter from the Rng port — when the connection drops or goes silent. Every message goes through
 * the shared parser and book code (wire.ts, book.ts).
 *
 * A dropped connection invalidates the books of its shard (a gap: updates may have been missed);
 * the resubscribe's initial dump replaces them. A tick-size change or a detected gap asks for a
 * fresh snapshot of that one asset: from `fetchBook` (REST GET /book) when given, else by
 * re-subscribing the asset on its connection. Timers come from the Clock port.
 */
import WebSocket from "ws";
import type { Clock, TimerHandle } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import type { Logger } from "../../agents/runtime/logger.ts";
import { PolyBooks, type BookEffect } from "./book.ts";
import { parseFrame, parseMessage } from "./wire.ts";

export interface MarketWsOptions {
  /** e.g. ws://127.0.0.1:8080/ws/market */
  url: string;
  clock: Clock;
  rng: Rng;
  log?: Logger;
  /** The venue's subscription limit per connection; more assets open more connections. */
  assetsPerConnectionMax?: number;
  /** The venue expects a PING every 10 s. */
  pingIntervalMs?: number;
  /** No frame at all (not even PONG) for this long: the connection is dead, reconnect. */
  silenceTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Connect attempt bound. */
  connectTimeoutMs?: number;
  /** A fresh REST snapshot (the raw GET /book body) for one asset. */
  fetchBook?: (assetId: string) => Promise<unknown>;
}

export const MARKET_WS_DEFAULTS = {
  assetsPerConnectionMax: 500,
  pingIntervalMs: 10_000,
  silenceTimeoutMs: 30_000,
  backoffInitialMs: 250,
  backoffMaxMs: 30_000,
  connectTimeoutMs: 10_000,
} as const;

export type ConnectionState = "CONNECTING" | "OPEN" | "BACKOFF" | "CLOSED";

export interface ConnectionHealth {
  shard: number;
  state: ConnectionState;
  assets: number;
  connects: number;
  reconnects: number;
  /** Consecutive failed attempts (resets once a connection opens). */
  attempt: number;
  lastFrameAt: number | null;
  lastPongAt: number | null;
}

export interface MarketWsHealth {
  /** UP: every connection open; DEGRADED: some; DOWN: none (with assets to watch). */
  status: "UP" | "DEGRADED" | "DOWN";
  connections: ConnectionHealth[];
  frames: number;
  reconnectsTotal: number;
  snapshotRequests: number;
  books: PolyBooks["stats"];
}

type Settings = { [K in keyof typeof MARKET_WS_DEFAULTS]: number };

interface Shard {
  index: number;
  assets: string[];
  ws: WebSocket | null;
  state: ConnectionState;
  connects: number;
  reconnects: number;
  attempt: number;
  lastFrameAt: number | null;
  lastPongAt: number | null;
  ping: TimerHandle | null;
  retry: TimerHandle | null;
  connectTimer: TimerHandle | null;
}

export class MarketWsClient {
  readonly books = new PolyBooks();
  private readonly settings: Settings;
  private readonly shards: Shard[] = [];
  private readonly shardOf = new Map<string, Shard>();
  private readonly listeners = new Set<(effect: BookEffect) => void>();
  private readonly snapshotsInFlight = new Set<string>();
  private frames = 0;
  private snapshotRequests = 0;
  private closed = false;

  constructor(private readonly options: MarketWsOptions) {
    this.settings = {
      assetsPerConnectionMax:
        options.assetsPerConnectionMax ?? MARKET_WS_DEFAULTS.assetsPerConnectionMax,
      pingIntervalMs: options.pingIntervalMs ?? MARKET_WS_DEFAULTS.pingIntervalMs,
      silenceTimeoutMs: options.silenceTimeoutMs ?? MARKET_WS_DEFAULTS.silenceTimeoutMs,
      backoffInitialMs: options.backoffInitialMs ?? MARKET_WS_DEFAULTS.backoffInitialMs,
      backoffMaxMs: options.backoffMaxMs ?? MARKET_WS_DEFAULTS.backoffMaxMs,
      connectTimeoutMs: options.connectTimeoutMs ?? MARKET_WS_DEFAULTS.connectTimeoutMs,
    };
    if (!(this.settings.assetsPerConnectionMax >= 1)) {
      throw new RangeError("assetsPerConnectionMax must be at least 1");
    }
  }

  /** Every book effect, in order (books, trades, resyncs, resolutions, skips). */
  onEffect(listener: (effect: BookEffect) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts watching these assets; already-watched ones are ignored. */
  watch(assetIds: readonly string[]): void {
    if (this.closed) return;
    for (const id of assetIds) {
      if (this.shardOf.has(id)) continue;
      let shard = this.shards.at(-1);
      const added =
        shard !== undefined && shard.assets.length < this.settings.assetsPerConnectionMax;
      if (shard === undefined || !added) {
        shard = this.newShard();
        this.shards.push(shard);
      }
      shard.assets.push(id);
      this.shardOf.set(id, shard);
      // Joining an open connection: a dynamic subscribe (with its initial dump).
      if (added && shard.state === "OPEN") this.send(shard, subscribeOperation([id]));
    }
    for (const shard of this.shards) if (shard.state === "CLOSED") this.connect(shard);
  }

  health(): MarketWsHealth {
    const connections = this.shards.map((s) => ({
      shard: s.index,
      state: s.state,
      assets: s.assets.length,
      connects: s.connects,
      reconnects: s.reconnects,
      attempt: s.attempt,
      lastFrameAt: s.lastFrameAt,
      lastPongAt: s.lastPongAt,
    }));
    const open = connections.filter((c) => c.state === "OPEN").length;
    return {
      status: open === connections.length ? "UP" : open > 0 ? "DEGRADED" : "DOWN",
      connections,
      frames: this.frames,
      reconnectsTotal: connections.reduce((n, c) => n + c.reconnects, 0),
      snapshotRequests: this.snapshotRequests,
      books: { ...this.books.stats },
    };
  }

  /** Drops one shard's connection as a network fault would (tests, chaos). */
  dropConnection(shard: number): void {
    this.shards[shard]?.ws?.terminate();
  }

  close(): void {
    this.closed = true;
    for (const s of this.shards) {
      this.stopTimers(s);
      s.state = "CLOSED";
      const ws = s.ws;
      s.ws = null;
      ws?.removeAllListeners();
      ws?.on("error", () => undefined);
      ws?.terminate();
    }
  }

  private newShard(): Shard {
    return {
      index: this.shards.length,
      assets: [],
      ws: null,
      state: "CLOSED",
      connects: 0,
      reconnects: 0,
      attempt: 0,
      lastFrameAt: null,
      lastPongAt: null,
      ping: null,
      retry: null,
      connectTimer: null,
    };
  }

  private connect(shard: Shard): void {
    if (this.closed) return;
    shard.state = "CONNECTING";
    shard.connects++;
    const ws = new WebSocket(this.options.url, {
      handshakeTimeout: this.settings.connectTimeoutMs,
    });
    shard.ws = ws;
    const clock = this.options.clock;
    shard.connectTimer = clock.setTimer(this.settings.connectTimeoutMs, () => {
      shard.connectTimer = null;
      if (shard.ws === ws && shard.state === "CONNECTING") ws.terminate();
    });
    ws.on("open", () => {
      if (shard.ws !== ws) return;
      this.clearTimer(shard, "connectTimer");
      shard.state = "OPEN";
      shard.attempt = 0;
      shard.lastFrameAt = clock.now();
      this.send(shard, subscribeMessage(shard.assets));
      shard.ping = clock.setInterval(this.settings.pingIntervalMs, () => {
        this.keepAlive(shard, ws);
      });
      this.options.log?.info({ shard: shard.index, assets: shard.assets.length }, "market ws open");
    });
    ws.on("message", (data: WebSocket.RawData) => {
      if (shard.ws === ws) this.onFrame(shard, rawText(data));
    });
    ws.on("error", (error: Error) => {
      this.options.log?.warn({ shard: shard.index, err: error.message }, "market ws error");
    });
    ws.on("close", () => {
      if (shard.ws === ws) this.onClosed(shard);
    });
  }

  private keepAlive(shard: Shard, ws: WebSocket): void {
    const silentMs = this.options.clock.now() - (shard.lastFrameAt ?? 0);
    if (silentMs > this.settings.silenceTimeoutMs) {
      this.options.log?.warn({ shard: shard.index, silentMs }, "market ws silent: reconnecting");
      ws.terminate();
      return;
    }
    this.send(shard, "PING");
  }

  private onFrame(shard: Shard, text: string): void {
    this.frames++;
    shard.lastFrameAt = this.options.clock.now();
    if (text === "PONG") {
      shard.lastPongAt = shard.lastFrameAt;
      return;
    }
    for (const msg of parseFrame(text)) this.apply(this.books.apply(msg));
  }

  private apply(effects: BookEffect[]): void {
    for (const effect of effects) {
      for (const l of [...this.listeners]) l(effect);
      if (effect.kind === "resync") this.requestSnapshot(effect.assetId);
    }
  }

  private onClosed(shard: Shard): void {
    this.stopTimers(shard);
    shard.ws = null;
    if (this.closed) {
      shard.state = "CLOSED";
      return;
    }
    // Whatever was in flight is lost: every book of this connection is a gap until resubscribed.
    const effects = shard.assets
      .map((id) => this.books.invalidate(id, "RECONNECT"))
      .filter((e): e is BookEffect => e !== null);
    for (const e of effects) for (const l of [...this.listeners]) l(e);
    shard.state = "BACKOFF";
    shard.reconnects++;
    const delayMs = this.backoffMs(shard.attempt++);
    this.options.log?.warn({ shard: shard.index, delayMs }, "market ws closed: reconnecting");
    shard.retry = this.options.clock.setTimer(delayMs, () => {
      shard.retry = null;
      this.connect(shard);
    });
  }

  private backoffMs(attempt: number): number {
    const { backoffInitialMs, backoffMaxMs } = this.settings;
    return backoffDelayMs(attempt, backoffInitialMs, backoffMaxMs, this.options.rng.float());
  }

  private requestSnapshot(assetId: string): void {
    const shard = this.shardOf.get(assetId);
    if (shard === undefined || this.snapshotsInFlight.has(assetId)) return;
    this.snapshotRequests++;
    const fetchBook = this.options.fetchBook;
    if (fetchBook === undefined) {
      // The connection's own resubscribe (on reconnect) brings the snapshot; otherwise ask.
      this.resubscribe(shard, assetId);
      return;
    }
    this.snapshotsInFlight.add(assetId);
    fetchBook(assetId).then(
      (body) => {
        this.snapshotsInFlight.delete(assetId);
        if (!this.closed) this.apply(this.books.apply(parseMessage(body)));
      },
      (error: unknown) => {
        this.snapshotsInFlight.delete(assetId);
        this.options.log?.warn({ assetId, err: (error as Error).message }, "snapshot fetch failed");
        // The WebSocket path is the fallback; the next gap asks again.
        this.resubscribe(shard, assetId);
      },
    );
  }

  /** Unsubscribe then subscribe: a venue dumps a snapshot only for assets new to the connection. */
  private resubscribe(shard: Shard, assetId: string): void {
    if (shard.state !== "OPEN") return;
    this.send(shard, JSON.stringify({ operation: "unsubscribe", assets_ids: [assetId] }));
    this.send(shard, subscribeOperation([assetId]));
  }

  private send(shard: Shard, text: string): void {
    if (shard.ws?.readyState === WebSocket.OPEN) shard.ws.send(text);
  }

  private stopTimers(shard: Shard): void {
    this.clearTimer(shard, "ping");
    this.clearTimer(shard, "retry");
    this.clearTimer(shard, "connectTimer");
  }

  private clearTimer(shard: Shard, key: "ping" | "retry" | "connectTimer"): void {
    const t = shard[key];
    if (t !== null) this.options.clock.clearTimer(t);
    shard[key] = null;
  }
}

/**
 * Exponential, capped, with "equal jitter": half of the ceiling fixed, half uniform (`unit` in
 * [0, 1) from the Rng), so a fleet of clients does not reconnect in lockstep.
 */
export function backoffDelayMs(
  attempt: number,
  initialMs: number,
  maxMs: number,
  unit: number,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * unit);
}

export function subscribeMessage(assetIds: readonly string[]): string {
  return JSON.stringify({
    type: "market",
    assets_ids: assetIds,
    initial_dump: true,
    level: 2,
    custom_feature_enabled: true,
  });
}

export function subscribeOperation(assetIds: readonly string[]): string {
  return JSON.stringify({ operation: "subscribe", assets_ids: assetIds, initial_dump: true });
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}
