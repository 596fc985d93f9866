/**
 * `predator trade-once`: one minimum-size order under the running fleet's full supervision — it is
 * an intent like any strategy's, so the CRO validates it and Execution places it — then a report:
 * intent → validation → execution → fill → PnL, each step with its time, expected versus actual,
 * latency and slippage. Anything above the market's minimum size is refused before anything is
 * sent.
 */
import type { Command } from "commander";
import type { Bus, Subscription } from "../../../bus/port.ts";
import type { Clock } from "../../../bus/clock.ts";
import type { Rng } from "../../../bus/rng.ts";
import { MessageFactory } from "../../../bus/messages.ts";
import { SystemRng } from "../../../bus/rng.ts";
import { fromMicro, toMicro } from "../../../contracts/money.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { connectOps } from "../connect.ts";
import { print } from "../output.ts";

export const TRADE_ONCE_STRATEGY = "trade-once";

export interface TradeOnceRequest {
  tokenId: string;
  /** Shares, micro-units; must not exceed the market's minimum size. */
  size: number;
  timeoutMs: number;
}

export interface TradeStep {
  step: "intent" | "validation" | "execution" | "fill" | "pnl";
  ok: boolean;
  atMs: number;
  /** Since the intent was published. */
  latencyMs: number;
  detail: string;
}

export interface TradeReport {
  intentId: string;
  tokenId: string;
  windowId: string;
  size: number;
  /** The best ask the order was priced at (FAK: the worst price accepted). */
  expectedPrice: number;
  /** Volume-weighted fill price, null when nothing filled. */
  actualPrice: number | null;
  /** actual − expected, micro-units (positive = paid more). */
  slippage: number | null;
  filledSize: number;
  fees: number;
  realizedPnl: number | null;
  unrealizedPnl: number | null;
  steps: TradeStep[];
  ok: boolean;
}

interface Book {
  windowId: string;
  minSize: number;
  asks: Array<{ price: number; size: number }>;
}

const TERMINAL = ["filled", "cancelled", "rejected", "refused", "unknown", "expired"] as const;

/** Waits for the token's book on md.book (bounded). */
export async function awaitBook(
  bus: Bus,
  tokenId: string,
  clock: Clock,
  timeoutMs: number,
): Promise<Book> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimer(timeoutMs, () => {
      void sub.unsubscribe();
      reject(new ConfigError("--token", `no md.book for ${tokenId} within ${timeoutMs} ms`));
    });
    const sub = bus.subscribe("md.book", (m) => {
      if (m.tokenId !== tokenId || m.asks.length === 0) return;
      clock.clearTimer(timer);
      void sub.unsubscribe();
      resolve({ windowId: m.windowId, minSize: m.minSize, asks: m.asks });
    });
  });
}

/**
 * Waits (bounded) for an md.health report that the CRO's FEED_FRESH check would accept for the
 * token: status OK and the token not listed stale. Called once the book has been heard, so the
 * report is computed after MarketData applied it; without this wait a token that had been quiet
 * was vetoed when its first book in a while and the intent overtook the next health report.
 */
export async function awaitFreshFeed(
  bus: Bus,
  tokenId: string,
  clock: Clock,
  timeoutMs: number,
): Promise<void> {
  let last = "none heard";
  return new Promise((resolve, reject) => {
    const timer = clock.setTimer(timeoutMs, () => {
      void sub.unsubscribe();
      reject(
        new ConfigError(
          "--token",
          `the feed never reported ${tokenId} fresh within ${timeoutMs} ms (last md.health: ${last})`,
        ),
      );
    });
    const sub = bus.subscribe("md.health", (m) => {
      const stale = m.staleTokens.includes(tokenId);
      last = `${m.feed} ${m.status}${stale ? `, ${tokenId} stale` : ""}`;
      if (m.status !== "OK" || stale) return;
      clock.clearTimer(timer);
      void sub.unsubscribe();
      resolve();
    });
  });
}

