/**
 * A terminal view of the running fleet, fed only by the bus: trading state and reason, each agent's
 * liveness, open positions and PnL, the last few trades and the console's URL. It prints a block
 * on every trading-state change and every `intervalMs`.
 */
import type { Bus, Subscription } from "../../bus/port.ts";
import type { Clock, TimerHandle } from "../../bus/clock.ts";
import type { CroState } from "../../contracts/cro.ts";
import type { Position } from "../../contracts/positions.ts";
import type { Fill } from "../../contracts/orders.ts";
import { formatUsd, fromMicro } from "../../contracts/money.ts";

/** Trades listed in the block. */
export const RECENT_TRADES_SHOWN = 5;

export interface DashboardView {
  state: CroState | null;
  heartbeats: Map<string, { at: number; lifecycle: string; leader: boolean | null }>;
  positions: Map<string, Position>;
  fills: number;
  decisions: { approved: number; vetoed: number };
  /** The last RECENT_TRADES_SHOWN fills, newest last. */
  trades: (Fill & { ts: number })[];
}

export class Dashboard {
  readonly view: DashboardView = {
    state: null,
    heartbeats: new Map(),
    positions: new Map(),
    fills: 0,
    decisions: { approved: 0, vetoed: 0 },
    trades: [],
  };
  /** Shown as the last line when set (the console to open). */
  consoleUrl: string | null = null;
  private readonly subs: Subscription[] = [];
  private timer: TimerHandle | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly write: (text: string) => void,
  ) {}

  start(intervalMs: number): void {
    this.subs.push(
      this.bus.subscribe("cro.state", (m) => {
        const changed = this.view.state?.state !== m.state;
        this.view.state = m;
        if (changed) this.print();
      }),
      this.bus.subscribe("hb", (m) => {
        this.view.heartbeats.set(`${m.agent}.${m.instance}`, {
          at: this.clock.now(),
          lifecycle: m.lifecycle,
          leader: m.leader,
        });
      }),
      this.bus.subscribe("portfolio.position", (m) => {
        this.view.positions.set(m.positionId, m);
      }),
      this.bus.subscribe("exec.fill", (m) => {
        this.view.fills++;
        // A status change of a trade already listed replaces it rather than listing it twice.
        const trades = this.view.trades.filter((t) => t.tradeId !== m.tradeId);
        trades.push(m);
        this.view.trades = trades.slice(-RECENT_TRADES_SHOWN);
      }),
      this.bus.subscribe("cro.decision", (m) => {
        if (m.approved) this.view.decisions.approved++;
        else this.view.decisions.vetoed++;
      }),
    );
    this.timer = this.clock.setInterval(intervalMs, () => {
      this.print();
    });
  }

  async stop(): Promise<void> {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    await Promise.all(this.subs.splice(0).map((s) => s.unsubscribe()));
  }

  render(): string {
    const now = this.clock.now();
    const s = this.view.state;
    const state = s === null ? "UNKNOWN (no cro.state yet)" : `${s.state} — ${s.reason}`;
    const agents = [...this.view.heartbeats.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, hb]) => {
        const age = now - hb.at;
        const role = hb.leader === null ? "" : hb.leader ? " leader" : " standby";
        return `${name}${role} ${hb.lifecycle} ${age}ms`;
      });
    const positions = [...this.view.positions.values()];
    const open = positions.filter((p) => p.state !== "CLOSED");
    const realized = positions.reduce((sum, p) => sum + p.realizedPnl, 0);
    const unrealized = open.reduce((sum, p) => sum + p.unrealizedPnl, 0);
    const lines = [
      `── predator ── trading: ${state}`,
      `   agents: ${agents.length === 0 ? "(no heartbeats yet)" : agents.join(" · ")}`,
      `   decisions: ${this.view.decisions.approved} approved, ${this.view.decisions.vetoed} vetoed · fills: ${this.view.fills}`,
      `   positions: ${open.length} open, ${positions.length - open.length} closed · PnL realized ${formatUsd(realized)}, unrealized ${formatUsd(unrealized)}`,
    ];
    if (this.view.trades.length > 0) {
      lines.push("   last trades:");
      for (const t of this.view.trades) lines.push(`     ${this.tradeLine(t)}`);
    }
    if (this.consoleUrl !== null) lines.push(`   console: ${this.consoleUrl}`);
    return lines.join("\n");
  }

  /** time, instrument, side, price, size and the PnL of its position (when it has one). */
  private tradeLine(t: Fill & { ts: number }): string {
    const p = t.positionId === null ? undefined : this.view.positions.get(t.positionId);
    const pnl =
      p === undefined
        ? "PnL -"
        : p.state === "CLOSED"
          ? `PnL ${formatUsd(p.realizedPnl)}`
          : `PnL ${formatUsd(p.realizedPnl + p.unrealizedPnl)} open`;
    const time = new Date(t.ts).toISOString().slice(11, 19);
    return `${time} ${t.windowId} ${t.side} ${fromMicro(t.size)} @ ${fromMicro(t.price)} ${t.status} · ${pnl}`;
  }

  private print(): void {
    this.write(this.render() + "\n");
  }
}
