/**
 * A test bench for the Execution agent: the agent on an EmbeddedFleet (VirtualClock, SeededRng,
 * MemoryStore) against the simulated venue, a stand-in CRO publishing cro.state and decisions on a
 * plain bus connection, and every exec.* message collected in arrival order.
 */
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { MessageFactory } from "../../../bus/messages.ts";
import type { Bus } from "../../../bus/port.ts";
import type { TimerHandle } from "../../../bus/clock.ts";
import {
  intentHash,
  type CroDecision,
  type ExecFill,
  type Intent,
  type MessageOf,
  type OrderEvent,
  ORDER_EVENTS,
  type TradingState,
} from "../../../contracts/index.ts";
import { EmbeddedFleet } from "../../../infra/app/embedded.ts";
import { createLogger, silentLogger } from "../../../agents/runtime/logger.ts";
import type { Store } from "../../../agents/runtime/store.ts";
import type { Venue } from "../../../agents/runtime/venue.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";
import {
  SimVenue,
  outcomeTokenId,
  windowSlug,
  type SimVenueOptions,
} from "../../../infra/venue-sim/index.ts";
import { createExecutionAgent, type ExecutionConfig } from "../../../agents/execution/index.ts";

export const WINDOW_MS = 900_000;

export interface BenchOptions {
  venue?: Partial<Omit<SimVenueOptions, "clock" | "rng">>;
  config?: Partial<ExecutionConfig>;
  /** Wraps the venue the agent sees (the bench keeps the real one). */
  wrapVenue?: (venue: SimVenue, store: Store) => Venue;
  /** The store (a MemoryStore subclass that can fail on demand, say). */
  store?: MemoryStore;
}

export type OrderMessage = MessageOf<`exec.order.${OrderEvent}`>;

export class Bench {
  readonly clock = new VirtualClock();
  readonly rng = new SeededRng(20260101);
  readonly store: MemoryStore;
  readonly venue: SimVenue;
  /** The venue the agent talks to: the SimVenue, or the test's wrapper around it. */
  readonly agentVenue: Venue;
  readonly fleet: EmbeddedFleet;
  readonly bus: Bus;
  readonly orders: OrderMessage[] = [];
  readonly fills: ExecFill[] = [];
  private readonly cro: MessageFactory;
  private readonly definition;
  private croTimer: TimerHandle | null = null;
  croState: TradingState = "ACTIVE";
  croEpoch = 1;
  private seq = 0;

  constructor(options: BenchOptions = {}) {
    this.store = options.store ?? new MemoryStore();
    this.venue = new SimVenue({
      clock: this.clock,
      rng: this.rng.fork("venue"),
      startingCollateral: 1_000_000_000,
      liquidity: { enabled: false },
      latency: { fixedMs: 5, jitterMs: 0 },
      ...options.venue,
    });
    this.venue.start();
    this.fleet = new EmbeddedFleet({
      clock: this.clock,
      rng: this.rng,
      store: this.store,
      // EXEC_TEST_LOG=debug shows the agent's log while a test runs.
      log:
        process.env.EXEC_TEST_LOG === undefined
          ? silentLogger()
          : createLogger({
              agent: "test",
              instance: "1",
              level: process.env.EXEC_TEST_LOG,
              pretty: false,
            }),
      mode: "PAPER",
    });
    this.agentVenue = options.wrapVenue?.(this.venue, this.store) ?? this.venue;
    this.definition = createExecutionAgent({
      venue: this.agentVenue,
      config: options.config ?? {},
    });
    this.bus = this.fleet.connect("test.1");
    this.cro = new MessageFactory(this.clock, this.rng.fork("cro"), {
      agent: "cro",
      instance: "1",
    });
    for (const event of ORDER_EVENTS) {
      this.bus.subscribe(`exec.order.${event}`, (m) => {
        this.orders.push(m);
      });
    }
    this.bus.subscribe("exec.fill", (m) => {
      this.fills.push(m);
    });
  }

