/**
 * The console's read model: follows the subjects an operator cares about, keeps the latest state
 * (trading state, positions, books, windows, feeds, assertions, agents, PnL) and a bounded ring of
 * typed events with increasing ids. Browsers read the snapshot once and then the events after its
 * `lastId`; a reconnecting browser asks for the events after the last id it saw.
 *
 * Ids are this hub's own sequence within `stream` (a fresh id per hub): a browser that comes back
 * to another stream (the server process was replaced) is told to reload the snapshot.
 */
import type { Bus, Subscription } from "../../../bus/port.ts";
import type { Clock } from "../../../bus/clock.ts";
import { ORDER_EVENTS } from "../../../contracts/orders.ts";
import { formatUsd, fromMicro } from "../../../contracts/money.ts";
import type {
  AgentView,
  AssertionView,
  BookTop,
  ConsoleEvent,
  ConsoleEventKind,
  ConsoleSnapshot,
  FeedView,
  StrategyView,
  WindowView,
} from "../../../contracts/console.ts";
import type { CroState } from "../../../contracts/cro.ts";
import type { Position } from "../../../contracts/positions.ts";
import type { Mode } from "../../../contracts/common.ts";

export interface HubLimits {
  /** Events kept for replay to reconnecting clients. */
  eventsMax: number;
  /** PnL samples kept for the drawdown chart. */
  pnlSamplesMax: number;
  /** Closed positions kept in the read model (open ones are always kept). */
  closedPositionsMax: number;
  /** Exits (stop-loss / take-profit triggers) kept. */
  exitsMax: number;
  /** Book levels kept per side. */
  bookLevels: number;
}

export const DEFAULT_HUB_LIMITS: HubLimits = {
  eventsMax: 20_000,
  pnlSamplesMax: 2_000,
  closedPositionsMax: 500,
  exitsMax: 200,
  bookLevels: 5,
};

type Listener = (event: ConsoleEvent) => void;

export interface HubOptions {
  clock: Clock;
  /** A fresh id for this hub (the stream name browsers resume in). */
  stream: string;
  mode: Mode;
  store: "embedded" | "postgresql";
  limits?: Partial<HubLimits>;
}

export class ConsoleHub {
  readonly stream: string;
  private readonly limits: HubLimits;
  private readonly clock: Clock;
  private readonly events: ConsoleEvent[] = [];
  private nextId = 1;
  private readonly listeners = new Set<Listener>();
  private readonly subs: Subscription[] = [];
  private cro: { msg: CroState; heardAt: number } | null = null;
  private balance: number | null = null;
  private readonly positions = new Map<string, Position>();
  private readonly windows = new Map<string, WindowView>();
  private readonly books = new Map<string, BookTop>();
  private readonly feeds = new Map<string, FeedView>();
  private readonly assertions = new Map<string, AssertionView>();
  private readonly agents = new Map<string, AgentView>();
  private readonly strategies = new Map<string, StrategyView>();
  private readonly exits: Record<string, unknown>[] = [];
  private readonly pnlSeries: { ts: number; net: number; drawdown: number }[] = [];
  private peakNet = 0;
  private recon: ConsoleSnapshot["recon"] = null;

  constructor(private readonly options: HubOptions) {
    this.stream = options.stream;
    this.clock = options.clock;
    this.limits = { ...DEFAULT_HUB_LIMITS, ...options.limits };
  }

  get lastId(): number {
    return this.nextId - 1;
  }

  /** Adds one event (from the bus, or an operator action seen by the API). */
  push(kind: ConsoleEventKind, ts: number, text: string, detail: Record<string, unknown>): void {
    const event: ConsoleEvent = { id: this.nextId++, ts, kind, text: text.slice(0, 1000), detail };
    this.events.push(event);
    if (this.events.length > this.limits.eventsMax)
      this.events.splice(0, this.events.length - this.limits.eventsMax);
    for (const listener of this.listeners) listener(event);
  }

  /**
   * The events after `afterId`, or null when some of them are no longer kept (the caller then
   * starts over from a snapshot).
   */
  since(afterId: number): ConsoleEvent[] | null {
    if (afterId > this.lastId) return null;
    const first = this.events[0];
    if (first === undefined) return afterId === this.lastId ? [] : null;
    if (afterId < first.id - 1) return null;
    return this.events.slice(afterId - first.id + 1);
  }

