/**
 * The market-channel WebSocket client against a local `ws` server playing Polymarket's market
 * channel: subscribe + initial dump, PING/PONG, reconnect with backoff and a fresh snapshot (no
 * ghost levels), silence detection, sharding, de-duplication, tick-size resync via REST.
 */
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import type { AddressInfo } from "node:net";
import { SystemClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import {
  backoffDelayMs,
  MarketWsClient,
  type MarketWsOptions,
} from "../../../infra/venue-live/market-ws.ts";
import type { BookEffect } from "../../../infra/venue-live/book.ts";

const M = 1_000_000;

interface FakeChannel {
  url: string;
  /** Every text frame received, per connection, in order. */
  received: string[][];
  sockets: WebSocket[];
  /** What to send right after a subscribe: the initial dump for those assets. */
  dump: (assets: string[], connection: number) => object[];
  answerPing: boolean;
  close(): Promise<void>;
}

async function startChannel(): Promise<FakeChannel> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) =>
    server.once("listening", () => {
      resolve();
    }),
  );
  const channel: FakeChannel = {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws/market`,
    received: [],
    sockets: [],
    dump: (assets) => assets.map((a) => book(a, 1000, [["0.40", "10"]], [["0.60", "10"]])),
    answerPing: true,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of server.clients) s.terminate();
        server.close(() => {
          resolve();
        });
      }),
  };
  server.on("connection", (socket) => {
    const index = channel.sockets.length;
    channel.sockets.push(socket);
    const frames: string[] = [];
    channel.received.push(frames);
    socket.on("message", (data) => {
      const text = (data as Buffer).toString("utf8");
      frames.push(text);
      if (text === "PING") {
        if (channel.answerPing) socket.send("PONG");
        return;
      }
      const msg = JSON.parse(text) as { assets_ids?: string[] };
      // The initial dump arrives as one array frame, as the real service sends it.
      socket.send(JSON.stringify(channel.dump(msg.assets_ids ?? [], index)));
    });
  });
  return channel;
}

function book(assetId: string, ts: number, bids: string[][], asks: string[][]): object {
  const lv = ([price, size]: string[]) => ({ price, size });
  return {
    event_type: "book",
    market: "0xm",
    asset_id: assetId,
    timestamp: String(ts),
    bids: bids.map(lv),
    asks: asks.map(lv),
    tick_size: "0.01",
  };
}

async function waitFor(what: string, condition: () => boolean, boundMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > boundMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let channel: FakeChannel | null = null;
let client: MarketWsClient | null = null;

afterEach(async () => {
  client?.close();
  client = null;
  await channel?.close();
  channel = null;
});

async function setup(options: Partial<MarketWsOptions> = {}) {
  const ch = await startChannel();
  channel = ch;
  const c = new MarketWsClient({
    url: ch.url,
    clock: new SystemClock(),
    rng: new SeededRng(7),
    backoffInitialMs: 20,
    backoffMaxMs: 100,
    ...options,
  });
  client = c;
  const effects: BookEffect[] = [];
  c.onEffect((e) => effects.push(e));
  return { ch, c, effects };
}

describe("MarketWsClient", () => {
  it("subscribes with an initial dump and applies the books and deltas", async () => {
    const { ch, c } = await setup();
    c.watch(["A", "B"]);
    await waitFor("both books", () => c.books.view("B")?.status === "LIVE");
    expect(JSON.parse(ch.received[0]?.[0] ?? "{}")).toEqual({
      type: "market",
      assets_ids: ["A", "B"],
      initial_dump: true,
      level: 2,
      custom_feature_enabled: true,
    });
    ch.sockets[0]?.send(
      JSON.stringify({
        event_type: "price_change",
        market: "0xm",
        timestamp: "1001",
        price_changes: [
          {
            asset_id: "A",
            price: "0.45",
            size: "3",
            side: "BUY",
            best_bid: "0.45",
            best_ask: "0.6",
          },
        ],
      }),
    );
    await waitFor("the delta", () => c.books.view("A")?.bestBid === 450_000);
    expect(c.books.view("A")?.bids).toEqual([
      { price: 450_000, size: 3 * M },
      { price: 400_000, size: 10 * M },
    ]);
    expect(c.health().status).toBe("UP");
  });

  it("sends PING on schedule and records the PONG", async () => {
    const { ch, c } = await setup({ pingIntervalMs: 30 });
    c.watch(["A"]);
    await waitFor("a PONG", () => c.health().connections[0]?.lastPongAt != null);
    expect(ch.received[0]).toContain("PING");
  });

  it("reconnects after a drop, records the gap and replaces the book with the fresh snapshot", async () => {
    const { ch, c, effects } = await setup();
    c.watch(["A"]);
    await waitFor("first book", () => c.books.view("A")?.status === "LIVE");
    // The second connection's dump has different levels: nothing of the first may survive.
    ch.dump = (assets, connection) =>
      assets.map((a) =>
        connection === 0
          ? book(a, 1000, [["0.40", "10"]], [["0.60", "10"]])
          : book(a, 2000, [["0.30", "5"]], [["0.70", "6"]]),
      );
    ch.sockets[0]?.terminate();
    await waitFor("second connection", () => ch.sockets.length === 2);
    await waitFor("fresh book", () => c.books.view("A")?.ts === 2000);
    expect(effects).toContainEqual({
      kind: "resync",
      assetId: "A",
      reason: "RECONNECT",
      gap: true,
    });
    const view = c.books.view("A");
    expect(view?.bids).toEqual([{ price: 300_000, size: 5 * M }]);
    expect(view?.asks).toEqual([{ price: 700_000, size: 6 * M }]);
    // Resubscribed with the same assets.
    expect(JSON.parse(ch.received[1]?.[0] ?? "{}")).toMatchObject({ assets_ids: ["A"] });
    await waitFor("UP again", () => c.health().status === "UP");
    expect(c.health().reconnectsTotal).toBe(1);
    expect(c.books.stats.gaps).toBe(1);
  });

  it("a connection that goes silent (no PONG) is dropped and replaced", async () => {
    const { ch, c } = await setup({ pingIntervalMs: 20, silenceTimeoutMs: 60 });
    ch.answerPing = false;
    c.watch(["A"]);
    await waitFor("a second connection", () => ch.sockets.length >= 2);
    expect(c.health().reconnectsTotal).toBeGreaterThanOrEqual(1);
  });

  it("shards beyond the per-connection subscription limit", async () => {
    const { ch, c } = await setup({ assetsPerConnectionMax: 2 });
    c.watch(["A", "B", "C", "D", "E"]);
    await waitFor("five books", () =>
      ["A", "B", "C", "D", "E"].every((a) => c.books.view(a)?.status === "LIVE"),
    );
    const subscribed = ch.received.map(
      (frames) => (JSON.parse(frames[0] ?? "{}") as { assets_ids: string[] }).assets_ids,
    );
    expect(subscribed.sort()).toEqual([["A", "B"], ["C", "D"], ["E"]]);
    expect(c.health().connections.map((x) => x.assets)).toEqual([2, 2, 1]);
    // A sixth asset joins the last connection with a dynamic subscribe, not a new connection.
    c.watch(["F"]);
    await waitFor("sixth book", () => c.books.view("F")?.status === "LIVE");
    expect(ch.sockets).toHaveLength(3);
  });

  it("skips a re-delivered message", async () => {
    const { ch, c } = await setup();
    c.watch(["A"]);
    await waitFor("book", () => c.books.view("A")?.status === "LIVE");
    const delta = JSON.stringify({
      event_type: "price_change",
      market: "0xm",
      timestamp: "1001",
      price_changes: [{ asset_id: "A", price: "0.41", size: "1", side: "BUY" }],
    });
    ch.sockets[0]?.send(delta);
    ch.sockets[0]?.send(delta);
    await waitFor("duplicate counted", () => c.books.stats.duplicates === 1);
    expect(c.books.view("A")?.depth.bidSize).toBe(11 * M);
  });

  it("a tick-size change drops the book and fetches a fresh snapshot over REST", async () => {
    const fetched: string[] = [];
    const { ch, c, effects } = await setup({
      fetchBook: (assetId) => {
        fetched.push(assetId);
        // The REST GET /book body: no event_type, best last, the new tick.
        return Promise.resolve({
          ...book(assetId, 3000, [["0.401", "2"]], [["0.599", "2"]]),
          event_type: undefined,
          tick_size: "0.001",
        });
      },
    });
    c.watch(["A"]);
    await waitFor("book", () => c.books.view("A")?.status === "LIVE");
    ch.sockets[0]?.send(
      JSON.stringify({
        event_type: "tick_size_change",
        market: "0xm",
        asset_id: "A",
        timestamp: "1500",
        old_tick_size: "0.01",
        new_tick_size: "0.001",
      }),
    );
    await waitFor("fresh snapshot", () => c.books.view("A")?.ts === 3000);
    expect(fetched).toEqual(["A"]);
    expect(effects).toContainEqual({
      kind: "resync",
      assetId: "A",
      reason: "TICK_SIZE_CHANGE",
      gap: false,
    });
    expect(c.books.view("A")).toMatchObject({
      status: "LIVE",
      tickSize: 1_000,
      bestBid: 401_000,
      bestAsk: 599_000,
    });
  });

  it("backoff doubles up to the cap, with half of it jittered", () => {
    // ceiling = min(max, initial·2^attempt); delay = ceiling/2 + ceiling/2 · unit.
    expect([0, 1, 2, 3, 10].map((a) => backoffDelayMs(a, 250, 30_000, 0))).toEqual([
      125, 250, 500, 1000, 15_000,
    ]);
    expect(backoffDelayMs(3, 250, 30_000, 0.5)).toBe(1500); // 1000 + 1000·0.5
    expect(backoffDelayMs(40, 250, 30_000, 0.999_999)).toBe(30_000);
  });
});
