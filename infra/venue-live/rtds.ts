/**
 * A client for Polymarket's real-time data socket, crypto prices (reference §2.4; rtds-wire.ts):
 * one WebSocket, one subscription per symbol on one topic, the text `PING` every
 * `pingIntervalMs`, and a reconnect — exponential backoff with jitter from the Rng port — when the
 * connection drops or goes silent; the subscription is sent again on every open (the socket keeps
 * no state and replays nothing). Every frame is checked (rtds-wire.ts): an unknown or malformed
 * one is counted and logged once per reason with a cut sample, never passed on.
 */
import WebSocket from "ws";
import type { Clock, TimerHandle } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import type { Logger } from "../../agents/runtime/logger.ts";
import type { UnderlyingTick } from "../../agents/runtime/venue.ts";
import { backoffDelayMs } from "./market-ws.ts";
import { parseRtdsFrame, rtdsSubscribeMessage, type RtdsTopic } from "./rtds-wire.ts";

export interface RtdsOptions {
  /** e.g. ws://127.0.0.1:8080/rtds */
  url: string;
  topic: RtdsTopic;
  /** e.g. `btc/usd`. */
  symbols: readonly string[];
  clock: Clock;
  rng: Rng;
  log?: Logger;
  /** Polymarket asks for a PING every 5 s. */
  pingIntervalMs?: number;
  /** No frame at all (not even PONG) for this long: the connection is dead, reconnect. */
  silenceTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  connectTimeoutMs?: number;
}

export const RTDS_DEFAULTS = {
  pingIntervalMs: 5_000,
  silenceTimeoutMs: 20_000,
  backoffInitialMs: 250,
  backoffMaxMs: 30_000,
  connectTimeoutMs: 10_000,
} as const;

export interface RtdsStats {
  state: "CONNECTING" | "OPEN" | "BACKOFF" | "CLOSED";
  connects: number;
  reconnects: number;
  frames: number;
  ticks: number;
  unknown: number;
  malformed: number;
  lastFrameAt: number | null;
}

/** Distinct reasons logged with a sample; later ones are only counted. */
const LOGGED_REASONS_MAX = 50;

export class RtdsClient {
  private readonly listeners = new Set<(tick: UnderlyingTick) => void>();
  private readonly settings: { -readonly [K in keyof typeof RTDS_DEFAULTS]: number };
  private readonly logged = new Set<string>();
  private ws: WebSocket | null = null;
  private ping: TimerHandle | null = null;
  private retry: TimerHandle | null = null;
  private connectTimer: TimerHandle | null = null;
  private attempt = 0;
  private closed = false;
  private readonly s: RtdsStats = {
    state: "CLOSED",
    connects: 0,
    reconnects: 0,
    frames: 0,
    ticks: 0,
    unknown: 0,
    malformed: 0,
    lastFrameAt: null,
  };

  constructor(private readonly options: RtdsOptions) {
    this.settings = { ...RTDS_DEFAULTS };
    for (const key of Object.keys(RTDS_DEFAULTS) as (keyof typeof RTDS_DEFAULTS)[]) {
      const v = options[key];
      if (v !== undefined) this.settings[key] = v;
    }
    if (options.symbols.length === 0) throw new RangeError("RTDS client: no symbols to follow");
  }

  /** Starts the connection on the first listener. Returns the unsubscribe function. */
  subscribe(listener: (tick: UnderlyingTick) => void): () => void {
    this.listeners.add(listener);
    if (this.s.state === "CLOSED" && !this.closed) this.connect();
    return () => {
      this.listeners.delete(listener);
    };
  }

  stats(): RtdsStats {
    return { ...this.s };
  }

  /** Drops the connection as a network fault would (tests); it reconnects. */
  dropConnection(): void {
    this.ws?.terminate();
  }

  close(): void {
    this.closed = true;
    this.stopTimers();
    this.s.state = "CLOSED";
    const ws = this.ws;
    this.ws = null;
    ws?.removeAllListeners();
    ws?.on("error", () => undefined);
    ws?.terminate();
  }

  private connect(): void {
    if (this.closed) return;
    const { clock, log } = this.options;
    this.s.state = "CONNECTING";
    this.s.connects++;
    const ws = new WebSocket(this.options.url, {
      handshakeTimeout: this.settings.connectTimeoutMs,
    });
    this.ws = ws;
    this.connectTimer = clock.setTimer(this.settings.connectTimeoutMs, () => {
      this.connectTimer = null;
      if (this.ws === ws && this.s.state === "CONNECTING") ws.terminate();
    });
    ws.on("open", () => {
      if (this.ws !== ws) return;
      this.clear("connectTimer");
      this.s.state = "OPEN";
      this.attempt = 0;
      this.s.lastFrameAt = clock.now();
      ws.send(rtdsSubscribeMessage(this.options.topic, this.options.symbols));
      this.ping = clock.setInterval(this.settings.pingIntervalMs, () => {
        this.keepAlive(ws);
      });
      log?.info({ topic: this.options.topic, symbols: this.options.symbols }, "rtds open");
    });
    ws.on("message", (data: WebSocket.RawData) => {
      if (this.ws === ws) this.onFrame(rawText(data));
    });
    ws.on("error", (error: Error) => {
      log?.warn({ err: error.message }, "rtds error");
    });
    ws.on("close", () => {
      if (this.ws === ws) this.onClosed();
    });
  }

  private keepAlive(ws: WebSocket): void {
    const silentMs = this.options.clock.now() - (this.s.lastFrameAt ?? 0);
    if (silentMs > this.settings.silenceTimeoutMs) {
      this.options.log?.warn({ silentMs }, "rtds silent: reconnecting");
      ws.terminate();
      return;
    }
    if (ws.readyState === WebSocket.OPEN) ws.send("PING");
  }

  private onFrame(text: string): void {
    this.s.frames++;
    this.s.lastFrameAt = this.options.clock.now();
    for (const r of parseRtdsFrame(text)) {
      switch (r.kind) {
        case "ticks":
          for (const tick of r.ticks) {
            this.s.ticks++;
            for (const l of [...this.listeners]) l(tick);
          }
          break;
        case "ignored":
          break;
        case "unknown":
        case "malformed":
          this.s[r.kind]++;
          this.logOnce(r.kind, r.reason, text);
          break;
      }
    }
  }

  private logOnce(kind: string, reason: string, text: string): void {
    const key = `${kind}: ${reason}`;
    if (this.logged.has(key) || this.logged.size >= LOGGED_REASONS_MAX) return;
    this.logged.add(key);
    const sample = text.slice(0, 200);
    this.options.log?.warn({ kind, reason, sample }, "rtds frame not used (logged once)");
  }

  private onClosed(): void {
    this.stopTimers();
    this.ws = null;
    if (this.closed) {
      this.s.state = "CLOSED";
      return;
    }
    this.s.state = "BACKOFF";
    this.s.reconnects++;
    const { backoffInitialMs, backoffMaxMs } = this.settings;
    const delayMs = backoffDelayMs(
      this.attempt++,
      backoffInitialMs,
      backoffMaxMs,
      this.options.rng.float(),
    );
    this.options.log?.warn({ delayMs }, "rtds closed: reconnecting");
    this.retry = this.options.clock.setTimer(delayMs, () => {
      this.retry = null;
      this.connect();
    });
  }

  private stopTimers(): void {
    this.clear("ping");
    this.clear("retry");
    this.clear("connectTimer");
  }

  private clear(key: "ping" | "retry" | "connectTimer"): void {
    const t = this[key];
    if (t !== null) this.options.clock.clearTimer(t);
    this[key] = null;
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}