  /** The most recent `limit` events, oldest first. */
  recent(limit: number, kind?: ConsoleEventKind): ConsoleEvent[] {
    const pool = kind === undefined ? this.events : this.events.filter((e) => e.kind === kind);
    return pool.slice(-limit);
  }

  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The read model; the route adds the runtime controls from the store. */
  snapshot(): Omit<ConsoleSnapshot, "controls"> {
    const positions = [...this.positions.values()];
    const net = positions.reduce((s, p) => s + p.realizedPnl + p.unrealizedPnl, 0);
    const fees = positions.reduce((s, p) => s + p.fees, 0);
    const now = this.clock.now();
    return {
      stream: this.stream,
      lastId: this.lastId,
      now,
      mode: this.cro === null ? "STOPPED" : this.options.mode,
      store: this.options.store,
      cro:
        this.cro === null
          ? null
          : {
              state: this.cro.msg.state,
              reason: this.cro.msg.reason,
              since: this.cro.msg.since,
              epoch: this.cro.msg.epoch,
              operatorHold: this.cro.msg.operatorHold,
              blockers: this.cro.msg.blockers,
              heardAt: this.cro.heardAt,
            },
      balance: this.balance,
      // realizedPnl is net of fees (agents/portfolio/pnl.ts): gross adds them back.
      pnl: { gross: net + fees, fees, net },
      pnlSeries: [...this.pnlSeries],
      positions: positions,
      strategies: [...this.strategies.values()],
      windows: [...this.windows.values()].sort((a, b) => a.startTs - b.startTs),
      books: [...this.books.values()],
      feeds: [...this.feeds.values()],
      assertions: [...this.assertions.values()].sort((a, b) => a.name.localeCompare(b.name)),
      agents: [...this.agents.values()].sort((a, b) =>
        `${a.agent}.${a.instance}`.localeCompare(`${b.agent}.${b.instance}`),
      ),
      exits: [...this.exits],
      recon: this.recon,
    };
  }

