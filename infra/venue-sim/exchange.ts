/**
 * The matching engine: books per token, our orders, and what a match does to them. Synchronous;
 * the SimVenue adds latency and faults around it. Each public method is one venue operation (one
 * `outbox.batch`), so each touched book gets exactly one snapshot event per operation.
 */
import type { Clock } from "../../bus/clock.ts";
import type { Side } from "../../contracts/common.ts";
import { takerFee } from "../../contracts/money.ts";
import type {
  CancelReason,
  CancelResult,
  PlaceOrderRequest,
  PlaceResult,
  VenueTrade,
} from "../../agents/runtime/venue.ts";
import type { SimVenueConfig } from "./config.ts";
import { checkFunds, checkMatchable, plannedSize } from "./admission.ts";
import { binaryTop, opposite, planBinary } from "./binary-book.ts";
import { matchIdFor, venueOrderIdFor } from "./ids.ts";
import { type Accounts, MAIN_ACCOUNT } from "./ledger.ts";
import type { Markets } from "./markets.ts";
import type { PlannedFill } from "./order-book.ts";
import { OrderLifecycle } from "./order-lifecycle.ts";
import type { Outbox } from "./outbox.ts";
import type { Settlement } from "./settlement.ts";
import { LP, SELF, type SimOrder, fillOf, orderView, remainingOf, tradeView } from "./types.ts";
import { type Rejection, reject, validateRequest } from "./validation.ts";

export interface ExchangeDeps {
  clock: Clock;
  cfg: SimVenueConfig;
  markets: Markets;
  accounts: Accounts;
  outbox: Outbox;
  settlement: Settlement;
}

export class Exchange extends OrderLifecycle {
  private readonly markets: Markets;
  private readonly settlement: Settlement;
  private readonly byClientId = new Map<string, SimOrder>();
  private nextOrder = 1;
  private nextSeq = 1;
  private nextMatch = 1;
  readonly stats = { ordersSelf: 0, ordersLiquidity: 0, matches: 0 };

  constructor(deps: ExchangeDeps) {
    super(deps.clock, deps.cfg, deps.accounts, deps.outbox);
    this.markets = deps.markets;
    this.settlement = deps.settlement;
  }

  /**
   * An order of `account` (the port's by default). Idempotent by clientOrderId: a repeat never
   * creates a second order.
   */
  place(req: PlaceOrderRequest, account: string = MAIN_ACCOUNT): PlaceResult {
    return this.outbox.batch(() => this.placeSelf(req, account));
  }

  /** A liquidity provider's GTC order (not balance-limited). Returns it, resting or not. */
  placeLiquidity(tokenId: string, side: Side, price: number, size: number): SimOrder {
    return this.outbox.batch(() => {
      const ref = this.markets.token(tokenId);
      if (ref === undefined || ref.window.status === "RESOLVED") {
        throw new Error(`Invariant: liquidity for a token that is not trading: ${tokenId}`);
      }
      const order = this.newOrder(LP, "", "", tokenId, ref.windowId, { side, price, size });
      this.stats.ordersLiquidity++;
      this.execute(order, this.plan(tokenId, side, price, size));
      return order;
    });
  }

  cancelAllSelf(reason: CancelReason): CancelResult {
    return this.outbox.batch(() => {
      const cancelled: string[] = [];
      for (const o of this.restingSelf()) {
        this.end(o, "CANCELLED", reason);
        cancelled.push(o.venueOrderId);
      }
      return { cancelled, notCancelled: {} };
    });
  }

  /** Removes every order on a token: ours cancelled with `reason`, the providers' withdrawn. */
  clearToken(tokenId: string, reason: CancelReason): void {
    this.outbox.batch(() => {
      for (const o of this.book(tokenId).all()) this.end(o, "CANCELLED", reason);
    });
  }

  /** Withdraws the providers' orders on a token (before a requote). */
  withdrawLiquidity(tokenId: string): void {
    this.outbox.batch(() => {
      for (const o of this.book(tokenId).ordersOf(LP)) this.end(o, "CANCELLED", "USER");
    });
  }

