/**
 * Our trades after the match: MATCHED at once (the ledger moves provisionally), then CONFIRMED
 * after a delay — or FAILED, which reverses exactly what the match moved. The fate is drawn at
 * match time, one draw per trade, so the random stream does not depend on timing.
 *
 * A FAILED reversal can leave a negative share balance if the shares were sold meanwhile; the
 * venue allows selling provisional shares, so that mismatch is real and left for reconciliation.
 */
import type { Clock } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import type { VenueTrade } from "../../agents/runtime/venue.ts";
import { notional } from "../../contracts/money.ts";
import type { SimVenueConfig } from "./config.ts";
import type { Accounts, Ledger } from "./ledger.ts";
import type { Outbox } from "./outbox.ts";
import { type Counterparty, type SimTrade, tradeView } from "./types.ts";

export class Settlement {
  /** Our trades in match order. */
  readonly trades: SimTrade[] = [];
  private readonly pending = new Map<string, SimTrade>();
  private readonly byId = new Map<string, SimTrade>();

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly cfg: SimVenueConfig["trades"],
    private readonly accounts: Accounts,
    private readonly outbox: Outbox,
  ) {}

  /** Records a fresh match of ours: moves the ledger, emits MATCHED, schedules the outcome. */
  record(view: VenueTrade, counterparty: Counterparty, account: string): SimTrade {
    const fate = this.rng.float() < this.cfg.failProbability ? "FAILED" : "CONFIRMED";
    const trade: SimTrade = { ...view, fate, counterparty, account, settleTimer: null };
    applyTrade(this.accounts.of(account), trade, 1);
    this.trades.push(trade);
    this.byId.set(trade.tradeId, trade);
    this.pending.set(trade.tradeId, trade);
    trade.settleTimer = this.clock.setTimer(this.cfg.confirmDelayMs, () => {
      this.finalize(trade);
    });
    this.outbox.user({ type: "trade", trade: tradeView(trade), ts: trade.matchedAt });
    return trade;
  }

  /** The other order of one of our trades (which token, side and price it traded). */
  counterpartyOf(tradeId: string): Counterparty | undefined {
    return this.byId.get(tradeId)?.counterparty;
  }

  /** Settles every pending trade on `tokenId` now (the market is resolving). */
  finalizeToken(tokenId: string): void {
    for (const t of [...this.pending.values()]) {
      if (t.tokenId !== tokenId) continue;
      if (t.settleTimer !== null) this.clock.clearTimer(t.settleTimer);
      this.finalize(t);
    }
  }

  pendingCount(): number {
    return this.pending.size;
  }

  private finalize(t: SimTrade): void {
    if (!this.pending.delete(t.tradeId)) return;
    t.settleTimer = null;
    t.status = t.fate;
    t.updatedAt = this.clock.now();
    if (t.fate === "FAILED") applyTrade(this.accounts.of(t.account), t, -1);
    this.outbox.user({ type: "trade", trade: tradeView(t), ts: t.updatedAt });
  }
}

/**
 * What one trade does to our cash and shares; `sign` −1 undoes it. The fee is charged in
 * collateral on both sides — the venue doc leaves BUY fees in shares unconfirmed (§4.3 and
 * Appendix B.6), and collateral keeps share counts equal to the fills.
 */
export function applyTrade(ledger: Ledger, t: VenueTrade, sign: 1 | -1): void {
  const value = notional(t.size, t.price);
  const cash = t.side === "BUY" ? -(value + t.fee) : value - t.fee;
  const shares = t.side === "BUY" ? t.size : -t.size;
  ledger.addCollateral(sign * cash);
  ledger.addShares(t.tokenId, sign * shares);
}
