/**
 * An RTDS-compatible price socket (Polymarket's real-time data socket, reference §2.4) for the
 * simulated venue's underlying path: its own listener, as Polymarket's is its own host. A client
 * sends `{"action":"subscribe","subscriptions":[{"topic","type","filters"}]}` (the filter a JSON
 * string such as `{"symbol":"btc/usd"}`, empty for every symbol) and then gets one `update` frame
 * per tick of the path on each crypto price topic it asked for; `unsubscribe` stops a topic;
 * the text `PING` is answered `PONG`. The path is the one the windows settle on, so the outcome of
 * a window follows what the socket showed: Up iff the tick at its end ≥ the tick at its start.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { z } from "zod";
import type { UnderlyingTick, Venue } from "../../agents/runtime/venue.ts";

const TOPICS = [
  "crypto_prices_chainlink",
  "crypto_prices_twap_sixty",
  "crypto_prices_twap_thirty",
] as const;
type Topic = (typeof TOPICS)[number];

const subscription = z.object({
  topic: z.string(),
  type: z.string().optional(),
  filters: z.string().optional(),
});
const request = z.object({
  action: z.enum(["subscribe", "unsubscribe"]),
  subscriptions: z.array(subscription).max(100),
});

export interface RtdsEndpoint {
  /** e.g. ws://127.0.0.1:PORT */
  url: string;
  stats: { connections: number; frames: number; refused: number };
  /** Terminates every connection now (clients reconnect). Returns how many. */
  dropAll(): number;
  stop(): Promise<void>;
}

/** Serves `venue`'s underlying ticks; null when the venue has no price socket. */
export async function startRtdsEndpoint(
  venue: Venue,
  host: string,
  port = 0,
): Promise<RtdsEndpoint | null> {
  if (venue.subscribeUnderlying === undefined) return null;
  const server: Server = createServer((_req, res) => {
    res.writeHead(426).end("WebSocket only");
  });
  const wss = new WebSocketServer({ server });
  const subs = new Map<WebSocket, Map<Topic, string | null>>();
  const stats = { connections: 0, frames: 0, refused: 0 };
  const unsubscribe = venue.subscribeUnderlying((tick) => {
    for (const [ws, topics] of subs) {
      for (const [topic, symbol] of topics) {
        if (symbol !== null && symbol !== tick.symbol) continue;
        if (ws.readyState !== WebSocket.OPEN) continue;
        ws.send(JSON.stringify(updateFrame(topic, tick)));
        stats.frames++;
      }
    }
  });
  wss.on("connection", (ws) => {
    stats.connections++;
    subs.set(ws, new Map());
    ws.on("message", (data: Buffer) => {
      const text = data.toString("utf8");
      if (text === "PING") {
        ws.send("PONG");
        return;
      }
      const topics = subs.get(ws);
      if (topics === undefined) return;
      if (!apply(topics, text)) stats.refused++;
    });
    ws.on("close", () => {
      subs.delete(ws);
    });
    ws.on("error", () => {
      subs.delete(ws);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const addr = server.address() as AddressInfo;
  const h = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `ws://${h}:${addr.port}`,
    stats,
    dropAll() {
      const n = subs.size;
      for (const ws of subs.keys()) ws.terminate();
      return n;
    },
    async stop() {
      unsubscribe();
      for (const ws of subs.keys()) ws.terminate();
      await new Promise<void>((resolve) => {
        wss.close(() => {
          resolve();
        });
      });
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

/** A subscribe or unsubscribe request applied; false when it is not one (ignored). */
function apply(topics: Map<Topic, string | null>, text: string): boolean {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return false;
  }
  const r = request.safeParse(json);
  if (!r.success) return false;
  for (const s of r.data.subscriptions) {
    const topic = TOPICS.find((t) => t === s.topic);
    if (topic === undefined) continue;
    if (r.data.action === "unsubscribe") topics.delete(topic);
    else topics.set(topic, symbolOf(s.filters));
  }
  return true;
}

/** The `symbol` of a filter (`{"symbol":"btc/usd"}`); null (every symbol) when empty or unreadable. */
function symbolOf(filters: string | undefined): string | null {
  if (filters === undefined || filters === "") return null;
  try {
    const f = JSON.parse(filters) as { symbol?: unknown } | null;
    return typeof f?.symbol === "string" ? f.symbol.toLowerCase() : null;
  } catch {
    return null;
  }
}

/** The frame Polymarket sends for one price (ts-sdk `CryptoPrices*EventSchema`). */
function updateFrame(topic: Topic, tick: UnderlyingTick): Record<string, unknown> {
  const value = tick.price / 1_000_000;
  const payload: Record<string, unknown> = { symbol: tick.symbol, timestamp: tick.ts, value };
  if (topic !== "crypto_prices_chainlink") {
    // The TWAP topics carry the exact price as a signed E18 integer, and their window.
    payload.full_accuracy_value = (BigInt(tick.price) * 1_000_000_000_000n).toString();
    payload.window_s = topic === "crypto_prices_twap_sixty" ? 60 : 30;
  }
  return { topic, type: "update", timestamp: tick.ts, payload };
}
