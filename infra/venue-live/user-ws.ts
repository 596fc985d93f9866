/**
 * A client for Polymarket's authenticated user channel (shared/reference/polymarket-api.md §2.1,
 * §2.3): one WebSocket to `/ws/user`, subscribed with the API key's credentials in the first
 * message (the channel takes the raw secret, no HMAC), the text `PING` every `pingIntervalMs`, and
 * a reconnect — exponential backoff with jitter from the Rng port — when the connection drops,
 * fails to open or goes silent. Timers come from the Clock port.
 *
 * Every frame goes through the zod parser (user-wire.ts). A frame that is malformed or of an
 * unknown type is counted and the first of each kind logged with a truncated sample; nothing a
 * frame holds can throw out of the socket's handler. `onOpen` fires once the subscribe is sent —
 * the caller's cue for a REST catch-up of whatever happened while the socket was down.
 */
import WebSocket from "ws";
import type { Clock, TimerHandle } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import type { Logger } from "../../agents/runtime/logger.ts";
import { backoffDelayMs } from "./market-ws.ts";
import { parseUserFrame, type UserOrder, type UserTrade } from "./user-wire.ts";

export interface UserWsOptions {
  /** e.g. ws://127.0.0.1:8080/ws/user */
  url: string;
  creds: { key: string; secret: string; passphrase: string };
  clock: Clock;
  rng: Rng;
  log?: Logger;
  /** Condition ids to follow; empty: every market of the API key. */
  markets?: readonly string[];
  pingIntervalMs?: number;
  silenceTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  connectTimeoutMs?: number;
  /** The subscribe went out: events flow from here on. */
  onOpen(): void;
  /** The connection is gone (a reconnect is scheduled unless closed). */
  onDown(): void;
  onOrder(order: UserOrder): void;
  onTrade(trade: UserTrade): void;
}

export const USER_WS_DEFAULTS = {
  pingIntervalMs: 10_000,
  silenceTimeoutMs: 30_000,
  backoffInitialMs: 250,
  backoffMaxMs: 30_000,
  connectTimeoutMs: 10_000,
} as const;

/** Distinct rejection reasons logged with a sample; later ones are only counted. */
const LOGGED_REASONS_MAX = 50;
const SAMPLE_CHARS_MAX = 200;

export interface UserWsStats {
  state: "CONNECTING" | "OPEN" | "BACKOFF" | "CLOSED";
  connects: number;
  reconnects: number;
  frames: number;
  orders: number;
  trades: number;
  /** Frames or events that failed validation. */
  malformed: number;
  /** Events of an event_type this client does not know, and unknown text frames. */
  unknown: number;
  /** A listener threw on a valid event (a bug downstream; the socket carries on). */
  handlerErrors: number;
  lastFrameAt: number | null;
}

export class UserWsClient {
  private readonly s: { [K in keyof typeof USER_WS_DEFAULTS]: number };
  private ws: WebSocket | null = null;
  private attempt = 0;
  private ping: TimerHandle | null = null;
  private retry: TimerHandle | null = null;
  private connectTimer: TimerHandle | null = null;
  private closed = false;
  private readonly loggedReasons = new Set<string>();
  readonly stats: UserWsStats = {
    state: "CLOSED",
    connects: 0,
    reconnects: 0,
    frames: 0,
    orders: 0,
    trades: 0,
    malformed: 0,
    unknown: 0,
    handlerErrors: 0,
    lastFrameAt: null,
  };

  constructor(private readonly o: UserWsOptions) {
    this.s = {
      pingIntervalMs: o.pingIntervalMs ?? USER_WS_DEFAULTS.pingIntervalMs,
      silenceTimeoutMs: o.silenceTimeoutMs ?? USER_WS_DEFAULTS.silenceTimeoutMs,
      backoffInitialMs: o.backoffInitialMs ?? USER_WS_DEFAULTS.backoffInitialMs,
      backoffMaxMs: o.backoffMaxMs ?? USER_WS_DEFAULTS.backoffMaxMs,
      connectTimeoutMs: o.connectTimeoutMs ?? USER_WS_DEFAULTS.connectTimeoutMs,
    };
  }

  get open(): boolean {
    return this.stats.state === "OPEN";
  }

  start(): void {
    if (this.closed || this.stats.state !== "CLOSED") return;
    this.connect();
  }

  /** Drops the connection as a network fault would (tests, chaos); it reconnects. */
  drop(): void {
    this.ws?.terminate();
  }

