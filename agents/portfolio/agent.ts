/**
 * The Portfolio actor: books fills into per-position machines, marks them to the book, asks the
 * exit policy after every change, and sends exits as `portfolio.exit` intents through the CRO.
 *
 * Inputs: durable "portfolio-fills" (exec.fill) and "portfolio-windows" (md.window); core md.book
 * (marks), cro.state (FLATTENING closes everything), and — to learn that an exit attempt ended
 * without filling — core cro.decision (vetoes of our exits) and exec.order.{rejected, refused,
 * cancelled, expired}. Those two are core, so a lost one is covered by the exit deadline. The same
 * order events (and exec.order.filled) tell a wholly voided entry that its order can fill no more,
 * so it may close; if one is lost, the window's settlement closes it.
 */
import type { Cause } from "../../bus/messages.ts";
import type { TradingState } from "../../contracts/common.ts";
import type { CroDecision } from "../../contracts/cro.ts";
import type { MdBook, MdWindow } from "../../contracts/market-data.ts";
import type { Order } from "../../contracts/orders.ts";
import { Actor, type ActorContext } from "../runtime/actor.ts";
import type { PortfolioConfig } from "./config.ts";
import type { StrategyManifest } from "../../contracts/strategy-manifest.ts";
import {
  exitParamsFrom,
  strategyExitParams,
  type ExitParams,
  type StoredExitControls,
} from "./exit-policy.ts";
import { Exits } from "./exits.ts";
import { FillDesk } from "./fills.ts";
import { PositionBook, type LivePosition } from "./positions.ts";
import { Markets } from "./markets.ts";

const ORDER_ENDED_EVENTS = [
  "exec.order.filled",
  "exec.order.rejected",
  "exec.order.refused",
  "exec.order.cancelled",
  "exec.order.expired",
] as const;

export class PortfolioActor extends Actor {
  private readonly markets = new Markets();
  private readonly book: PositionBook;
  private readonly exits: Exits;
  private readonly fills: FillDesk;
  private params: ExitParams;
  private stored: StoredExitControls = { stopLossPct: false, takeProfitPct: false };
  private readonly risks = new Map<string, StrategyManifest["risk"]>();
  private controlErrors = "";

  constructor(
    ctx: ActorContext,
    private readonly config: PortfolioConfig,
    manifests: readonly StrategyManifest[] = [],
  ) {
    super(ctx);
    for (const m of manifests) this.risks.set(m.name, m.risk);
    this.params = {
      stopLossPct: config.stopLossPct,
      takeProfitPct: config.takeProfitPct,
      trailingStopPct: config.trailingStopPct,
    };
    this.book = new PositionBook(ctx, {
      feeRateBps: (c) => this.markets.feeRateBps(c.windowId) ?? c.feeRateBps ?? 0,
      windowEnded: (live) => this.exits.evaluate(live, null),
      exitDeadline: (live, intentId) =>
        this.exits.failed(live, intentId, "no answer before the exit deadline", null),
      closed: (live, cause) => this.fills.closed(live, cause),
    });
    this.exits = new Exits(ctx, config, this.book, this.markets, (strategy) =>
      strategyExitParams(this.params, this.stored, this.risks.get(strategy) ?? null),
    );
    this.fills = new FillDesk(ctx, this.book, this.markets, this.exits);
  }

