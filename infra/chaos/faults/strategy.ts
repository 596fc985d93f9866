/**
 * Strategy faults: a rogue strategy connection whose intents the CRO must contain.
 * - over-aggression: ten times the intents a strategy normally sends (one every 1–3 s), each a
 *   valid BUY at the best ask it saw; the CRO must hold its per-window, rate and position limits;
 * - silent death: a slow decay, buying the side the market already prices as the loser, rarely;
 * - tail loss: buys the Up side of open windows, then the underlying drops 15 % within the hour.
 * The connection is not a fleet agent, so bus faults do not touch it and it has no heartbeat.
 */
import { MessageFactory } from "../../../bus/messages.ts";
import type { Bus, Subscription } from "../../../bus/port.ts";
import type { MdBook } from "../../../contracts/market-data.ts";
import type { FaultContext, FaultKind, Injection } from "./types.ts";

type Pick = (books: readonly MdBook[], ctx: FaultContext) => MdBook | null;

/** The strategy names the CRO allows by default: a rogue passes the allow-list, not the limits. */
const STRATEGY = "momentum";
const HOUR_MS = 3_600_000;

class RogueStrategy {
  private readonly books = new Map<string, MdBook>();
  private readonly sub: Subscription;
  private readonly factory: MessageFactory;
  private seq = 0;
  sent = 0;

  constructor(
    private readonly bus: Bus,
    private readonly ctx: FaultContext,
    instance: string,
  ) {
    this.factory = new MessageFactory(ctx.world.clock, ctx.rng, { agent: "strategy", instance });
    this.sub = bus.subscribe("md.book", (m) => {
      this.books.set(m.tokenId, m);
    });
  }

  /** Sends one ENTRY BUY at the best ask of the book `pick` chooses (none if no book fits). */
  fire(pick: Pick): void {
    const now = this.ctx.world.clock.now();
    const fresh = [...this.books.values()].filter((b) => now - b.receiveTs < 10_000);
    const book = pick(fresh, this.ctx);
    const ask = book?.asks[0];
    if (book === null || ask === undefined) return;
    const id = `${this.ctx.rng.uuid()}-${this.seq++}`;
    const message = this.factory.make("strategy.intent", {
      intentId: `chaos-${id}`,
      strategy: STRATEGY,
      windowId: book.windowId,
      tokenId: book.tokenId,
      kind: "ENTRY",
      side: "BUY",
      orderType: "GTC",
      limitPrice: ask.price,
      size: book.minSize,
      expiresAt: null,
      // A real strategy names the position its entry opens; the CRO refuses an entry that does not.
      positionId: `pos-chaos-${id}`,
      exitReason: null,
      bookSeq: book.seq,
      reason: "chaos: rogue strategy",
    });
    this.sent++;
    this.bus.publish(message).catch(() => undefined);
  }

  close(): void {
    void this.sub.unsubscribe();
    void this.bus.close();
  }
}

function anyBook(books: readonly MdBook[], ctx: FaultContext): MdBook | null {
  return books.length === 0 ? null : (books[ctx.rng.int(0, books.length - 1)] ?? null);
}

/** The token the market prices below one half: usually the loser. */
function loserBook(books: readonly MdBook[], ctx: FaultContext): MdBook | null {
  return anyBook(
    books.filter((b) => (b.asks[0]?.price ?? 1_000_000) < 400_000),
    ctx,
  );
}

function rogueFault(
  kind: string,
  durationMs: readonly [number, number],
  periodMs: (ctx: FaultContext) => number,
  pick: Pick,
  extra?: (ctx: FaultContext) => () => void,
): FaultKind {
  return {
    kind,
    family: "strategy",
    durationMs,
    perDay: 1,
    inject(ctx: FaultContext): Injection {
      const clock = ctx.world.clock;
      const instance = `chaos-${clock.now()}`;
      const rogue = new RogueStrategy(ctx.world.fleet.connect(`chaos.${instance}`), ctx, instance);
      const every = periodMs(ctx);
      const timer = clock.setInterval(every, () => {
        rogue.fire(pick);
      });
      const undoExtra = extra?.(ctx) ?? (() => undefined);
      return {
        target: `strategy.${instance}`,
        detail: `one intent every ${every} ms`,
        heal: () => {
          clock.clearTimer(timer);
          undoExtra();
          rogue.close();
        },
      };
    },
  };
}

export function strategyFaults(): FaultKind[] {
  return [
    rogueFault(
      "strategy.over-aggression",
      [60_000, 1_800_000],
      (ctx) => ctx.rng.int(1_000, 3_000),
      anyBook,
    ),
    rogueFault("strategy.silent-death", [6 * HOUR_MS, 48 * HOUR_MS], () => 300_000, loserBook),
    rogueFault(
      "strategy.tail-loss",
      [HOUR_MS, HOUR_MS],
      () => 20_000,
      (books, ctx) =>
        anyBook(
          books.filter((b) => (b.asks[0]?.price ?? 0) > 500_000),
          ctx,
        ),
      (ctx) => {
        const { clock, venue } = ctx.world;
        const step = Math.pow(0.85, 1 / 4) - 1;
        const timers = [1, 2, 3, 4].map((i) =>
          clock.setTimer(i * 10 * 60_000, () => {
            venue.jumpUnderlying(step);
          }),
        );
        return () => {
          for (const t of timers) clock.clearTimer(t);
        };
      },
    ),
  ];
}