  /** Starts the agent and a CRO that publishes its state every 500 ms. */
  async start(instance = "1"): Promise<void> {
    await this.fleet.start(this.definition, instance);
    await this.until(() => this.fleet.host("execution", instance)?.state() === "running", 10_000);
    this.startCro();
    await this.clock.advance(50);
  }

  /** Advances virtual time in small steps until `condition` holds; fails past `boundMs`. */
  async until(condition: () => boolean | Promise<boolean>, boundMs: number): Promise<void> {
    const limit = this.clock.now() + boundMs;
    while (!(await condition())) {
      if (this.clock.now() >= limit) throw new Error(`condition not met within ${boundMs} ms`);
      await this.clock.advance(10);
    }
  }

  startCro(): void {
    this.stopCro();
    void this.publishState();
    this.croTimer = this.clock.setInterval(500, () => void this.publishState());
  }

  /** The CRO falls silent (dead man). */
  stopCro(): void {
    if (this.croTimer !== null) this.clock.clearTimer(this.croTimer);
    this.croTimer = null;
  }

  async setState(state: TradingState): Promise<void> {
    this.croState = state;
    await this.publishState();
    await this.clock.advance(0);
  }

  publishState(): Promise<unknown> {
    return this.bus.publish(
      this.cro.make("cro.state", {
        state: this.croState,
        reason: "test",
        since: this.clock.now(),
        epoch: this.croEpoch,
        blockers: [],
        operatorHold: false,
        agents: [],
      }),
    );
  }

  /** The window open now, and its Up token. */
  window(): { windowId: string; upTokenId: string; downTokenId: string; startMs: number } {
    const startMs = Math.floor(this.clock.now() / WINDOW_MS) * WINDOW_MS;
    const windowId = windowSlug("btc", startMs, WINDOW_MS);
    return {
      windowId,
      startMs,
      upTokenId: outcomeTokenId(windowId, "Up"),
      downTokenId: outcomeTokenId(windowId, "Down"),
    };
  }

  intent(overrides: Partial<Intent> = {}): Intent {
    const w = this.window();
    return {
      intentId: `int-${++this.seq}`,
      strategy: "canary",
      windowId: w.windowId,
      tokenId: w.upTokenId,
      kind: "ENTRY",
      side: "BUY",
      orderType: "GTC",
      limitPrice: 400_000,
      size: 5_000_000,
      expiresAt: null,
      positionId: `pos-${this.seq}`,
      exitReason: null,
      bookSeq: null,
      reason: "test",
      ...overrides,
    };
  }

  /** A decision as the CRO would issue it: approved, for this exact intent, this epoch, unexpired. */
  decision(intent: Intent, overrides: Partial<CroDecision> = {}): CroDecision {
    const base = this.cro.make("cro.decision", {
      decisionId: `dec-${++this.seq}`,
      intentHash: intentHash(intent),
      intent,
      approved: true,
      reasons: [],
      checks: [],
      epoch: this.croEpoch,
      expiresAt: this.clock.now() + 5_000,
    });
    return { ...base, ...overrides };
  }

  /** Publishes a decision and lets the agent handle it (venue round trips included). */
  async send(decision: CroDecision, settleMs = 100): Promise<void> {
    await this.bus.publish({ ...decision, type: "cro.decision" });
    await this.clock.advance(settleMs);
  }

  /** Sends an approved decision for a fresh intent and returns its intent. */
  async approve(overrides: Partial<Intent> = {}, settleMs = 100): Promise<Intent> {
    const intent = this.intent(overrides);
    await this.send(this.decision(intent), settleMs);
    return intent;
  }

  ordersOf(orderId: string): OrderMessage[] {
    return this.orders.filter((m) => m.orderId === orderId);
  }

  /** Our orders at the venue (the liquidity providers' are not counted). */
  venueOrders(): number {
    return this.venue.snapshot().account.ordersTotal;
  }

  async audit(id: string): Promise<string[]> {
    return (await this.store.auditFor(id)).map((e) => e.kind);
  }

  async stop(): Promise<void> {
    this.stopCro();
    await this.fleet.stop();
    this.venue.stop();
  }
}
