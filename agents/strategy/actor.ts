/**
 * The Strategy actor: keeps windows (durable md.window), books (md.book) and the CRO's trading
 * state (cro.state); evaluates every enabled strategy on each book update of an OPEN, started
 * window (and on a timer, so a quiet book does not skip a time slot); turns a Signal into a
 * `strategy.intent` for the CRO. It never talks to Execution, and emits nothing unless the last
 * cro.state is ACTIVE and fresh. At most `entriesPerWindowMax` entries per strategy per window.
 * While its bus connection is down it emits nothing, and forgets the trading state and books it
 * held: after the reconnect it acts again only on a cro.state and books heard since.
 */
import type { Cause, Payload } from "../../bus/messages.ts";
import type { BusStatus } from "../../bus/port.ts";
import type { CroState } from "../../contracts/cro.ts";
import type { MdBook, MdWindow } from "../../contracts/market-data.ts";
import { Actor, type ActorContext, type Delivery } from "../runtime/actor.ts";
import { invariant } from "../runtime/errors.ts";
import type { ActiveStrategy, StrategyConfig } from "./config.ts";
import { checkSignal, croGate, windowGate, type CroSeen } from "./gate.ts";
import { MarketView, type WindowInfo } from "./market-view.ts";
import type { Signal } from "./strategy.ts";

/** Windows that ended this long ago without a RESOLVED are forgotten. */
const ENDED_GRACE_MS = 300_000;

export class StrategyActor extends Actor {
  private readonly view: MarketView;
  private lastCro: CroSeen | null = null;
  private busUp = true;
  private unsubscribeStatus: (() => void) | null = null;
  /** windowId → strategy → entry intents emitted (or found in the store at start). */
  private readonly entries = new Map<string, Map<string, number>>();
  private readonly counts = { intents: 0, suppressed: 0, badSignals: 0, evaluateErrors: 0 };

  constructor(
    ctx: ActorContext,
    private readonly strategies: readonly ActiveStrategy[],
    private readonly config: StrategyConfig,
  ) {
    super(ctx);
    this.view = new MarketView(config);
  }

  async start(): Promise<void> {
    this.busUp = this.ctx.bus.status() === "connected";
    this.unsubscribeStatus = this.ctx.bus.onStatus((status) => {
      this.onBusStatus(status);
    });
    this.ctx.on("cro.state", (m) => {
      this.onCroState(m);
    });
    this.ctx.on("md.book", (m) => this.onBook(m));
    this.ctx.on("md.underlying", (m) => {
      this.view.applyUnderlying(m, this.ctx.clock.now());
    });
    // Replayed from the stream at every start: a restarted (or an added) replica knows every window.
    await this.ctx.onDurable("md.window", { durable: "strategy-windows", replay: true }, (m, d) =>
      this.onWindow(m, d),
    );
    this.ctx.every(this.config.evaluateIntervalMs, "strategy.evaluate", () => this.evaluateAll());
  }

  override stop(): Promise<void> {
    this.release();
    return Promise.resolve();
  }

  override release(): void {
    this.unsubscribeStatus?.();
    this.unsubscribeStatus = null;
  }

  /** Fail closed: a lost connection makes what was heard stale; nothing is emitted until back. */
  private onBusStatus(status: BusStatus): void {
    const up = status === "connected";
    if (up === this.busUp) return;
    this.busUp = up;
    if (up) {
      this.ctx.log.info("bus back: waiting for a fresh cro.state and books");
      return;
    }
    this.lastCro = null;
    this.view.dropBooks();
    this.ctx.log.warn({ status }, "bus down: trading state and books dropped, emitting nothing");
  }

  override describe(): Record<string, unknown> {
    return {
      busUp: this.busUp,
      strategies: this.strategies.map((a) => a.strategy.name),
      windows: this.view.windows.size,
      croState: this.lastCro?.state ?? null,
      ...this.counts,
    };
  }

  private onCroState(m: CroState): void {
    if (this.lastCro !== null && m.ts < this.lastCro.ts) return;
    if (this.lastCro?.state !== m.state) {
      this.ctx.log.info(
        { from: this.lastCro?.state ?? null, to: m.state, epoch: m.epoch },
        "cro.state",
      );
    }
    this.lastCro = { state: m.state, ts: m.ts, epoch: m.epoch };
  }

  private async onWindow(m: MdWindow, d: Delivery): Promise<void> {
    // Entries already made survive a restart through the orders they became. A store error
    // throws before anything changed, so the redelivery starts clean.
    if (!this.view.windows.has(m.windowId) && m.status !== "RESOLVED") {
      this.entries.set(m.windowId, await this.storedEntries(m.windowId));
    }
    const change = this.view.applyWindow(m);
    if (change === "resolved") this.entries.delete(m.windowId);
    if (change !== "ignored")
      d.log.debug({ windowId: m.windowId, status: m.status, change }, "window");
  }

