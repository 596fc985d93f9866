/**
 * The live adapter's user stream (infra/venue-live/user-stream.ts) with a fake socket and a fake
 * REST side on a virtual clock (issue 17): REST polls only while the socket is down, one catch-up
 * on every open, a slow reconciliation while up; each trade status and order state reported once
 * whichever path saw it first, never an older state after a newer one, and an order's fill never
 * before the trades it counts.
 */
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import type { UserEvent, VenueOrder, VenueTrade } from "../../../agents/runtime/venue.ts";
import {
  HOLD_CATCH_UP_MS,
  SECOND_CATCH_UP_MS,
  UserStream,
  type UserSocket,
} from "../../../infra/venue-live/user-stream.ts";
import type { UserWsOptions, UserWsStats } from "../../../infra/venue-live/user-ws.ts";
import {
  ourTrades,
  parseUserMessage,
  venueOrderOf,
  type Ours,
  type UserOrder,
  type UserTrade,
} from "../../../infra/venue-live/user-wire.ts";

const H = "0xour-order";
const POLL_MS = 1_000;
const RECONCILE_MS = 30_000;
const ours: Ours = {
  address: "0xme",
  apiKey: "key",
  clientIdOf: (id) => (id === H ? "c-1" : undefined),
  windowOf: () => "w",
};

function wireOrder(status: string, matched: string, size = "10"): UserOrder {
  const m = parseUserMessage({
    event_type: "order",
    type: "UPDATE",
    id: H,
    asset_id: "tok",
    side: "BUY",
    original_size: size,
    size_matched: matched,
    price: "0.4",
    status,
    order_type: "GTC",
    created_at: "1700000000",
    expiration: "0",
  });
  if (m.kind !== "order") throw new Error(JSON.stringify(m));
  return m.order;
}