  /** Subscribes to the bus; every message updates the read model and may add an event. */
  follow(bus: Bus): void {
    this.subs.push(
      bus.subscribe("cro.state", (m) => {
        this.onState(m);
      }),
      bus.subscribe("hb", (m) => {
        this.agents.set(`${m.agent}.${m.instance}`, {
          agent: m.agent,
          instance: m.instance,
          lifecycle: m.lifecycle,
          leader: m.leader,
          heardAt: this.clock.now(),
        });
      }),
      bus.subscribe("strategy.intent", (m) => {
        const s = this.strategy(m.strategy);
        s.intents++;
        s.lastIntent = `${m.kind} ${m.side} ${fromMicro(m.size)} @ ${fromMicro(m.limitPrice)}: ${m.reason}`;
        this.push("intent", m.ts, `${m.strategy} wants ${m.kind} ${m.side} ${m.windowId}`, {
          intentId: m.intentId,
          strategy: m.strategy,
          windowId: m.windowId,
          tokenId: m.tokenId,
          side: m.side,
          size: m.size,
          limitPrice: m.limitPrice,
          reason: m.reason,
        });
      }),
      bus.subscribe("portfolio.exit", (m) => {
        this.exits.push({
          ts: m.ts,
          positionId: m.positionId,
          exitReason: m.exitReason,
          limitPrice: m.limitPrice,
          size: m.size,
          reason: m.reason,
        });
        if (this.exits.length > this.limits.exitsMax) this.exits.shift();
        this.push("exit", m.ts, `exit ${m.exitReason ?? "?"} ${m.positionId ?? ""}: ${m.reason}`, {
          positionId: m.positionId,
          exitReason: m.exitReason,
          limitPrice: m.limitPrice,
        });
      }),
      bus.subscribe("cro.decision", (m) => {
        const s = this.strategy(m.intent.strategy);
        if (m.approved) s.approved++;
        else s.vetoed++;
        const verdict = m.approved ? "approved" : `vetoed (${m.reasons.join(", ")})`;
        const i = m.intent;
        this.push(
          "decision",
          m.ts,
          `${verdict} ${i.kind} ${i.side} ${i.windowId} by ${i.strategy}`,
          {
            decisionId: m.decisionId,
            intentId: i.intentId,
            strategy: i.strategy,
            approved: m.approved,
            reasons: m.reasons,
          },
        );
      }),
      bus.subscribe("exec.fill", (m) => {
        this.push(
          "fill",
          m.ts,
          `${m.status} ${m.side} ${fromMicro(m.size)} sh @ ${fromMicro(m.price)} fee ${formatUsd(m.fee)} ${m.strategy}`,
          {
            tradeId: m.tradeId,
            orderId: m.orderId,
            status: m.status,
            price: m.price,
            size: m.size,
          },
        );
      }),
      bus.subscribe("portfolio.position", (m) => {
        this.onPosition(m);
      }),
      bus.subscribe("recon.report", (m) => {
        this.onRecon(m.ts, m.runId, m.verdict, m.balance, m.mismatches.length, m.assertions);
      }),
      bus.subscribe("md.window", (m) => {
        const before = this.windows.get(m.windowId);
        this.windows.set(m.windowId, {
          windowId: m.windowId,
          slug: m.slug,
          startTs: m.startTs,
          endTs: m.endTs,
          upTokenId: m.upTokenId,
          downTokenId: m.downTokenId,
          status: m.status,
          outcome: m.outcome,
        });
        this.pruneWindows();
        if (before?.status !== m.status)
          this.push(
            "window",
            m.ts,
            `${m.slug} ${m.status}${m.outcome === null ? "" : ` ${m.outcome}`}`,
            {
              windowId: m.windowId,
              status: m.status,
              outcome: m.outcome,
            },
          );
      }),
      bus.subscribe("md.health", (m) => {
        const before = this.feeds.get(m.feed);
        this.feeds.set(m.feed, {
          feed: m.feed,
          status: m.status,
          lastMessageAgeMs: m.lastMessageAgeMs,
          gapsTotal: m.gapsTotal,
          completeness: m.completeness ?? [],
          heardAt: this.clock.now(),
        });
        if (before?.status !== m.status)
          this.push("feed", m.ts, `feed ${m.feed} ${m.status}`, { feed: m.feed, status: m.status });
      }),
      bus.subscribe("md.book", (m) => {
        const n = this.limits.bookLevels;
        this.books.set(m.tokenId, {
          tokenId: m.tokenId,
          windowId: m.windowId,
          bids: m.bids.slice(0, n),
          asks: m.asks.slice(0, n),
          receiveTs: m.receiveTs,
        });
      }),
      bus.subscribe("alert.sent", (m) => {
        this.push("alert", m.ts, `${m.severity} ${m.title}`, {
          alertId: m.alertId,
          severity: m.severity,
        });
      }),
    );
    for (const event of ORDER_EVENTS)
      this.subs.push(
        bus.subscribe(`exec.order.${event}`, (m) => {
          this.push(
            "order",
            m.ts,
            `${event} ${m.side} ${fromMicro(m.size)} sh @ ${fromMicro(m.price)} ${m.strategy}${m.reason === null ? "" : ` (${m.reason})`}`,
            { orderId: m.orderId, event, status: m.status, reason: m.reason },
          );
        }),
      );
  }

  async stop(): Promise<void> {
    this.listeners.clear();
    await Promise.all(this.subs.splice(0).map((s) => s.unsubscribe()));
  }

  private onState(m: CroState): void {
    const before = this.cro?.msg;
    this.cro = { msg: m, heardAt: this.clock.now() };
    this.onStrategyHalts(m);
    // cro.state is republished periodically: only a change of state or reason is an event.
    if (before?.state === m.state && before.reason === m.reason) return;
    this.push("state", m.ts, `${m.state} — ${m.reason}`, {
      state: m.state,
      reason: m.reason,
      epoch: m.epoch,
      operatorHold: m.operatorHold,
    });
  }

  /** The CRO's strategy halts onto each strategy's row; a halt or a resume is an event. */
  private onStrategyHalts(m: CroState): void {
    const halts = new Map((m.strategyHalts ?? []).map((h) => [h.strategy, h]));
    for (const [name, h] of halts) {
      const s = this.strategy(name);
      if (s.halt !== null && s.halt.since === h.since) continue;
      s.halt = { reason: h.reason, since: h.since, actor: h.actor };
      this.push("strategy", m.ts, `${name} HALTED by ${h.actor}: ${h.reason}`, {
        strategy: name,
        halted: true,
        reason: h.reason,
        actor: h.actor,
      });
    }
    for (const s of this.strategies.values()) {
      if (s.halt === null || halts.has(s.name)) continue;
      s.halt = null;
      this.push("strategy", m.ts, `${s.name} resumed`, { strategy: s.name, halted: false });
    }
  }

