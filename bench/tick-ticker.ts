/**
 * One measured tick: a book update whose best ask crosses the probe's threshold is published on
 * md.book, and the clock stops when the next order reaches the venue. Ticks are sequential (the
 * next starts only after the order is final at Execution, plus a short gap), so each measures an
 * idle pipeline, not a queue. That the order belongs to the tick is checked afterwards, against
 * the intent stored in JetStream (tick-hops.ts). Each window takes ORDERS_PER_WINDOW orders, two
 * per token (the CRO's default orders_per_window_max), then is resolved and a new one opened.
 */
import type { BenchWindow, MarketPlayer } from "./tick-market.ts";
import type { ArrivalVenue } from "./tick-venue.ts";
import type { PipelineWatch } from "./tick-watch.ts";

export const ORDERS_PER_WINDOW = 4;
/** The probe buys at or below ASK_MAX: measured ticks show ASK_TICK, every other book ASK_QUIET. */
export const ASK_MAX = 450_000;
const ASK_TICK = 400_000;
const ASK_QUIET = 550_000;
const TICK_TIMEOUT_MS = 5_000;
const WINDOW_SETUP_TIMEOUT_MS = 10_000;
/** Rest between ticks, after the previous order is final at Execution. */
const GAP_MS = 5;
/** Windows start this long ago (and a second apart), so all have started and none has ended. */
const FIRST_WINDOW_AGO_S = 600;
/** Durable consumers that must hold a window before its books are worth sending. */
/** The Strategy's and the CRO's md.window readers. */
const WINDOW_READERS = 2;
/** After delivery, for both to have handled the window before its first book. */
const WINDOW_HANDLED_MS = 100;

export interface Tick {
  tokenId: string;
  /** The book's seq: the intent must name it. */
  bookSeq: number;
  /** Epoch ms (sub-ms) just before the book was published. */
  publishedAt: number;
  orderId: string;
  /** Epoch ms (sub-ms) when the order reached the venue. */
  arrivedAt: number;
}

export class Ticker {
  private window: BenchWindow | null = null;
  private used = 0;
  private nextStartSeconds = Math.floor(Date.now() / 1000) - FIRST_WINDOW_AGO_S;

  constructor(
    private readonly market: MarketPlayer,
    private readonly venue: ArrivalVenue,
    private readonly watch: PipelineWatch,
  ) {}

  async ticks(count: number): Promise<Tick[]> {
    const out: Tick[] = [];
    for (let i = 0; i < count; i++) out.push(await this.tick());
    return out;
  }

  private async tick(): Promise<Tick> {
    const { window, tokenId } = await this.slot();
    const arrival = this.venue.nextArrival();
    const publishedAt = performance.timeOrigin + performance.now();
    const bookSeq = await this.market.book(window, tokenId, ASK_TICK);
    const { clientOrderId: orderId, at: arrivedAt } = await within(
      arrival,
      `order at the venue for book ${tokenId}#${bookSeq}`,
    );
    // The market moves back above the threshold: the probe's trigger is reset.
    await this.market.book(window, tokenId, ASK_QUIET);
    const done = await this.watch.orderFinal(orderId, TICK_TIMEOUT_MS);
    if (done.status !== "CANCELLED") {
      throw new Error(`order ${orderId} ended ${done.status}: ${done.reason ?? ""}`);
    }
    await sleep(GAP_MS);
    return { tokenId, bookSeq, publishedAt, orderId, arrivedAt };
  }

  /** The window and token of the next tick, opening a new window when this one is used up. */
  private async slot(): Promise<{ window: BenchWindow; tokenId: string }> {
    if (this.window === null || this.used >= ORDERS_PER_WINDOW) {
      if (this.window !== null) await this.market.resolveWindow(this.window);
      this.window = await this.open();
      this.used = 0;
    }
    const w = this.window;
    const tokenId = this.used % 2 === 0 ? w.upTokenId : w.downTokenId;
    this.used++;
    return { window: w, tokenId };
  }

  private async open(): Promise<BenchWindow> {
    const startSeconds = this.nextStartSeconds++;
    if (startSeconds * 1000 > Date.now() - 60_000) {
      throw new Error("out of past window start times: fewer ticks per run, or a later start");
    }
    const { window, streamSeq } = await this.market.openWindow(startSeconds);
    // The Strategy and the CRO read md.window through replaying (ordered) consumers.
    await this.watch.delivered("MARKETS", WINDOW_READERS, streamSeq, WINDOW_SETUP_TIMEOUT_MS);
    await sleep(WINDOW_HANDLED_MS);
    for (const tokenId of [window.upTokenId, window.downTokenId]) {
      this.venue.listToken(tokenId, window.windowId);
      await this.market.book(window, tokenId, ASK_QUIET);
    }
    return window;
  }
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no ${what} within ${TICK_TIMEOUT_MS} ms`));
    }, TICK_TIMEOUT_MS);
    void promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
