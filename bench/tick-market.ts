/**
 * The bench plays the agents that are not under test: MarketData (md.window, md.book, md.health),
 * and the heartbeats of MarketData, Portfolio, the Reconciler and Alert plus clean `recon.report`s, so the
 * CRO sees a healthy fleet and goes ACTIVE. Everything goes through a real NatsBus, validated, as
 * the real agents publish it.
 */
import { SystemClock } from "../bus/clock.ts";
import { MessageFactory, type Payload } from "../bus/messages.ts";
import { NatsBus } from "../bus/nats.ts";
import { SystemRng } from "../bus/rng.ts";
import type { Level } from "../contracts/common.ts";

/** Chores (heartbeats, feed health, recon reports) run this often: well inside every timeout. */
const CHORE_MS = 250;
const WINDOW_MINUTES = 15;
export const TICK_SIZE = 10_000;
export const MIN_SIZE = 5_000_000;
/** Levels per side of every book: about what a live 15-minute market shows. */
const BOOK_DEPTH = 10;
const LEVEL_SIZE = 200_000_000;
const BEST_BID = 350_000;

export interface BenchWindow {
  windowId: string;
  startTs: number;
  endTs: number;
  upTokenId: string;
  downTokenId: string;
}

type Role = "market-data" | "portfolio" | "reconciler" | "alert";

export class MarketPlayer {
  private readonly factories: Record<Role, MessageFactory>;
  private readonly seqs = new Map<string, number>();
  private readonly startedAt = Date.now();
  private chores: NodeJS.Timeout | null = null;
  private beat = 0;
  private runs = 0;

  private constructor(
    readonly bus: NatsBus,
    private readonly balance: number,
  ) {
    const clock = new SystemClock();
    const rng = new SystemRng();
    const make = (agent: Role) => new MessageFactory(clock, rng, { agent, instance: "bench" });
    this.factories = {
      "market-data": make("market-data"),
      portfolio: make("portfolio"),
      reconciler: make("reconciler"),
      alert: make("alert"),
    };
  }

  static async connect(natsUrl: string, balance: number): Promise<MarketPlayer> {
    const bus = await NatsBus.connect({
      servers: natsUrl,
      name: "market-data.bench",
      clock: new SystemClock(),
    });
    return new MarketPlayer(bus, balance);
  }

  /** Starts the chores the CRO needs to see before it goes ACTIVE, and keeps them going. */
  startChores(): void {
    const run = () => {
      void this.chore().catch((error: unknown) => {
        console.error("bench chore failed:", error);
      });
    };
    run();
    this.chores = setInterval(run, CHORE_MS);
  }

  async close(): Promise<void> {
    if (this.chores !== null) clearInterval(this.chores);
    await this.bus.close();
  }

  /** Publishes `md.window` OPEN for a window starting at `startSeconds`; returns its stream seq. */
  async openWindow(startSeconds: number): Promise<{ window: BenchWindow; streamSeq: number }> {
    const startTs = startSeconds * 1000;
    const window: BenchWindow = {
      windowId: `btc-updown-${WINDOW_MINUTES}m-${startSeconds}`,
      startTs,
      endTs: startTs + WINDOW_MINUTES * 60_000,
      upTokenId: `9${startSeconds}1`,
      downTokenId: `9${startSeconds}2`,
    };
    const ack = await this.bus.publish(this.windowMessage(window, "OPEN"));
    if (ack.seq === null) throw new Error("md.window was not stored in its stream");
    return { window, streamSeq: ack.seq };
  }

  async resolveWindow(window: BenchWindow): Promise<void> {
    await this.bus.publish(this.windowMessage(window, "RESOLVED"));
  }

  /** Publishes a fresh snapshot of `tokenId` with best ask `ask`; returns its seq. */
  async book(window: BenchWindow, tokenId: string, ask: number): Promise<number> {
    const seq = (this.seqs.get(tokenId) ?? 0) + 1;
    this.seqs.set(tokenId, seq);
    const now = Date.now();
    const payload: Payload<"md.book"> = {
      tokenId,
      windowId: window.windowId,
      seq,
      sourceTs: now,
      receiveTs: now,
      tickSize: TICK_SIZE,
      minSize: MIN_SIZE,
      bids: ladder(BEST_BID, -TICK_SIZE),
      asks: ladder(ask, TICK_SIZE),
    };
    await this.bus.publish(this.factories["market-data"].make("md.book", payload));
    return seq;
  }

  private windowMessage(w: BenchWindow, status: "OPEN" | "RESOLVED") {
    return this.factories["market-data"].make("md.window", {
      windowId: w.windowId,
      slug: w.windowId,
      startTs: w.startTs,
      endTs: w.endTs,
      upTokenId: w.upTokenId,
      downTokenId: w.downTokenId,
      tickSize: TICK_SIZE,
      minSize: MIN_SIZE,
      feeRateBps: 0,
      status,
      outcome: status === "RESOLVED" ? "UP" : null,
    });
  }

  private async chore(): Promise<void> {
    const seq = this.beat++;
    for (const role of ["market-data", "portfolio", "reconciler", "alert"] as const) {
      await this.bus.publish(
        this.factories[role].make("hb", {
          agent: role,
          instance: "bench",
          seq,
          lifecycle: "running",
          leader: role === "market-data" || role === "alert" ? null : true,
          pid: process.pid,
          startedAt: this.startedAt,
          mailboxDepth: 0,
          intervalMs: CHORE_MS,
        }),
      );
    }
    await this.bus.publish(
      this.factories["market-data"].make("md.health", {
        feed: "bench",
        status: "OK",
        staleTokens: [],
        lastMessageAgeMs: 0,
        gapsTotal: 0,
      }),
    );
    await this.bus.publish(
      this.factories.reconciler.make("recon.report", {
        runId: `bench-${++this.runs}`,
        verdict: "CLEAN",
        positionsChecked: 0,
        ordersChecked: 0,
        balance: this.balance,
        assertions: [],
        mismatches: [],
      }),
    );
  }
}

/** BOOK_DEPTH levels from `best`, one tick apart in direction `step`, kept inside (0, 1). */
function ladder(best: number, step: number): Level[] {
  const levels: Level[] = [];
  for (let i = 0; i < BOOK_DEPTH; i++) {
    const price = best + i * step;
    if (price <= 0 || price >= 1_000_000) break;
    levels.push({ price, size: LEVEL_SIZE });
  }
  return levels;
}
