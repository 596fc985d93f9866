/**
 * The console's server for component tests: the real routes (infra/app/http.ts) on a MemoryStore
 * with known trades and a fake CRO behind the Operator port, reached by a `fetch` stub through
 * fastify's inject (no port). A fake WebSocket stands in for /api/events, driven by the test.
 */
import { vi } from "vitest";
import { VirtualClock } from "../../bus/clock.ts";
import type { ConsoleSnapshot, ServerFrame } from "../../contracts/console.ts";
import type { OpsReply } from "../../contracts/ops.ts";
import { ConsoleHub } from "../../infra/app/console/hub.ts";
import { buildApi } from "../../infra/app/http.ts";
import type { Operator, OperatorCommand } from "../../infra/app/operator.ts";
import type { FillRecord, PositionRecord } from "../../agents/runtime/store.ts";
import { MemoryStore } from "../../infra/store/memory.ts";

export const TOKEN = "operator-token-0123456789";
export const VIEW = "viewer-token-0123456789ab";
export const T0 = 1_767_225_600_000;

export interface Sent {
  command: OperatorCommand;
  reason: string;
}

/** A CRO that agrees, or refuses every command with `refusal`. */
export function fakeOperator(refusal: string | null = null): Operator & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    send(command, _actor, reason) {
      sent.push({ command, reason });
      const reply: OpsReply = {
        id: "r",
        type: "ops.reply",
        v: 1,
        ts: T0,
        source: { agent: "cro", instance: "1" },
        correlationId: "c",
        causationId: null,
        ok: refusal === null,
        error: refusal,
        state: "PAUSED",
        detail: refusal === null ? "PAUSED, operator hold on" : "",
      };
      return Promise.resolve(reply);
    },
  };
}

export function fill(n: number, strategy: string, windowId: string, positionId: string) {
  const f: FillRecord = {
    tradeId: `t${String(n).padStart(3, "0")}`,
    orderId: `o${n}`,
    venueOrderId: null,
    intentId: `i${n}`,
    positionId,
    strategy,
    windowId,
    tokenId: `tok${n % 2}`,
    kind: "ENTRY",
    side: "BUY",
    price: 510_000,
    size: 2_000_000,
    fee: 1_000,
    liquidity: "TAKER",
    status: "CONFIRMED",
    intendedPrice: 500_000,
    mode: "PAPER",
    ts: T0 + n * 1000,
    updatedAt: T0 + n * 1000,
  };
  return f;
}

export function position(id: string, state: PositionRecord["state"], pnl: number): PositionRecord {
  return {
    positionId: id,
    strategy: "momentum",
    windowId: "btc-updown-15m-1",
    tokenId: "tok-up",
    mode: "PAPER",
    state,
    size: 2_000_000,
    provisionalSize: 0,
    avgEntryPrice: 500_000,
    costBasis: 1_000_000,
    fees: 1_000,
    realizedPnl: pnl,
    unrealizedPnl: 40_000,
    markPrice: 520_000,
    exitReason: null,
    openedAt: T0,
    closedAt: state === "CLOSED" ? T0 + 5000 : null,
    machineVersion: 1,
    snapshot: {},
    updatedAt: T0,
  };
}

/** 30 trades: momentum on window A (won), canary on window B (lost), momentum on C (open). */
export async function seededStore(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.savePosition(position("pA", "CLOSED", 300_000));
  await store.savePosition(position("pB", "CLOSED", -200_000));
  await store.savePosition(position("pC", "MONITORING", 0));
  for (let n = 1; n <= 30; n++) {
    const [strategy, windowId, pos] =
      n <= 10
        ? ["momentum", "btc-updown-15m-100", "pA"]
        : n <= 20
          ? ["canary", "eth-updown-15m-200", "pB"]
          : ["momentum", "btc-updown-15m-300", "pC"];
    await store.recordFill(fill(n, strategy, windowId, pos));
  }
  return store;
}

/** Serves `fetch` from the real API; `requests` lists every path asked for. */
export async function fakeServer(options: { refusal?: string | null; store?: MemoryStore } = {}) {
  const clock = new VirtualClock(T0);
  const hub = new ConsoleHub({ clock, stream: "s1", mode: "PAPER", store: "embedded" });
  const store = options.store ?? (await seededStore());
  const operator = fakeOperator(options.refusal ?? null);
  const api = buildApi({
    token: TOKEN,
    viewToken: VIEW,
    operator,
    status: () => Promise.resolve({ cro: null, agents: [], unhealthy: [], healthy: false }),
    metrics: { text: () => Promise.resolve(""), contentType: "text/plain" },
    console: { hub, store, clock, staticDir: null },
  });
  const requests: string[] = [];
  const fetchStub = async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const path = url.startsWith("/") ? url : new URL(url).pathname + new URL(url).search;
    requests.push(path);
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => {
      headers[k] = v;
    });
    const method = (init?.method ?? "GET") as "GET" | "POST";
    const r = await api.inject({
      method,
      url: path,
      headers,
      ...(typeof init?.body === "string" ? { payload: init.body } : {}),
    });
    return new Response(r.body, {
      status: r.statusCode,
      headers: { "content-type": r.headers["content-type"] ?? "" },
    });
  };
  vi.stubGlobal("fetch", vi.fn(fetchStub));
  return { api, hub, store, operator, requests, clock };
}

/** A stand-in for the browser's WebSocket: the test opens, feeds and closes it. */
export class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static instances: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(): void {
    this.readyState = FakeSocket.CLOSED;
  }

  /** The server side: open, then welcome and reset as the real stream does. */
  accept(role: "operator" | "viewer" = "operator"): void {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
    this.frame({ type: "welcome", role, stream: "s1", lastId: 0 });
    this.frame({ type: "reset", stream: "s1", lastId: 0 });
  }

  frame(f: ServerFrame): void {
    this.onmessage?.({ data: JSON.stringify(f) });
  }

  drop(code = 1006): void {
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.({ code });
  }

  static install(): void {
    FakeSocket.instances = [];
    vi.stubGlobal("WebSocket", FakeSocket);
  }

  static last(): FakeSocket {
    const s = FakeSocket.instances.at(-1);
    if (s === undefined) throw new Error("no WebSocket was opened");
    return s;
  }
}

/** A minimal snapshot; override what a test looks at. */
export function snapshotOf(over: Partial<ConsoleSnapshot> = {}): ConsoleSnapshot {
  return {
    stream: "s1",
    lastId: 0,
    now: T0,
    mode: "PAPER",
    store: "embedded",
    cro: null,
    balance: 100_000_000,
    pnl: { gross: 0, fees: 0, net: 0 },
    pnlSeries: [],
    positions: [],
    strategies: [],
    windows: [],
    books: [],
    feeds: [],
    assertions: [],
    agents: [],
    exits: [],
    recon: null,
    controls: {},
    ...over,
  };
}
