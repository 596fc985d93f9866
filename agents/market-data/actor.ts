/**
 * The MarketData actor: feed events → L2 books with seq/gap checks → md.book / md.trade / md.window,
 * and md.health on a timer. Not a singleton.
 *
 * Feed events are handled in the feed's listener, not through the mailbox. The state change is
 * synchronous (book-state.ts), so it cannot interleave with a mailbox handler half-way, and a
 * mailbox hop would cost a timer tick (≥ 1 ms on the system clock) on the tick-to-order path.
 */
import { CompletenessTracker } from "./completeness.ts";
import type { Payload } from "../../bus/messages.ts";
import type { BusStatus } from "../../bus/port.ts";
import type { MessageType } from "../../contracts/registry.ts";
import { Actor, type ActorContext } from "../runtime/actor.ts";
import type { MarketEvent, VenueMarket } from "../runtime/venue.ts";
import {
  applyEvent,
  applyMarket,
  countRejection,
  newBookState,
  pruneResolved,
  type BookState,
  type FeedGap,
  type Outcome,
  type RejectReason,
  type TokenBook,
} from "./book-state.ts";
import type { MarketDataConfig } from "./config.ts";
import { parseMarketEvent } from "./events.ts";
import type { MarketFeed } from "./feed.ts";
import { computeHealth, type FeedStatus } from "./health.ts";
import {
  applyTick,
  newUnderlyingState,
  prunePricesToBeat,
  underlyingStatus,
  type UnderlyingState,
} from "./underlying.ts";

export class MarketDataActor extends Actor {
  readonly state: BookState = newBookState();
  /** The underlying and each window's price to beat; null when the feed has no price socket. */
  readonly underlying: UnderlyingState | null;
  private unsubscribeUnderlying: (() => void) | null = null;
  private readonly startedAt: number;
  /** Events received while the market list loads; null once live. */
  private buffer: { raw: unknown; receiveTs: number }[] | null = [];
  private unsubscribe: (() => void) | null = null;
  private unsubscribeStatus: (() => void) | null = null;
  private busUp = true;
  /** The market list is being re-read (resync); when it was last asked for. */
  private resyncing = false;
  private lastResyncAt = Number.NEGATIVE_INFINITY;
  private status: FeedStatus | null = null;
  /** Which 1-second buckets of the current and last window heard the feed (md.health). */
  private readonly completeness = new CompletenessTracker();
  private readonly counts = { received: 0, published: 0, publishFailures: 0, bufferDropped: 0 };
  /** md.health and feed_gaps allow 64 characters. */
  private readonly feedName: string;

  constructor(
    ctx: ActorContext,
    private readonly feed: MarketFeed,
    private readonly config: MarketDataConfig,
  ) {
    super(ctx);
    this.startedAt = ctx.clock.now();
    this.feedName = feed.name.slice(0, 64) || "feed";
    this.underlying = feed.subscribeUnderlying === undefined ? null : newUnderlyingState();
  }

  start(): Promise<void> {
    // Subscribe first and hold events, so nothing between the market list and the stream is lost.
    this.unsubscribe = this.feed.subscribe((e) => {
      this.receive(e);
    });
    this.unsubscribeUnderlying =
      this.feed.subscribeUnderlying?.((tick) => {
        this.onTick(tick);
      }) ?? null;
    this.ctx.every(this.config.healthIntervalMs, "md.health", () => this.publishHealth());
    this.busUp = this.ctx.bus.status() === "connected";
    this.unsubscribeStatus = this.ctx.bus.onStatus((status) => {
      this.onBusStatus(status);
    });
    void this.loadMarkets();
    return Promise.resolve();
  }

  override stop(): Promise<void> {
    this.release();
    return Promise.resolve();
  }

  override release(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.unsubscribeUnderlying?.();
    this.unsubscribeUnderlying = null;
    this.unsubscribeStatus?.();
    this.unsubscribeStatus = null;
  }

  override describe(): Record<string, unknown> {
    return {
      feed: this.feedName,
      status: this.status,
      windows: this.state.windows.size,
      tokens: this.state.tokens.size,
      gapsTotal: this.state.gapsTotal,
      rejected: Object.fromEntries(this.state.rejected),
      ...(this.underlying === null
        ? {}
        : {
            underlying: {
              symbols: this.underlying.latest.size,
              pricesToBeat: this.underlying.priceToBeat.size,
              rejected: { ...this.underlying.rejected },
            },
          }),
      ...this.counts,
    };
  }

