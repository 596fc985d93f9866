/**
 * Wires the parts of the simulated venue together. Randomness: one fork per consumer, taken in a
 * fixed order, so adding draws in one consumer does not shift any other's numbers.
 */
import type { Clock } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import type { MarketEvent } from "../../agents/runtime/venue.ts";
import type { SimVenueConfig } from "./config.ts";
import { binaryDepth } from "./binary-book.ts";
import { Exchange } from "./exchange.ts";
import { MarketGenerator } from "./generator.ts";
import { DeadManSwitch } from "./heartbeat.ts";
import { Accounts, Ledger } from "./ledger.ts";
import { LiquidityProvider } from "./liquidity.ts";
import { Markets } from "./markets.ts";
import { Outbox } from "./outbox.ts";
import { UnderlyingModel } from "./price-model.ts";
import { Settlement } from "./settlement.ts";
import { Transport } from "./transport.ts";

export interface SimParts {
  cfg: SimVenueConfig;
  clock: Clock;
  ledger: Ledger;
  accounts: Accounts;
  markets: Markets;
  outbox: Outbox;
  exchange: Exchange;
  settlement: Settlement;
  model: UnderlyingModel;
  generator: MarketGenerator;
  transport: Transport;
  deadMan: DeadManSwitch;
}

export function assemble(
  clock: Clock,
  rng: Rng,
  startingCollateral: number,
  cfg: SimVenueConfig,
): SimParts {
  const rngPrice = rng.fork("venue-sim/price");
  const rngLiquidity = rng.fork("venue-sim/liquidity");
  const rngLatency = rng.fork("venue-sim/latency");
  const rngSettlement = rng.fork("venue-sim/settlement");
  const ledger = new Ledger(startingCollateral, cfg.startingAllowance ?? Number.MAX_SAFE_INTEGER);
  const accounts = new Accounts(ledger);
  const markets = new Markets(cfg);
  // The outbox renders books lazily, after the exchange exists.
  const parts: { exchange?: Exchange } = {};
  const outbox = new Outbox(
    (tokenId) =>
      parts.exchange === undefined
        ? null
        : renderBook(tokenId, markets, parts.exchange, cfg, clock),
    (tokenId) => parts.exchange?.complementOf(tokenId),
  );
  const settlement = new Settlement(clock, rngSettlement, cfg.trades, accounts, outbox);
  const exchange = new Exchange({ clock, cfg, markets, accounts, outbox, settlement });
  parts.exchange = exchange;
  const u = cfg.underlying;
  const model = new UnderlyingModel(rngPrice, u.initialPrice, u.volAnnual, u.stepMs, clock.now());
  const liquidity = new LiquidityProvider(rngLiquidity, cfg, exchange);
  const generator = new MarketGenerator({
    clock,
    cfg,
    markets,
    exchange,
    settlement,
    accounts,
    outbox,
    model,
    liquidity,
  });
  const transport = new Transport(clock, rngLatency, cfg.latency);
  const deadMan = new DeadManSwitch(clock, cfg.heartbeatTimeoutMs, () => {
    exchange.cancelAllSelf("HEARTBEAT");
  });
  return {
    cfg,
    clock,
    ledger,
    accounts,
    markets,
    outbox,
    exchange,
    settlement,
    model,
    generator,
    transport,
    deadMan,
  };
}

type BookBody = Omit<Extract<MarketEvent, { type: "book" }>, "seq">;

function renderBook(
  tokenId: string,
  markets: Markets,
  exchange: Exchange,
  cfg: SimVenueConfig,
  clock: Clock,
): BookBody | null {
  const ref = markets.token(tokenId);
  const book = exchange.books.get(tokenId);
  const other = exchange.complementOf(tokenId);
  const complement = other === undefined ? undefined : exchange.books.get(other);
  if (ref === undefined || (book === undefined && complement === undefined)) return null;
  // One binary book: this token's orders plus the mirror of its complement's (binary-book.ts).
  return {
    type: "book",
    tokenId,
    windowId: ref.windowId,
    ts: clock.now(),
    bids: binaryDepth(book, complement, "BUY", cfg.bookDepthMax),
    asks: binaryDepth(book, complement, "SELL", cfg.bookDepthMax),
    tickSize: ref.window.tickSize,
    minSize: ref.window.minSize,
  };
}
