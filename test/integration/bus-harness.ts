/**
 * One test harness over both Bus adapters, so the contract and fuzz suites run unchanged against
 * the in-memory broker (virtual time) and a real nats-server (real time). Every wait is for a
 * condition, bounded; nothing sleeps "long enough".
 */
import { settle, SystemClock, VirtualClock } from "../../bus/clock.ts";
import { MemoryBroker } from "../../bus/memory.ts";
import { MessageFactory, type Outgoing, type Payload } from "../../bus/messages.ts";
import { NatsBus } from "../../bus/nats.ts";
import type { Bus } from "../../bus/port.ts";
import { SeededRng } from "../../bus/rng.ts";
import type { MessageType } from "../../contracts/registry.ts";
import { natsTestPrefix } from "../harness/nats.ts";

export interface BusHarness {
  readonly kind: "memory" | "nats";
  makeBus(name: string): Promise<Bus>;
  /** Makes subscriptions made so far effective (NATS: the server has processed them). */
  sync(...buses: Bus[]): Promise<void>;
  /** Lets time run (virtual or real) until `predicate` holds; fails after `boundMs`. */
  waitFor(predicate: () => boolean, boundMs: number, what: string): Promise<void>;
  close(): Promise<void>;
}

const POLL_MS = 5;

export function memoryHarness(seed: number): BusHarness {
  const clock = new VirtualClock();
  const broker = new MemoryBroker({ clock, rng: new SeededRng(seed) });
  const buses: Bus[] = [];
  return {
    kind: "memory",
    makeBus(name) {
      const bus = broker.connect(name);
      buses.push(bus);
      return Promise.resolve(bus);
    },
    sync: () => Promise.resolve(),
    async waitFor(predicate, boundMs, what) {
      const until = clock.now() + boundMs;
      await settle();
      while (!predicate()) {
        if (!(await clock.step(until))) {
          await settle();
          if (predicate()) return;
          throw new Error(`memory bus: gave up after ${boundMs} virtual ms waiting for ${what}`);
        }
      }
    },
    async close() {
      for (const bus of buses) await bus.close();
    },
  };
}

export function natsHarness(url: string): BusHarness {
  const prefix = natsTestPrefix();
  const clock = new SystemClock();
  const buses: NatsBus[] = [];
  return {
    kind: "nats",
    async makeBus(name) {
      const bus = await NatsBus.connect({ servers: url, name, clock, prefix });
      buses.push(bus);
      return bus;
    },
    async sync(...targets) {
      for (const bus of targets) if (bus instanceof NatsBus) await bus.flush();
    },
    async waitFor(predicate, boundMs, what) {
      const deadline = Date.now() + boundMs;
      while (!predicate()) {
        if (Date.now() > deadline) {
          throw new Error(`nats bus: gave up after ${boundMs} ms waiting for ${what}`);
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
    async close() {
      for (const bus of buses) await bus.close();
    },
  };
}

/** Tracks a promise's outcome so a test can wait for it with `waitFor`. */
export function track<T>(promise: Promise<T>): {
  settled: () => boolean;
  value: () => T | undefined;
  error: () => unknown;
} {
  let state: { done: boolean; value?: T; error?: unknown } = { done: false };
  promise.then(
    (value) => (state = { done: true, value }),
    (error: unknown) => (state = { done: true, error }),
  );
  return { settled: () => state.done, value: () => state.value, error: () => state.error };
}

/** Builds valid messages of every kind the suites need, with a seeded id stream. */
export class Messages {
  private readonly factory: MessageFactory;

  constructor(seed: number, agent = "tester", instance = "1") {
    this.factory = new MessageFactory(new VirtualClock(), new SeededRng(seed), { agent, instance });
  }

  make<T extends MessageType>(type: T, payload: Payload<T>): Outgoing<T> {
    return this.factory.make(type, payload);
  }

  hb(seq: number, agent = "tester", instance = "1"): Outgoing<"hb"> {
    return {
      ...this.make("hb", {
        agent,
        instance,
        seq,
        lifecycle: "running",
        leader: null,
        pid: 100,
        startedAt: 0,
        mailboxDepth: 0,
        intervalMs: 1000,
      }),
      source: { agent, instance },
    };
  }

  croState(epoch: number): Outgoing<"cro.state"> {
    return this.make("cro.state", {
      state: "PAUSED",
      reason: "startup",
      since: 0,
      epoch,
      blockers: [],
      operatorHold: false,
      agents: [],
    });
  }

  fill(tradeId: string, size = 5_000_000): Outgoing<"exec.fill"> {
    return this.make("exec.fill", {
      tradeId,
      orderId: "o-1",
      venueOrderId: null,
      intentId: "i-1",
      positionId: null,
      strategy: "test",
      windowId: "w-1",
      tokenId: "tokA",
      kind: "ENTRY",
      side: "BUY",
      price: 550_000,
      size,
      fee: 0,
      liquidity: "TAKER",
      status: "MATCHED",
      intendedPrice: 550_000,
      mode: "PAPER",
    });
  }

  order<E extends "accepted" | "filled">(event: E, orderId: string): Outgoing<`exec.order.${E}`> {
    const type: `exec.order.${E}` = `exec.order.${event}`;
    return this.make(type, {
      orderId,
      venueOrderId: null,
      intentId: "i-1",
      decisionId: null,
      positionId: null,
      strategy: "test",
      windowId: "w-1",
      tokenId: "tokA",
      kind: "ENTRY",
      side: "BUY",
      orderType: "GTC",
      price: 550_000,
      size: 5_000_000,
      filledSize: event === "filled" ? 5_000_000 : 0,
      status: event === "filled" ? "FILLED" : "OPEN",
      reason: null,
      mode: "PAPER",
    } as Payload<`exec.order.${E}`>);
  }

  book(tokenId: string, seq: number): Outgoing<"md.book"> {
    return this.make("md.book", {
      tokenId,
      windowId: "w-1",
      seq,
      sourceTs: 0,
      receiveTs: 0,
      tickSize: 10_000,
      minSize: 5_000_000,
      bids: [{ price: 540_000, size: 10_000_000 }],
      asks: [{ price: 560_000, size: 10_000_000 }],
    });
  }

  command(reason: string): Outgoing<"ops.command"> {
    return this.make("ops.command", { command: { kind: "status" }, actor: "tester", reason });
  }

  reply(detail: string): Outgoing<"ops.reply"> {
    return this.make("ops.reply", { ok: true, error: null, state: "PAUSED", detail });
  }
}