  override async start(): Promise<void> {
    await this.refreshControls();
    const restored = await this.book.restoreAll();
    this.ctx.log.info({ restored: restored.length }, "open positions restored");
    for (const live of restored) {
      await this.fills.closeIfEntryEnded(live, null);
      await this.exits.evaluate(live, null);
    }

    this.ctx.on("md.book", (m) => this.onBook(m));
    this.ctx.on("cro.state", (m) => this.onCroState(m.state, m));
    this.ctx.on("cro.decision", (m) => this.onDecision(m));
    for (const type of ORDER_ENDED_EVENTS) {
      this.ctx.on(type, async (m) => {
        await this.book.flush();
        await this.fills.entryOrderEnded(m, m);
        await this.fills.orderEnded(m, m);
        await this.onExitOrderEnded(m, type.slice("exec.order.".length), m);
      });
    }
    await this.ctx.onDurable("exec.fill", { durable: "portfolio-fills" }, async (m, d) => {
      await this.book.flush();
      await this.fills.onFill(m, d.log);
    });
    await this.ctx.onDurable("md.window", { durable: "portfolio-windows" }, (m) =>
      this.onWindow(m),
    );
    // The durable above settles each resolution once; this replay re-learns, at every start, the
    // windows announced (and acked) before it, so their ends, ticks and outcomes are known again,
    // and settles what a resolution acked before a late fill opened its position left open.
    await this.ctx.onDurable(
      "md.window",
      { durable: "portfolio-windows-replay", replay: true },
      async (m) => {
        this.markets.window(m);
        if (m.status !== "RESOLVED" || m.outcome === null) return;
        await this.book.flush();
        await this.fills.settleWindow(m);
      },
    );
    this.ctx.every(this.config.controlsRefreshMs, "portfolio.controls", () =>
      this.refreshControls(),
    );
    this.ctx.every(this.config.markRefreshMs, "portfolio.marks", async () => {
      await this.book.refreshMarks();
      await this.fills.settleResolved();
    });
  }

  override describe(): Record<string, unknown> {
    const byStrategy = Object.fromEntries(
      [...this.risks.keys()].map((s) => [
        s,
        strategyExitParams(this.params, this.stored, this.risks.get(s) ?? null),
      ]),
    );
    return { openPositions: this.book.open().length, exitParams: this.params, byStrategy };
  }

  private async onBook(m: MdBook): Promise<void> {
    await this.book.flush();
    const bid = this.markets.book(m);
    for (const live of this.book.byToken(m.tokenId)) {
      live.markPrice = bid;
      if (bid !== null) {
        await this.book.send(live, { type: "MARK", bid, at: this.ctx.clock.now() }, m);
      }
      await this.exits.evaluate(live, m);
    }
  }

  private async onCroState(state: TradingState, cause: Cause): Promise<void> {
    const was = this.markets.croState;
    this.markets.croState = state;
    // FLATTENING exits everything; leaving HALTED lets held-back exits go. Both need a look now,
    // not at the next book.
    const flattening = state === "FLATTENING";
    if (!flattening && !(was === "HALTED" && state !== "HALTED")) return;
    if (flattening && was !== "FLATTENING") {
      this.ctx.log.warn("CRO is FLATTENING: exiting every open position");
    }
    await this.book.flush();
    for (const live of this.book.open()) await this.exits.evaluate(live, cause);
  }

  private async onWindow(m: MdWindow): Promise<void> {
    await this.book.flush();
    this.markets.window(m);
    if (m.status !== "RESOLVED" || m.outcome === null) return;
    await this.fills.settleWindow(m);
  }

  private async onDecision(m: CroDecision): Promise<void> {
    const { intent } = m;
    if (m.approved || intent.kind !== "EXIT" || intent.positionId === null) return;
    const live = this.book.get(intent.positionId);
    if (live === undefined) return;
    await this.exits.failed(live, intent.intentId, `vetoed by the CRO: ${m.reasons.join(", ")}`, m);
  }

  private async onExitOrderEnded(m: Order, event: string, cause: Cause): Promise<void> {
    if (m.kind !== "EXIT" || m.positionId === null || event === "filled") return;
    const live: LivePosition | undefined = this.book.get(m.positionId);
    if (live === undefined) return;
    const why = m.reason === null ? "" : `: ${m.reason}`;
    await this.exits.failed(live, m.intentId, `exit order ${event}${why}`, cause);
  }

  private async refreshControls(): Promise<void> {
    const rows = await this.ctx.store.getControls();
    const { params, errors, stored } = exitParamsFrom(rows, {
      stopLossPct: this.config.stopLossPct,
      takeProfitPct: this.config.takeProfitPct,
      trailingStopPct: this.config.trailingStopPct,
    });
    this.params = params;
    this.stored = stored;
    const joined = errors.join("; ");
    if (joined !== this.controlErrors && joined !== "") {
      this.ctx.log.warn({ errors }, "bad exit controls: keeping the configured defaults for them");
    }
    this.controlErrors = joined;
  }
}
