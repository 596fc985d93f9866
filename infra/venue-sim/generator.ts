/**
 * The market generator: lists 15-minute windows ahead, opens each at its start (recording the
 * underlying price), resolves it at its end (Up if close ≥ open), settles our positions at 1 or 0,
 * and has the liquidity providers requote the open window every few seconds.
 *
 * A venue started mid-window opens that window at once, at the price when it started.
 */
import type { Clock, TimerHandle } from "../../bus/clock.ts";
import { MICRO } from "../../contracts/money.ts";
import type { SimVenueConfig } from "./config.ts";
import type { Exchange } from "./exchange.ts";
import type { Accounts } from "./ledger.ts";
import type { LiquidityProvider } from "./liquidity.ts";
import { type Markets, type SimWindow, marketView } from "./markets.ts";
import type { Outbox } from "./outbox.ts";
import { type UnderlyingModel, upProbability } from "./price-model.ts";
import type { Settlement } from "./settlement.ts";

export interface GeneratorDeps {
  clock: Clock;
  cfg: SimVenueConfig;
  markets: Markets;
  exchange: Exchange;
  settlement: Settlement;
  accounts: Accounts;
  outbox: Outbox;
  model: UnderlyingModel;
  liquidity: LiquidityProvider;
}

export class MarketGenerator {
  private boundaryTimer: TimerHandle | null = null;
  private requoteTimer: TimerHandle | null = null;
  readonly stats = { listed: 0, opened: 0, resolved: 0, requotes: 0, tickSizeChanges: 0 };

  constructor(private readonly d: GeneratorDeps) {}

  start(): void {
    if (this.boundaryTimer !== null) return;
    this.onBoundary();
    if (this.d.cfg.liquidity.enabled) {
      this.requoteTimer = this.d.clock.setInterval(this.d.cfg.liquidity.requoteMs, () => {
        this.d.outbox.batch(() => {
          this.requoteAll();
        });
      });
    }
  }

  stop(): void {
    if (this.boundaryTimer !== null) this.d.clock.clearTimer(this.boundaryTimer);
    if (this.requoteTimer !== null) this.d.clock.clearTimer(this.requoteTimer);
    this.boundaryTimer = null;
    this.requoteTimer = null;
  }

  /** Resolves what ended, opens what started, lists ahead, prunes, then waits for the next. */
  private onBoundary(): void {
    const { clock, cfg, markets, outbox } = this.d;
    const now = clock.now();
    const currentStart = Math.floor(now / cfg.windowMs) * cfg.windowMs;
    outbox.batch(() => {
      for (let i = 0; i <= cfg.listAheadWindows; i++) this.list(currentStart + i * cfg.windowMs);
      // In start order; a window the clock skipped entirely opens and resolves at once.
      for (const w of markets.all()) {
        if (w.status === "LISTED" && w.startTs <= now) this.open(w);
        if (w.status === "OPEN" && w.endTs <= now) this.resolve(w);
      }
      const pruneBefore = now - cfg.resolvedRetainWindows * cfg.windowMs;
      for (const w of markets.all())
        if (w.status === "RESOLVED" && w.endTs <= pruneBefore) this.prune(w);
    });
    const next = currentStart + cfg.windowMs;
    this.boundaryTimer = clock.setTimer(next - now, () => {
      this.onBoundary();
    });
  }

  private list(startTs: number): void {
    const { markets } = this.d;
    const before = markets.all().length;
    const w = markets.list(startTs);
    if (markets.all().length === before) return;
    this.stats.listed++;
    this.emitWindow("listed", w);
  }

  private open(w: SimWindow): void {
    const now = this.d.clock.now();
    this.d.markets.open(w, this.d.model.priceAt(now));
    this.stats.opened++;
    this.emitWindow("opened", w);
    if (this.d.cfg.liquidity.enabled) this.requote(w, now);
  }

  private resolve(w: SimWindow): void {
    const { exchange, settlement, accounts, markets, model } = this.d;
    const outcome = markets.resolve(w, model.priceAt(w.endTs));
    for (const tokenId of [w.upTokenId, w.downTokenId]) {
      exchange.clearToken(tokenId, "MARKET_RESOLVED");
      settlement.finalizeToken(tokenId);
      // Each winning share redeems for 1.000000 collateral (so micro-shares map 1:1 to
      // micro-dollars); losing shares for nothing.
      const wins = (tokenId === w.upTokenId) === (outcome === "UP");
      for (const [, ledger] of accounts.all()) {
        const shares = ledger.sharesOf(tokenId);
        if (wins) ledger.addCollateral(shares);
        ledger.addShares(tokenId, -shares);
        ledger.clearToken(tokenId);
      }
    }
    this.stats.resolved++;
    this.emitWindow("resolved", w);
  }

  private prune(w: SimWindow): void {
    this.d.exchange.dropBook(w.upTokenId);
    this.d.exchange.dropBook(w.downTokenId);
    this.d.markets.prune(w);
  }

  private requoteAll(): void {
    const now = this.d.clock.now();
    for (const w of this.d.markets.all())
      if (w.status === "OPEN" && w.endTs > now) this.requote(w, now);
  }

  private requote(w: SimWindow, now: number): void {
    const { model, liquidity } = this.d;
    if (w.openPrice === null)
      throw new Error(`Invariant: requoting ${w.windowId} before it opened`);
    const p = upProbability(model.priceAt(now), w.openPrice, model.vol(), w.endTs - now);
    this.maybeRefineTick(w, p, now);
    liquidity.requote(w, p);
    this.stats.requotes++;
  }

  /** Near the edges the venue switches to a finer tick (reference/polymarket-api.md §4.1). */
  private maybeRefineTick(w: SimWindow, p: number, now: number): void {
    const { enabled, edgeMicro, fineTick } = this.d.cfg.tickSizeChange;
    const pMicro = Math.round(p * MICRO);
    if (!enabled || w.tickSize <= fineTick) return;
    if (pMicro >= edgeMicro && pMicro <= MICRO - edgeMicro) return;
    const oldTickSize = w.tickSize;
    w.tickSize = fineTick;
    this.stats.tickSizeChanges++;
    for (const tokenId of [w.upTokenId, w.downTokenId]) {
      this.d.outbox.market({
        type: "tick_size_change",
        tokenId,
        windowId: w.windowId,
        oldTickSize,
        newTickSize: fineTick,
        ts: now,
      });
      this.d.outbox.markDirty(tokenId);
    }
  }

  private emitWindow(event: "listed" | "opened" | "resolved", w: SimWindow): void {
    this.d.outbox.market({ type: "window", event, window: marketView(w), ts: this.d.clock.now() });
  }
}