  /** The other outcome token of `tokenId`'s window; undefined once the window is pruned. */
  complementOf(tokenId: string): string | undefined {
    const w = this.markets.token(tokenId)?.window;
    if (w === undefined) return undefined;
    return w.upTokenId === tokenId ? w.downTokenId : w.upTokenId;
  }

  /** What a taker would match on the market's one binary book (binary-book.ts). */
  private plan(tokenId: string, side: Side, limit: number, size: number): PlannedFill[] {
    const other = this.complementOf(tokenId);
    const complement = other === undefined ? undefined : this.books.get(other);
    return planBinary(this.book(tokenId), complement, side, limit, size);
  }

  override assertInvariants(): void {
    super.assertInvariants();
    for (const w of this.markets.all()) {
      const { bid, ask } = binaryTop(this.books.get(w.upTokenId), this.books.get(w.downTokenId));
      if (bid !== null && ask !== null && bid >= ask) {
        throw new Error(`Invariant: binary book of ${w.windowId} crossed: ${bid} >= ${ask}`);
      }
    }
  }

  byClientOrderId(clientOrderId: string): SimOrder | undefined {
    return this.byClientId.get(clientOrderId);
  }

  tradesOf(venueOrderId: string): VenueTrade[] {
    return this.settlement.trades.filter((t) => t.venueOrderId === venueOrderId).map(tradeView);
  }

  private placeSelf(req: PlaceOrderRequest, account: string): PlaceResult {
    const prior = this.byClientId.get(req.clientOrderId);
    if (prior !== undefined) return this.repeat(prior, req);
    const ref = this.markets.token(req.tokenId);
    const invalid = validateRequest(req, ref?.window, this.cfg, this.clock.now());
    if (invalid !== null || ref === undefined) return rejected(invalid);
    const plan = this.plan(req.tokenId, req.side, req.price, req.size);
    const filled = plannedSize(plan);
    const rests = (req.orderType === "GTC" || req.orderType === "GTD") && filled < req.size;
    const refusal =
      checkMatchable(req, filled, this.cfg) ??
      checkFunds(req, plan, rests, ref.window.feeRateBps, this.accounts.of(account));
    if (refusal !== null) return rejected(refusal);
    const order = this.newOrder(SELF, account, req.clientOrderId, req.tokenId, ref.windowId, req);
    this.accept(order);
    this.byClientId.set(order.clientOrderId, order);
    this.stats.ordersSelf++;
    this.outbox.user({
      type: "order",
      event: "placed",
      order: orderView(order),
      ts: order.createdAt,
    });
    this.execute(order, plan);
    return this.accepted(order);
  }

  private repeat(prior: SimOrder, req: PlaceOrderRequest): PlaceResult {
    const same =
      prior.tokenId === req.tokenId &&
      prior.side === req.side &&
      prior.orderType === req.orderType &&
      prior.price === req.price &&
      prior.size === req.size &&
      prior.expiresAt === req.expiresAt;
    if (same) return this.accepted(prior);
    return rejected(
      reject(
        "DUPLICATE_CLIENT_ID",
        `clientOrderId ${req.clientOrderId} was used for another order`,
      ),
    );
  }

  private accepted(o: SimOrder): PlaceResult {
    return {
      outcome: "accepted",
      venueOrderId: o.venueOrderId,
      status: o.status,
      filledSize: o.filledSize,
      trades: this.tradesOf(o.venueOrderId),
    };
  }

  private newOrder(
    owner: SimOrder["owner"],
    account: string,
    clientOrderId: string,
    tokenId: string,
    windowId: string,
    spec: Partial<PlaceOrderRequest> & { side: Side; price: number; size: number },
  ): SimOrder {
    const now = this.clock.now();
    return {
      venueOrderId: venueOrderIdFor(this.nextOrder++),
      clientOrderId,
      owner,
      account,
      tokenId,
      windowId,
      side: spec.side,
      orderType: spec.orderType ?? "GTC",
      price: spec.price,
      size: spec.size,
      filledSize: 0,
      status: "OPEN",
      cancelReason: null,
      expiresAt: spec.expiresAt ?? null,
      createdAt: now,
      updatedAt: now,
      seq: this.nextSeq++,
      reserved: 0,
      expiryTimer: null,
    };
  }

