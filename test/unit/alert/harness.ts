/**
 * A bench for the Alert agent: the agent on an EmbeddedFleet (VirtualClock, SeededRng,
 * MemoryStore) delivering through the real fetch adapter to a local Receiver; test messages go in
 * through a plain bus connection.
 *
 * Virtual time and real I/O: `drive` advances the clock a step at a time and, after each step,
 * waits (in real time, bounded) until the agent's mailbox is empty, so each HTTP attempt finishes
 * before virtual time moves on.
 */
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { MessageFactory, type Payload } from "../../../bus/messages.ts";
import type { AlertSent } from "../../../contracts/alerts.ts";
import type { MessageType } from "../../../contracts/registry.ts";
import { EmbeddedFleet } from "../../../infra/app/embedded.ts";
import { silentLogger } from "../../../agents/runtime/logger.ts";
import { MemoryStore } from "../../../infra/store/memory.ts";
import { createAlertAgent, fetchHttp, type AlertConfigInput } from "../../../agents/alert/index.ts";
import { Receiver } from "./receiver.ts";

export const T0 = 1_767_225_600_000;
export const PATHS = ["/discord", "/slack", "/telegram", "/json"] as const;
const IDLE_BOUND_MS = 10_000;

export class AlertBench {
  readonly clock = new VirtualClock(T0);
  readonly rng = new SeededRng(11);
  readonly store = new MemoryStore();
  readonly receiver = new Receiver();
  readonly fleet = new EmbeddedFleet({
    clock: this.clock,
    rng: this.rng,
    store: this.store,
    log: silentLogger(),
    mode: "PAPER",
  });
  readonly bus = this.fleet.connect("test.1");
  readonly sent: AlertSent[] = [];
  private readonly factories = new Map<string, MessageFactory>();
  instance = "1";

  constructor() {
    this.bus.subscribe("alert.sent", (m) => {
      this.sent.push(m);
    });
  }

  /** All four formats, one path each. */
  fourFormats(): AlertConfigInput["webhooks"] {
    return [
      { format: "discord", url: this.receiver.url("/discord") },
      { format: "slack", url: this.receiver.url("/slack") },
      { format: "telegram", url: this.receiver.url("/telegram?chat_id=42") },
      { format: "json", url: this.receiver.url("/json") },
    ];
  }

  async start(config: Partial<AlertConfigInput> = {}, instance = "1"): Promise<void> {
    if (this.receiver.port === 0) await this.receiver.open();
    const definition = createAlertAgent({
      http: fetchHttp(),
      config: {
        webhooks: this.fourFormats(),
        retryInitialMs: 200,
        retryMaxMs: 1_000,
        maxAttempts: 3,
        deadRetryMs: 2_000,
        rateLimitPerMinute: 1_000,
        requestTimeoutMs: 2_000,
        ...config,
      },
    });
    this.instance = instance;
    await this.fleet.start(definition, instance);
    await this.drive(() => false, 100, 1);
  }

  /** Publishes a message as if from `agent`. */
  async publish<T extends MessageType>(
    type: T,
    payload: Payload<T>,
    agent = "execution",
  ): Promise<void> {
    let factory = this.factories.get(agent);
    if (factory === undefined) {
      factory = new MessageFactory(this.clock, this.rng.fork(agent), { agent, instance: "1" });
      this.factories.set(agent, factory);
    }
    await this.bus.publish(factory.make(type, payload));
  }

  /** Steps virtual time by `stepMs` until `done()`, at most `maxSteps` steps. */
  async drive(done: () => boolean, stepMs = 100, maxSteps = 1_000): Promise<void> {
    for (let i = 0; i < maxSteps && !done(); i++) {
      await this.clock.advance(stepMs);
      await this.idle();
    }
  }

  /** Waits in real time (bounded) until the agent has nothing queued or running. */
  async idle(): Promise<void> {
    const host = this.fleet.host("alert", this.instance);
    const end = Date.now() + IDLE_BOUND_MS;
    while ((host?.mailboxDepth() ?? 0) > 0) {
      if (Date.now() > end) throw new Error(`alert agent still busy after ${IDLE_BOUND_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  async stop(): Promise<void> {
    await this.fleet.stop();
    await this.receiver.close();
  }
}