  /**
   * Books (core messages) published while the bus was down are lost, and agents that lost it too
   * dropped theirs: once it is back, every window and every fresh, gap-free book goes out again.
   * Windows are deduplicated by the stream; a book keeps its seq, so who has it ignores it.
   */
  private onBusStatus(status: BusStatus): void {
    const up = status === "connected";
    if (up === this.busUp) return;
    this.busUp = up;
    if (!up) {
      this.ctx.log.warn({ status }, "bus down: books published now are lost");
      return;
    }
    this.ctx.after(0, "md.resync", async () => {
      // Window events published while the bus was down are lost too: learn them from the venue.
      await this.resync("bus back");
      this.republish();
    });
  }

  /**
   * Re-reads the venue's market list and applies what changed (window status only moves forward).
   * Never throws; one at a time. A failure is logged and retried at the next trigger.
   */
  private async resync(why: string): Promise<void> {
    if (this.resyncing || this.buffer !== null) return;
    this.resyncing = true;
    this.lastResyncAt = this.ctx.clock.now();
    try {
      const markets = await this.feed.markets();
      const now = this.ctx.clock.now();
      let changed = 0;
      for (const m of markets) {
        const outcome = applyMarket(this.state, m, now);
        if (outcome.kind === "window") changed++;
        if (outcome.kind === "rejected") countRejection(this.state, outcome.reason);
        this.act(outcome);
      }
      this.ctx.log.info({ why, markets: markets.length, changed }, "market list re-read");
    } catch (error) {
      this.ctx.log.warn({ err: error, why, feed: this.feedName }, "market list re-read failed");
    } finally {
      this.resyncing = false;
    }
  }

  private republish(): void {
    const now = this.ctx.clock.now();
    let books = 0;
    for (const w of this.state.windows.values()) this.send("md.window", windowPayload(w.market));
    for (const t of this.state.tokens.values()) {
      const fresh = t.lastSeenAt !== null && now - t.lastSeenAt <= this.config.staleAfterMs;
      if (t.book === null || t.gap || !fresh) continue;
      this.send("md.book", bookPayload(t.book));
      books++;
    }
    this.ctx.log.info({ windows: this.state.windows.size, books }, "bus back: republished");
  }

  private async loadMarkets(): Promise<void> {
    let markets: VenueMarket[] = [];
    try {
      markets = await this.feed.markets();
    } catch (error) {
      this.ctx.log.warn({ err: error, feed: this.feedName }, "market list unavailable; going live");
    }
    const now = this.ctx.clock.now();
    for (const m of markets) {
      const outcome = applyMarket(this.state, m, now);
      if (outcome.kind === "rejected") countRejection(this.state, outcome.reason);
      this.act(outcome);
    }
    const held = this.buffer ?? [];
    this.buffer = null;
    for (const { raw, receiveTs } of held) this.handle(raw, receiveTs);
    this.ctx.log.info({ feed: this.feedName, markets: markets.length, held: held.length }, "live");
  }

  private receive(raw: unknown): void {
    const receiveTs = this.ctx.clock.now();
    this.counts.received++;
    this.completeness.record(receiveTs);
    if (this.buffer === null) this.handle(raw, receiveTs);
    else if (this.buffer.length < this.config.startBufferMax) this.buffer.push({ raw, receiveTs });
    else this.counts.bufferDropped++;
  }

  /** Never throws: a bad event is counted and logged, whatever it is. */
  private handle(raw: unknown, receiveTs: number): void {
    try {
      const parsed = parseMarketEvent(raw);
      if (!parsed.ok) {
        this.rejected("SHAPE", parsed.detail, countRejection(this.state, "SHAPE"));
        return;
      }
      this.act(applyEvent(this.state, parsed.event, receiveTs), parsed.event);
    } catch (error) {
      this.ctx.log.error({ err: error }, "feed event handling failed; event dropped");
    }
  }

  /**
   * One tick of the underlying: checked, applied, published as md.underlying with the prices to
   * beat of its symbol's windows. Never throws; a bad tick is counted and logged with a sample.
   */
  private onTick(raw: unknown): void {
    const u = this.underlying;
    if (u === null) return;
    try {
      const receiveTs = this.ctx.clock.now();
      const out = applyTick(u, this.windowsNow(), raw, receiveTs);
      if (out.kind === "rejected") {
        const count = u.rejected.malformed + u.rejected.outOfOrder;
        if (count !== 1 && count % this.config.rejectLogEvery !== 0) return;
        let sample = "(not serialisable)";
        try {
          sample = `${JSON.stringify(raw) as string | undefined}`.slice(0, 200);
        } catch {
          // A cycle or a BigInt: the reason alone is logged.
        }
        this.ctx.log.warn({ reason: out.reason, detail: out.detail, count, sample }, "bad tick");
        return;
      }
      this.send("md.underlying", {
        symbol: out.tick.symbol,
        price: out.tick.price,
        origin: out.tick.origin,
        sourceTs: out.tick.ts,
        receiveTs: out.tick.receiveTs,
        windows: out.windows,
      });
    } catch (error) {
      this.ctx.log.error({ err: error }, "underlying tick handling failed; tick dropped");
    }
  }