  /** Applies the planned fills, then rests, completes or kills the remainder. */
  private execute(taker: SimOrder, plan: readonly PlannedFill[]): void {
    for (const f of plan) this.fill(taker, f);
    taker.updatedAt = this.clock.now();
    if (remainingOf(taker) === 0) {
      taker.status = "FILLED";
      this.notify(taker, "filled");
    } else if (taker.orderType === "FAK" || taker.orderType === "FOK") {
      taker.status = "CANCELLED";
      taker.cancelReason = "FAK_REMAINDER";
      this.notify(taker, "cancelled");
    } else {
      taker.status = taker.filledSize > 0 ? "PARTIALLY_FILLED" : "OPEN";
      this.rest(taker);
      if (taker.filledSize > 0) this.notify(taker, "partially_filled");
    }
  }

  /**
   * One trade: the taker against one maker order, at the maker's price. A maker on the
   * complementary token trades its own token at its own price (a mint or a merge), so both tokens
   * print a trade: the taker's at the taker's price, the maker's at 1 − that price.
   */
  private fill(taker: SimOrder, f: PlannedFill): void {
    const now = this.clock.now();
    const maker = f.maker;
    const matchId = matchIdFor(this.nextMatch++);
    this.stats.matches++;
    maker.filledSize += f.size;
    taker.filledSize += f.size;
    maker.updatedAt = now;
    maker.status = remainingOf(maker) === 0 ? "FILLED" : "PARTIALLY_FILLED";
    this.afterMakerFill(maker, f.size);
    this.outbox.markDirty(taker.tokenId);
    this.outbox.markDirty(maker.tokenId);
    const window = this.markets.token(taker.tokenId)?.window;
    const fee = takerFee(f.size, f.price, window?.feeRateBps ?? this.cfg.feeRateBps);
    if (taker.owner === SELF) {
      const counterparty = {
        tokenId: maker.tokenId,
        side: maker.side,
        price: f.makerPrice,
        ...selfOrder(maker),
      };
      this.settlement.record(
        fillOf(taker, matchId, f, fee, "TAKER", now),
        counterparty,
        taker.account,
      );
    }
    if (maker.owner === SELF) {
      const id = taker.owner === SELF ? `${matchId}-maker` : matchId;
      const makerFill = { price: f.makerPrice, size: f.size };
      const counterparty = {
        tokenId: taker.tokenId,
        side: taker.side,
        price: f.price,
        ...selfOrder(taker),
      };
      this.settlement.record(
        fillOf(maker, id, makerFill, 0, "MAKER", now),
        counterparty,
        maker.account,
      );
      this.notify(maker, maker.status === "FILLED" ? "filled" : "partially_filled");
    }
    this.outbox.market({
      type: "trade",
      tokenId: taker.tokenId,
      windowId: taker.windowId,
      tradeId: matchId,
      price: f.price,
      size: f.size,
      side: taker.side,
      ts: now,
    });
    if (maker.tokenId !== taker.tokenId) {
      this.outbox.market({
        type: "trade",
        tokenId: maker.tokenId,
        windowId: maker.windowId,
        tradeId: matchId,
        price: f.makerPrice,
        size: f.size,
        side: opposite(taker.side),
        ts: now,
      });
    }
  }
}

/** A trader's order's ids for its counterparty's trade record; nothing for a provider's. */
function selfOrder(o: SimOrder): { order?: { venueOrderId: string; clientOrderId: string } } {
  return o.owner === SELF
    ? { order: { venueOrderId: o.venueOrderId, clientOrderId: o.clientOrderId } }
    : {};
}

function rejected(r: Rejection | null): PlaceResult {
  const { code, message } = r ?? { code: "UNKNOWN_TOKEN", message: "unknown token" };
  return { outcome: "rejected", code, message };
}