function wireTrade(id: string, status: string, size: string): UserTrade {
  const m = parseUserMessage({
    event_type: "trade",
    type: "TRADE",
    id,
    taker_order_id: "0xsomeone",
    asset_id: "tok",
    side: "SELL",
    size,
    price: "0.4",
    status,
    match_time: "1700000001",
    last_update: "1700000002",
    trader_side: "MAKER",
    maker_orders: [
      { order_id: H, maker_address: "0xme", matched_amount: size, price: "0.4", asset_id: "tok" },
    ],
  });
  if (m.kind !== "trade") throw new Error(JSON.stringify(m));
  return m.trade;
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function setup() {
  const clock = new VirtualClock();
  const rest = { order: null as VenueOrder | null, trades: [] as VenueTrade[], reads: 0 };
  let handlers: UserWsOptions | null = null;
  const socket: { -readonly [K in keyof UserSocket]: UserSocket[K] } = {
    open: false,
    stats: {} as UserWsStats,
    start: () => undefined,
    drop: () => undefined,
    close: () => undefined,
  };
  const stream = new UserStream({
    clock,
    rng: new SeededRng(1),
    socketUrl: "ws://fake/ws/user",
    creds: { key: "key", secret: "s", passphrase: "p" },
    pollMs: POLL_MS,
    reconcileMs: RECONCILE_MS,
    ours,
    getOrder: () => Promise.resolve(rest.order),
    trades: () => {
      rest.reads++;
      return Promise.resolve(rest.trades);
    },
    socket: (o) => {
      handlers = o;
      return socket;
    },
  });
  stream.track(H);
  const events: string[] = [];
  stream.subscribe((e: UserEvent) => {
    events.push(
      e.type === "trade"
        ? `trade ${e.trade.tradeId} ${e.trade.status} ${e.trade.size}`
        : `${e.event} ${e.order.filledSize}`,
    );
  });
  const ws = (): UserWsOptions => {
    if (handlers === null) throw new Error("no socket");
    return handlers;
  };
  const open = async (): Promise<void> => {
    socket.open = true;
    ws().onOpen();
    await flush();
  };
  const down = (): void => {
    socket.open = false;
    ws().onDown();
  };
  return { clock, rest, events, ws, open, down, stream };
}

const restTrade = (id: string, status: string, size: string): VenueTrade[] =>
  ourTrades(wireTrade(id, status, size), ours);
const restOrder = (status: string, matched: string): VenueOrder =>
  venueOrderOf(wireOrder(status, matched), ours, 0);

describe("user stream: socket first, REST as fallback and catch-up", () => {
  it("polls every pollMs while down, catches up at once on open, then only every reconcileMs", async () => {
    const s = setup();
    await s.clock.advance(POLL_MS);
    await s.clock.advance(POLL_MS);
    expect(s.rest.reads).toBe(2);
    await s.open();
    expect(s.rest.reads).toBe(3); // the catch-up
    await s.clock.advance(SECOND_CATCH_UP_MS);
    expect(s.rest.reads).toBe(4); // the second one, once the subscribe has surely landed
    await s.clock.advance(RECONCILE_MS - 1);
    expect(s.rest.reads).toBe(4);
    await s.clock.advance(1);
    expect(s.rest.reads).toBe(5); // the reconciliation
    s.down();
    await s.clock.advance(POLL_MS);
    expect(s.rest.reads).toBe(6); // the fallback
    s.stream.close();
  });

  it("an order's fill seen on the socket before its trade waits for the trade", async () => {
    const s = setup();
    await s.open();
    s.ws().onOrder(wireOrder("LIVE", "0"));
    s.ws().onOrder(wireOrder("MATCHED", "10"));
    expect(s.events).toEqual(["placed 0"]);
    s.ws().onTrade(wireTrade("t1", "MATCHED", "10"));
    expect(s.events).toEqual(["placed 0", `trade t1:${H} MATCHED 10000000`, "filled 10000000"]);
    s.stream.close();
  });

  it("a held fill whose trade never comes on the socket is settled by a REST read after 1 s", async () => {
    const s = setup();
    await s.open();
    s.ws().onOrder(wireOrder("MATCHED", "10"));
    s.rest.trades = restTrade("t1", "MATCHED", "10");
    expect(s.events).toEqual([]);
    await s.clock.advance(HOLD_CATCH_UP_MS);
    expect(s.events).toEqual([`trade t1:${H} MATCHED 10000000`, "filled 10000000"]);
    s.stream.close();
  });

  it("each trade status and order state once, whichever path saw it first; never backwards", async () => {
    const s = setup();
    await s.open();
    s.ws().onOrder(wireOrder("LIVE", "0"));
    s.ws().onTrade(wireTrade("t1", "MATCHED", "5"));
    s.ws().onOrder(wireOrder("LIVE", "5"));
    s.ws().onTrade(wireTrade("t1", "MINED", "5")); // still MATCHED to us
    // A REST read that began before all that: the order as placed, the trade as matched.
    s.rest.order = restOrder("LIVE", "0");
    s.rest.trades = restTrade("t1", "MATCHED", "5");
    await s.clock.advance(RECONCILE_MS);
    expect(s.events).toEqual([
      "placed 0",
      `trade t1:${H} MATCHED 5000000`,
      "partially_filled 5000000",
    ]);
    // REST sees the confirmation first; the socket's copy is not reported again.
    s.rest.trades = restTrade("t1", "CONFIRMED", "5");
    await s.clock.advance(RECONCILE_MS);
    s.ws().onTrade(wireTrade("t1", "CONFIRMED", "5"));
    s.ws().onTrade(wireTrade("t1", "MATCHED", "5"));
    // The rest of the order fills while the socket is down: the catch-up on open reports it once.
    s.down();
    s.rest.order = restOrder("MATCHED", "10");
    s.rest.trades = [...restTrade("t1", "CONFIRMED", "5"), ...restTrade("t2", "MATCHED", "5")];
    await s.open();
    s.ws().onTrade(wireTrade("t2", "MATCHED", "5"));
    s.ws().onOrder(wireOrder("MATCHED", "10"));
    await s.clock.advance(RECONCILE_MS);
    expect(s.events).toEqual([
      "placed 0",
      `trade t1:${H} MATCHED 5000000`,
      "partially_filled 5000000",
      `trade t1:${H} CONFIRMED 5000000`,
      `trade t2:${H} MATCHED 5000000`,
      "filled 10000000",
    ]);
    s.stream.close();
  });
});
