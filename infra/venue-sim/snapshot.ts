/** A JSON-safe picture of the simulated venue, for operators, tests and measurements. */
import type { VenueMarket } from "../../agents/runtime/venue.ts";
import type { SimParts } from "./assemble.ts";
import type { MarketGenerator } from "./generator.ts";
import { marketView } from "./markets.ts";

export interface SimSnapshot {
  now: number;
  underlying: number;
  account: {
    collateral: number;
    reserved: number;
    allowance: number;
    positions: { tokenId: string; shares: number }[];
    openOrders: number;
    ordersTotal: number;
    trades: number;
    tradesPending: number;
  };
  markets: VenueMarket[];
  books: { tokenId: string; orders: number; bestBid: number | null; bestAsk: number | null }[];
  counters: {
    marketEvents: number;
    userEvents: number;
    droppedEvents: number;
    listenerErrors: number;
    matches: number;
    liquidityOrders: number;
    calls: number;
    timeouts: number;
    serverErrors: number;
    heartbeatExpiries: number;
  } & MarketGenerator["stats"];
}

export function takeSnapshot(s: SimParts, underlying: number): SimSnapshot {
  return {
    now: s.clock.now(),
    underlying,
    account: {
      collateral: s.ledger.collateral,
      reserved: s.ledger.reservedCollateral,
      allowance: s.ledger.allowance,
      positions: s.ledger.positions(),
      openOrders: s.exchange.restingSelf().length,
      ordersTotal: s.exchange.orders.size,
      trades: s.settlement.trades.length,
      tradesPending: s.settlement.pendingCount(),
    },
    markets: s.markets.all().map(marketView),
    books: [...s.exchange.books.values()].map((b) => ({
      tokenId: b.tokenId,
      orders: b.orderCount,
      bestBid: b.bestBid(),
      bestAsk: b.bestAsk(),
    })),
    counters: {
      marketEvents: s.outbox.counts.market,
      userEvents: s.outbox.counts.user,
      droppedEvents: s.outbox.counts.dropped,
      listenerErrors: s.outbox.listenerErrors,
      matches: s.exchange.stats.matches,
      liquidityOrders: s.exchange.stats.ordersLiquidity,
      calls: s.transport.stats.calls,
      timeouts: s.transport.stats.timeouts,
      serverErrors: s.transport.stats.serverErrors,
      heartbeatExpiries: s.deadMan.expiries,
      ...s.generator.stats,
    },
  };
}