export async function tradeOnce(
  deps: { bus: Bus; clock: Clock; rng: Rng },
  req: TradeOnceRequest,
): Promise<TradeReport> {
  const { bus, clock } = deps;
  const book = await awaitBook(bus, req.tokenId, clock, req.timeoutMs);
  if (req.size > book.minSize) {
    throw new ConfigError(
      "--size",
      `refusing ${fromMicro(req.size)} shares: trade-once places at most the minimum size (${fromMicro(book.minSize)})`,
    );
  }
  const ask = book.asks[0];
  if (ask === undefined) throw new ConfigError("--token", "no ask to buy at");
  await awaitFreshFeed(bus, req.tokenId, clock, req.timeoutMs);
  const messages = new MessageFactory(clock, deps.rng, { agent: "ops", instance: "trade-once" });
  const intentId = `trade-once-${deps.rng.uuid()}`;
  const positionId = `pos-${deps.rng.uuid()}`;
  const steps: TradeStep[] = [];
  const t0 = clock.now();
  const step = (s: TradeStep["step"], ok: boolean, detail: string): void => {
    const now = clock.now();
    steps.push({ step: s, ok, atMs: now, latencyMs: now - t0, detail });
  };
  const fills: Array<{ price: number; size: number; fee: number; tradeId: string }> = [];
  /** A holder, so the subscription's writes are visible (no narrowing to null). */
  const seen: {
    position: { realizedPnl: number; unrealizedPnl: number } | null;
    orderFilled: number;
  } = { position: null, orderFilled: 0 };
  const subs: Subscription[] = [];
  // The decision and the order's terminal event come from different agents on different
  // subjects, so either may arrive first: the report waits for both (a veto alone ends it).
  const heard = { decision: false, terminal: false };
  const done = new Promise<void>((resolve) => {
    const timer = clock.setTimer(req.timeoutMs, () => {
      if (!heard.terminal) {
        step("execution", false, `no terminal order event within ${req.timeoutMs} ms`);
      } else if (!heard.decision) {
        step("validation", false, `no cro.decision seen within ${req.timeoutMs} ms`);
      }
      resolve();
    });
    const finish = (): void => {
      clock.clearTimer(timer);
      resolve();
    };
    subs.push(
      bus.subscribe("cro.decision", (m) => {
        if (m.intent.intentId !== intentId) return;
        step(
          "validation",
          m.approved,
          m.approved ? `approved (decision ${m.decisionId})` : `vetoed: ${m.reasons.join(", ")}`,
        );
        heard.decision = true;
        if (!m.approved || heard.terminal) finish();
      }),
      bus.subscribe("exec.fill", (m) => {
        if (m.intentId !== intentId || fills.some((f) => f.tradeId === m.tradeId)) return;
        fills.push({ price: m.price, size: m.size, fee: m.fee, tradeId: m.tradeId });
        step(
          "fill",
          m.status !== "FAILED",
          `${fromMicro(m.size)} @ ${fromMicro(m.price)} fee ${fromMicro(m.fee)} (${m.status}, ${m.liquidity})`,
        );
      }),
      bus.subscribe("portfolio.position", (m) => {
        if (m.positionId !== positionId) return;
        seen.position = { realizedPnl: m.realizedPnl, unrealizedPnl: m.unrealizedPnl };
      }),
      ...TERMINAL.map((event) =>
        bus.subscribe(`exec.order.${event}`, (m) => {
          if (m.intentId !== intentId) return;
          seen.orderFilled = m.filledSize;
          step(
            "execution",
            event === "filled",
            `order ${m.orderId} ${event}: filled ${fromMicro(m.filledSize)} of ${fromMicro(m.size)}${m.reason === null ? "" : ` (${m.reason})`}`,
          );
          heard.terminal = true;
          if (heard.decision) finish();
        }),
      ),
    );
  });
  await bus.publish(
    messages.make("strategy.intent", {
      intentId,
      strategy: TRADE_ONCE_STRATEGY,
      windowId: book.windowId,
      tokenId: req.tokenId,
      kind: "ENTRY",
      side: "BUY",
      orderType: "FAK",
      limitPrice: ask.price,
      size: req.size,
      expiresAt: null,
      // Entries name the position they open (as the Strategy agent does).
      positionId,
      exitReason: null,
      bookSeq: null,
      reason: "trade-once: one minimum-size order under full supervision",
    }),
  );
  step("intent", true, `BUY ${fromMicro(req.size)} FAK at ≤ ${fromMicro(ask.price)} (best ask)`);
  await done;
  // Fills and the position may trail the order's terminal event (LIVE learns fills by polling):
  // wait for both, bounded by the same timeout.
  const until = clock.now() + req.timeoutMs;
  const filledSoFar = (): number => fills.reduce((s, f) => s + f.size, 0);
  while (
    seen.orderFilled > 0 &&
    (filledSoFar() < seen.orderFilled || seen.position === null) &&
    clock.now() < until
  ) {
    await clock.sleep(20);
  }
  for (const s of subs) await s.unsubscribe();
  const filledSize = fills.reduce((s, f) => s + f.size, 0);
  const cost = fills.reduce((s, f) => s + f.size * f.price, 0);
  const actualPrice = filledSize === 0 ? null : Math.round(cost / filledSize);
  const pos = seen.position;
  step(
    "pnl",
    pos !== null,
    pos === null
      ? "no position update seen"
      : `realized ${fromMicro(pos.realizedPnl)}, unrealized ${fromMicro(pos.unrealizedPnl)}`,
  );
  return {
    intentId,
    tokenId: req.tokenId,
    windowId: book.windowId,
    size: req.size,
    expectedPrice: ask.price,
    actualPrice,
    slippage: actualPrice === null ? null : actualPrice - ask.price,
    filledSize,
    fees: fills.reduce((s, f) => s + f.fee, 0),
    realizedPnl: pos?.realizedPnl ?? null,
    unrealizedPnl: pos?.unrealizedPnl ?? null,
    steps: inLifecycleOrder(steps),
    ok: steps.every((s) => s.ok),
  };
}