  private *windowsNow(): Iterable<VenueMarket> {
    for (const w of this.state.windows.values()) yield w.market;
  }

  private act(outcome: Outcome, event?: MarketEvent): void {
    switch (outcome.kind) {
      case "book":
        this.send("md.book", bookPayload(outcome.book));
        return;
      case "gap":
        this.recordGap(outcome.gap);
        return;
      case "trade":
        this.send("md.trade", outcome.trade);
        return;
      case "window":
        this.send("md.window", windowPayload(outcome.market));
        return;
      case "tick":
        this.ctx.log.info(
          { tokenId: outcome.tokenId, tickSize: outcome.tickSize },
          "tick size changed",
        );
        return;
      case "ignored":
        return;
      case "rejected":
        this.rejected(
          outcome.reason,
          outcome.detail,
          this.state.rejected.get(outcome.reason) ?? 1,
          event,
        );
        return;
    }
  }

  private recordGap(gap: FeedGap): void {
    const now = this.ctx.clock.now();
    this.ctx.log.warn(
      { ...gap, feed: this.feedName },
      "feed gap: token GAP until a contiguous snapshot",
    );
    this.ctx.store
      .recordFeedGap({ feed: this.feedName, ...gap, ts: now })
      .catch((error: unknown) => {
        this.ctx.log.error({ err: error, ...gap }, "recording feed gap failed");
      });
  }

  private rejected(reason: RejectReason, detail: string, count: number, event?: MarketEvent): void {
    if (count !== 1 && count % this.config.rejectLogEvery !== 0) return;
    const tokenId = event !== undefined && "tokenId" in event ? event.tokenId : undefined;
    this.ctx.log.warn({ reason, detail, count, tokenId }, "bad feed event rejected");
  }

  private send<T extends MessageType>(type: T, payload: Payload<T>): void {
    this.ctx.publish(type, payload).then(
      () => {
        this.counts.published++;
      },
      (error: unknown) => {
        this.counts.publishFailures++;
        this.ctx.log.error({ err: error, type }, "publish failed");
      },
    );
  }

  private async publishHealth(): Promise<void> {
    const now = this.ctx.clock.now();
    pruneResolved(this.state, now, this.config.resolvedRetainMs);
    const books = computeHealth(this.state, now, this.startedAt, this.config);
    // The underlying counts like any other feed: the report is the worse of the two.
    let h = books;
    if (this.underlying !== null) {
      prunePricesToBeat(this.underlying, (id) => this.state.windows.has(id));
      const u = underlyingStatus(this.underlying, now, this.startedAt, this.config);
      if (STATUS_RANK[u] > STATUS_RANK[books.status]) h = { ...books, status: u };
    }
    const unhealthy = h.staleTokens.length > 0 || h.gapTokens.length > 0 || h.status === "DOWN";
    if (unhealthy && now - this.lastResyncAt >= this.config.resyncMinIntervalMs) {
      void this.resync(`feed ${h.status}`);
    }
    if (h.status !== this.status) {
      const log =
        h.status === "OK"
          ? this.ctx.log.info.bind(this.ctx.log)
          : this.ctx.log.warn.bind(this.ctx.log);
      log(
        { from: this.status, to: h.status, stale: h.staleTokens.length, gaps: h.gapTokens },
        "feed health",
      );
      this.status = h.status;
    }
    const payload: Payload<"md.health"> = {
      feed: this.feedName,
      status: h.status,
      staleTokens: h.staleTokens,
      lastMessageAgeMs: h.lastMessageAgeMs,
      gapsTotal: h.gapsTotal,
      completeness: this.completeness.report(now),
    };
    try {
      await this.ctx.publish("md.health", payload);
    } catch (error) {
      this.ctx.log.error({ err: error }, "md.health publish failed");
    }
  }
}

/** Worst last, as computeHealth orders them. */
const STATUS_RANK: Record<FeedStatus, number> = { OK: 0, STALE: 1, GAP: 2, DOWN: 3 };

function bookPayload(b: TokenBook): Payload<"md.book"> {
  return {
    tokenId: b.tokenId,
    windowId: b.windowId,
    seq: b.seq,
    sourceTs: b.sourceTs,
    receiveTs: b.receiveTs,
    tickSize: b.tickSize,
    minSize: b.minSize,
    bids: [...b.bids],
    asks: [...b.asks],
  };
}

function windowPayload(m: VenueMarket): Payload<"md.window"> {
  return {
    windowId: m.windowId,
    slug: m.slug,
    startTs: m.startTs,
    endTs: m.endTs,
    upTokenId: m.upTokenId,
    downTokenId: m.downTokenId,
    tickSize: m.tickSize,
    minSize: m.minSize,
    feeRateBps: m.feeRateBps,
    status: m.status,
    outcome: m.outcome,
  };
}