  private onPosition(m: Position & { ts: number }): void {
    const before = this.positions.get(m.positionId);
    const { ts, ...position } = m;
    this.positions.set(m.positionId, positionOnly(position));
    const s = this.strategy(m.strategy);
    s.realizedPnl += m.realizedPnl - (before?.realizedPnl ?? 0);
    this.samplePnl(ts);
    this.pruneClosed();
    if (before?.state === m.state) return;
    this.push("position", ts, `${m.positionId} ${before?.state ?? "new"} → ${m.state}`, {
      positionId: m.positionId,
      state: m.state,
      strategy: m.strategy,
      exitReason: m.exitReason,
    });
  }

  private onRecon(
    ts: number,
    runId: string,
    verdict: string,
    balance: number | null,
    mismatches: number,
    assertions: readonly { name: string; passed: boolean; detail: string }[],
  ): void {
    if (balance !== null) this.balance = balance;
    this.recon = { verdict, ts, mismatches, runId };
    for (const a of assertions) {
      const before = this.assertions.get(a.name);
      this.assertions.set(a.name, {
        name: a.name,
        passed: a.passed,
        lastRunAt: ts,
        lastFailure: a.passed ? (before?.lastFailure ?? null) : a.detail,
        lastFailureAt: a.passed ? (before?.lastFailureAt ?? null) : ts,
      });
      if (before?.passed !== a.passed && !(before === undefined && a.passed))
        this.push(
          "assertion",
          ts,
          `${a.name} ${a.passed ? "holds again" : `FAILED: ${a.detail}`}`,
          {
            name: a.name,
            passed: a.passed,
          },
        );
    }
  }

  private strategy(name: string): StrategyView {
    let s = this.strategies.get(name);
    if (s === undefined) {
      s = {
        name,
        allowed: true,
        intents: 0,
        approved: 0,
        vetoed: 0,
        realizedPnl: 0,
        lastIntent: null,
        halt: null,
      };
      this.strategies.set(name, s);
    }
    return s;
  }

  private samplePnl(ts: number): void {
    let net = 0;
    for (const p of this.positions.values()) net += p.realizedPnl + p.unrealizedPnl;
    this.peakNet = Math.max(this.peakNet, net);
    const last = this.pnlSeries.at(-1);
    const sample = { ts, net, drawdown: net - this.peakNet };
    // One sample per second is enough for a chart; the newest wins.
    if (last !== undefined && Math.floor(last.ts / 1000) === Math.floor(ts / 1000))
      this.pnlSeries[this.pnlSeries.length - 1] = sample;
    else this.pnlSeries.push(sample);
    if (this.pnlSeries.length > this.limits.pnlSamplesMax) this.pnlSeries.shift();
  }

  private pruneClosed(): void {
    const closed = [...this.positions.values()].filter((p) => p.state === "CLOSED");
    const excess = closed.length - this.limits.closedPositionsMax;
    if (excess <= 0) return;
    closed.sort((a, b) => (a.closedAt ?? 0) - (b.closedAt ?? 0));
    for (const p of closed.slice(0, excess)) this.positions.delete(p.positionId);
  }

  private pruneWindows(): void {
    const WINDOWS_MAX = 12;
    if (this.windows.size <= WINDOWS_MAX) return;
    const sorted = [...this.windows.values()].sort((a, b) => a.startTs - b.startTs);
    for (const w of sorted.slice(0, this.windows.size - WINDOWS_MAX)) {
      this.windows.delete(w.windowId);
      this.books.delete(w.upTokenId);
      this.books.delete(w.downTokenId);
    }
  }
}

/** The position fields without the message envelope. */
function positionOnly(m: Record<string, unknown>): Position {
  const {
    id: _id,
    type: _type,
    v: _v,
    source: _s,
    correlationId: _c,
    causationId: _k,
    ...rest
  } = m;
  return rest as unknown as Position;
}