/** Where each step sits in an order's life: an order is validated before it executes. */
const STAGE: Record<TradeStep["step"], number> = {
  intent: 0,
  validation: 1,
  execution: 2,
  fill: 2,
  pnl: 3,
};

/**
 * The steps in lifecycle order. They are recorded as heard, and the decision, the order's events
 * and the fills come from different agents on different subjects, so the bus may deliver an
 * execution before the approval it followed. Each step keeps the time it was heard (`atMs`); the
 * sort is stable, so fills and the order's end keep their arrival order.
 */
function inLifecycleOrder(steps: TradeStep[]): TradeStep[] {
  return [...steps].sort((a, b) => STAGE[a.step] - STAGE[b.step]);
}

export function tradeOnceCommand(program: Command): void {
  program
    .command("trade-once")
    .description(
      "place ONE minimum-size order through the running fleet (CRO-approved) and report on it",
    )
    .requiredOption("--token <id>", "the outcome token to buy")
    .option("--size <shares>", "shares (at most the market's minimum size; default: that minimum)")
    .option("--json", "print machine-readable output")
    .action(async (options: { token: string; size?: string; json?: boolean }) => {
      const ops = await connectOps("trade-once");
      try {
        let size = Number.MAX_SAFE_INTEGER;
        if (options.size !== undefined) {
          if (!/^\d+(\.\d{1,2})?$/.test(options.size))
            throw new ConfigError("--size", "expected shares with at most 2 decimals");
          size = toMicro(options.size);
        } else {
          size = (await awaitBook(ops.bus, options.token, ops.clock, 10_000)).minSize;
        }
        const report = await tradeOnce(
          { bus: ops.bus, clock: ops.clock, rng: new SystemRng() },
          { tokenId: options.token, size, timeoutMs: 30_000 },
        );
        if (options.json === true) print(JSON.stringify(report));
        else {
          for (const s of report.steps)
            print(`${s.ok ? "ok  " : "FAIL"} ${s.step.padEnd(10)} +${s.latencyMs} ms  ${s.detail}`);
          print(
            `expected ${fromMicro(report.expectedPrice)}, actual ${report.actualPrice === null ? "-" : fromMicro(report.actualPrice)}, slippage ${report.slippage === null ? "-" : fromMicro(report.slippage)}, fees ${fromMicro(report.fees)}`,
          );
        }
        process.exitCode = report.ok ? 0 : 1;
      } finally {
        await ops.close();
      }
    });
}