  close(): void {
    this.closed = true;
    this.stopTimers();
    this.stats.state = "CLOSED";
    const ws = this.ws;
    this.ws = null;
    ws?.removeAllListeners();
    ws?.on("error", () => undefined);
    ws?.terminate();
  }

  /** One frame as received: parsed, validated, delivered; never throws. */
  handleFrame(text: string): void {
    this.stats.frames++;
    this.stats.lastFrameAt = this.o.clock.now();
    if (text === "PONG") return;
    for (const msg of parseUserFrame(text)) {
      try {
        if (msg.kind === "order") {
          this.stats.orders++;
          this.o.onOrder(msg.order);
        } else if (msg.kind === "trade") {
          this.stats.trades++;
          this.o.onTrade(msg.trade);
        } else if (msg.kind === "malformed") {
          this.stats.malformed++;
          this.reject("malformed", msg.reason, text);
        } else if (msg.unknown) {
          this.stats.unknown++;
          this.reject("unknown", msg.reason, text);
        }
      } catch (error) {
        this.stats.handlerErrors++;
        this.reject("handler", (error as Error).message, text);
      }
    }
  }

  private reject(kind: string, reason: string, text: string): void {
    const key = `${kind}: ${reason}`;
    if (this.loggedReasons.has(key) || this.loggedReasons.size >= LOGGED_REASONS_MAX) return;
    this.loggedReasons.add(key);
    const sample =
      text.length > SAMPLE_CHARS_MAX ? `${text.slice(0, SAMPLE_CHARS_MAX)}…(${text.length})` : text;
    this.o.log?.warn({ kind, reason, sample }, "user ws: message not used (logged once)");
  }

  private connect(): void {
    if (this.closed) return;
    this.stats.state = "CONNECTING";
    this.stats.connects++;
    const ws = new WebSocket(this.o.url, { handshakeTimeout: this.s.connectTimeoutMs });
    this.ws = ws;
    const clock = this.o.clock;
    this.connectTimer = clock.setTimer(this.s.connectTimeoutMs, () => {
      this.connectTimer = null;
      if (this.ws === ws && this.stats.state === "CONNECTING") ws.terminate();
    });
    ws.on("open", () => {
      if (this.ws !== ws) return;
      this.clear("connectTimer");
      this.stats.state = "OPEN";
      this.attempt = 0;
      this.stats.lastFrameAt = clock.now();
      ws.send(
        JSON.stringify({
          type: "user",
          auth: {
            apiKey: this.o.creds.key,
            secret: this.o.creds.secret,
            passphrase: this.o.creds.passphrase,
          },
          markets: this.o.markets ?? [],
        }),
      );
      this.ping = clock.setInterval(this.s.pingIntervalMs, () => {
        this.keepAlive(ws);
      });
      this.o.log?.info({}, "user ws open");
      this.o.onOpen();
    });
    ws.on("message", (data: WebSocket.RawData) => {
      if (this.ws === ws) this.handleFrame(rawText(data));
    });
    ws.on("error", (error: Error) => {
      this.o.log?.warn({ err: error.message }, "user ws error");
    });
    ws.on("close", (code: number, reason: Buffer) => {
      if (this.ws === ws) this.onClosed(code, reason.toString("utf8"));
    });
  }

  private keepAlive(ws: WebSocket): void {
    const silentMs = this.o.clock.now() - (this.stats.lastFrameAt ?? 0);
    if (silentMs > this.s.silenceTimeoutMs) {
      this.o.log?.warn({ silentMs }, "user ws silent: reconnecting");
      ws.terminate();
      return;
    }
    if (ws.readyState === WebSocket.OPEN) ws.send("PING");
  }

  private onClosed(code: number, reason: string): void {
    this.stopTimers();
    this.ws = null;
    if (this.closed) {
      this.stats.state = "CLOSED";
      return;
    }
    this.stats.state = "BACKOFF";
    this.stats.reconnects++;
    const delayMs = backoffDelayMs(
      this.attempt++,
      this.s.backoffInitialMs,
      this.s.backoffMaxMs,
      this.o.rng.float(),
    );
    // 1008: the venue refused the credentials; the message never carries them.
    this.o.log?.warn({ code, reason, delayMs }, "user ws closed: reconnecting");
    this.retry = this.o.clock.setTimer(delayMs, () => {
      this.retry = null;
      this.connect();
    });
    this.o.onDown();
  }

  private stopTimers(): void {
    this.clear("ping");
    this.clear("retry");
    this.clear("connectTimer");
  }

  private clear(key: "ping" | "retry" | "connectTimer"): void {
    const t = this[key];
    if (t !== null) this.o.clock.clearTimer(t);
    this[key] = null;
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}