  private async storedEntries(windowId: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const o of await this.ctx.store.listOrders({ windowId })) {
      if (o.kind === "ENTRY") counts.set(o.strategy, (counts.get(o.strategy) ?? 0) + 1);
    }
    return counts;
  }

  private async onBook(m: MdBook): Promise<void> {
    const window = this.view.applyBook(m, this.ctx.clock.now());
    if (window !== null) await this.evaluate(window, { id: m.id, correlationId: m.correlationId });
  }

  private async evaluateAll(): Promise<void> {
    const now = this.ctx.clock.now();
    for (const windowId of this.view.pruneEnded(now, ENDED_GRACE_MS)) this.entries.delete(windowId);
    for (const w of [...this.view.windows.values()]) {
      const latest = this.view.book(w.upTokenId) ?? this.view.book(w.downTokenId);
      await this.evaluate(w, latest?.cause ?? null);
    }
  }

  private async evaluate(w: WindowInfo, cause: Cause | null): Promise<void> {
    const now = this.ctx.clock.now();
    // Invariant: a strategy may never act on a window that has not started (nor a closed one).
    if (!windowGate(w, now).ok) return;
    const pending = this.strategies.filter(
      (a) =>
        a.strategy.instruments.some((p) => w.slug.startsWith(p)) &&
        this.entriesOf(w.windowId, a.strategy.name) < this.config.entriesPerWindowMax,
    );
    if (pending.length === 0) return;
    const gate = croGate(this.lastCro, now, this.config.croSilenceMs);
    if (!gate.ok || !this.busUp) {
      this.counts.suppressed++;
      return;
    }
    for (const a of pending) {
      const state = this.view.windowState(w, now, this.entriesOf(w.windowId, a.strategy.name));
      const signal = this.run(a, state);
      if (signal !== null) await this.emit(a, w, signal, cause);
    }
  }

  /** A strategy bug is logged and counted; it never takes the agent down. */
  private run(a: ActiveStrategy, state: ReturnType<MarketView["windowState"]>): Signal | null {
    try {
      return a.strategy.evaluate(state, a.params);
    } catch (error) {
      this.counts.evaluateErrors++;
      this.ctx.log.error({ err: error, strategy: a.strategy.name }, "strategy evaluate threw");
      return null;
    }
  }

  private async emit(a: ActiveStrategy, w: WindowInfo, signal: Signal, cause: Cause | null) {
    const name = a.strategy.name;
    const checked = checkSignal(signal, w);
    if (!checked.ok) {
      this.counts.badSignals++;
      this.ctx.log.warn({ strategy: name, reason: checked.reason, signal }, "bad signal dropped");
      return;
    }
    const now = this.ctx.clock.now();
    // The pair of the window gate above, checked where the intent is made.
    invariant(now >= w.startTs, `strategy ${name} acting on window ${w.windowId} before its start`);
    this.bumpEntries(w.windowId, name);
    const book = this.view.book(signal.tokenId);
    const payload: Payload<"strategy.intent"> = {
      intentId: `int-${this.ctx.rng.uuid()}`,
      strategy: name,
      windowId: w.windowId,
      tokenId: signal.tokenId,
      kind: "ENTRY",
      side: signal.side,
      orderType: signal.orderType,
      limitPrice: signal.limitPrice,
      size: signal.size,
      expiresAt: null,
      positionId: `pos-${this.ctx.rng.uuid()}`,
      exitReason: null,
      bookSeq: book?.seq ?? null,
      reason: signal.reason.slice(0, 500),
    };
    try {
      await this.ctx.publish("strategy.intent", payload, book?.cause ?? cause);
      this.counts.intents++;
      this.ctx.log.info({ ...payload }, "entry intent");
    } catch (error) {
      // Not retried: a new intent id could double the entry if this one did land.
      this.ctx.log.error({ err: error, intentId: payload.intentId }, "intent publish failed");
      return;
    }
    await this.auditSignal(w, signal, payload, book?.cause ?? cause);
  }

  /**
   * The audit trail's first links: the signal and both books exactly as the strategy saw them when
   * it decided. Written after the publish, off the tick-to-order path; a failed write is logged.
   */
  private async auditSignal(
    w: WindowInfo,
    signal: Signal,
    intent: Payload<"strategy.intent">,
    cause: Cause | null,
  ): Promise<void> {
    const seen = (tokenId: string) => {
      const b = this.view.book(tokenId);
      if (b === null) return null;
      const { seq, bids, asks, sourceTs, receiveTs, seenAt } = b;
      return { tokenId, seq, bids, asks, sourceTs, receiveTs, seenAt };
    };
    try {
      await this.ctx.store.appendAudit({
        ts: this.ctx.clock.now(),
        agent: this.ctx.identity.agent,
        kind: "strategy.signal",
        correlationId: cause?.correlationId ?? null,
        intentId: intent.intentId,
        orderId: null,
        positionId: intent.positionId,
        decisionId: null,
        detail: {
          strategy: intent.strategy,
          windowId: w.windowId,
          windowEndTs: w.endTs,
          signal,
          books: { up: seen(w.upTokenId), down: seen(w.downTokenId) },
        },
      });
    } catch (error) {
      this.ctx.log.error({ err: error, intentId: intent.intentId }, "signal audit failed");
    }
  }

  private entriesOf(windowId: string, strategy: string): number {
    return this.entries.get(windowId)?.get(strategy) ?? 0;
  }

  private bumpEntries(windowId: string, strategy: string): void {
    const perWindow = this.entries.get(windowId) ?? new Map<string, number>();
    perWindow.set(strategy, (perWindow.get(strategy) ?? 0) + 1);
    this.entries.set(windowId, perWindow);
  }
}
