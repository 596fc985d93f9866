/**
 * What a verification run saw on the bus: every message of the trading path, with the (virtual)
 * time it was published. A bus tap only looks (it never publishes or throws), so the run under
 * test is the production fleet unchanged. Bounded: a run of a few hundred windows keeps a few
 * thousand messages; past `messagesMax` the oldest are dropped and counted.
 */
import type { BusTapEvent } from "../../bus/memory.ts";
import type { CroDecision, CroState } from "../../contracts/cro.ts";
import type { Intent } from "../../contracts/intents.ts";
import type { MdHealth, MdWindow } from "../../contracts/market-data.ts";
import type { Fill, Order } from "../../contracts/orders.ts";
import type { Position } from "../../contracts/positions.ts";
import type { ReconReport } from "../../contracts/recon.ts";

export interface Seen<T> {
  readonly at: number;
  readonly message: T;
}

/** The subjects a verification looks at; everything else (books, heartbeats) is skipped cheaply. */
const WATCHED = new Set([
  "strategy.intent",
  "portfolio.exit",
  "cro.decision",
  "exec.fill",
  "portfolio.position",
  "recon.report",
  "recon.mismatch",
  "md.window",
  "md.health",
  "cro.state",
]);

export const OBSERVED_MESSAGES_MAX = 200_000;

export class BusObserver {
  readonly intents: Seen<Intent & { subject: string }>[] = [];
  readonly decisions: Seen<CroDecision>[] = [];
  readonly orders: Seen<Order & { event: string }>[] = [];
  readonly fills: Seen<Fill>[] = [];
  readonly positions: Seen<Position>[] = [];
  readonly recon: Seen<ReconReport>[] = [];
  readonly mismatches: Seen<{ runId: string; keys: string[] }>[] = [];
  readonly windows: Seen<MdWindow>[] = [];
  readonly health: Seen<MdHealth>[] = [];
  /** The trading state: only the latest, and each change of state (cro.state repeats). */
  latestState: Seen<CroState> | null = null;
  readonly stateChanges: Seen<CroState>[] = [];
  dropped = 0;
  private kept = 0;

  constructor(private readonly messagesMax = OBSERVED_MESSAGES_MAX) {}

  /** The tap to register with the broker: `broker.tap((e) => observer.onBus(e))`. */
  onBus(e: BusTapEvent): void {
    if (e.phase !== "publish") return;
    const subject = e.subject;
    if (!WATCHED.has(subject) && !subject.startsWith("exec.order.")) return;
    const decoded = e.decoded();
    if (!decoded.ok) return;
    if (this.kept >= this.messagesMax) {
      this.dropped++;
      return;
    }
    this.kept++;
    const m = decoded.message;
    if (m.type === "cro.state") {
      // Twice a second forever: remembered, not kept, unless the state changed.
      const changed = this.latestState?.message.state !== m.state;
      this.latestState = { at: e.at, message: m };
      if (changed) this.stateChanges.push(this.latestState);
      return;
    }
    const at = e.at;
    if (m.type === "strategy.intent" || m.type === "portfolio.exit") {
      this.intents.push({ at, message: { ...m, subject } });
    } else if (m.type === "cro.decision") this.decisions.push({ at, message: m });
    else if (m.type === "exec.fill") this.fills.push({ at, message: m });
    else if (m.type === "portfolio.position") this.positions.push({ at, message: m });
    else if (m.type === "recon.report") this.recon.push({ at, message: m });
    else if (m.type === "md.window") this.windows.push({ at, message: m });
    else if (m.type === "md.health") this.health.push({ at, message: m });
    else if (m.type === "recon.mismatch") {
      const keys = m.mismatches.map((x) => `${x.kind}:${x.key}`);
      this.mismatches.push({ at, message: { runId: m.runId, keys } });
    } else if (m.type.startsWith("exec.order.")) {
      const order = m as Order;
      this.orders.push({ at, message: { ...order, event: m.type.slice("exec.order.".length) } });
    }
  }
}
