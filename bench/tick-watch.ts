/**
 * What the bench sees of the pipeline, on its own bare NATS connection. Nothing here listens on
 * the path a tick takes (a subscriber to intents or decisions would compete for the CPU with the
 * agents at the very moment they work): the hops are read back afterwards from the JetStream
 * streams, whose server-side timestamps say when each intent and decision was stored. Live, it
 * follows `cro.state` (to start once ACTIVE), the events that end an order (so the next tick waits
 * for Execution to finish) and consumer ack floors (so a window's books go out once it is known).
 */
import { connect, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";

const decoder = new TextDecoder();
const POLL_MS = 1;
const FINAL_EVENTS = ["filled", "cancelled", "expired", "rejected", "refused", "unknown"];

export interface OrderSeen {
  orderId: string;
  status: string;
  reason: string | null;
}

/** A message read back from a stream: its body and when the server stored it (epoch ms). */
export interface Stored<T> {
  storedAt: number;
  message: T;
}

export interface IntentStored {
  intentId: string;
  tokenId: string;
  bookSeq: number | null;
}

export interface DecisionStored {
  approved: boolean;
  reasons: string[];
  intent: { intentId: string };
}

export class PipelineWatch {
  private readonly finals = new Map<string, OrderSeen>();
  private readonly waiting = new Map<string, (o: OrderSeen) => void>();
  private croState: string | null = null;
  /** Why the CRO is where it is: its reason and blockers, for an error that says why. */
  private croWhy = "";
  private croStates = 0;
  private readonly subs: Subscription[] = [];

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
  ) {
    for (const event of FINAL_EVENTS) {
      this.subs.push(
        nc.subscribe(`exec.order.${event}`, {
          callback: (_error, msg) => {
            const o = JSON.parse(decoder.decode(msg.data)) as OrderSeen;
            if (this.finals.has(o.orderId)) return;
            this.finals.set(o.orderId, o);
            this.waiting.get(o.orderId)?.(o);
            this.waiting.delete(o.orderId);
          },
        }),
      );
    }
    this.subs.push(
      nc.subscribe("cro.state", {
        callback: (_error, msg) => {
          const s = JSON.parse(decoder.decode(msg.data)) as {
            state: string;
            reason?: string;
            blockers?: string[];
          };
          this.croState = s.state;
          this.croWhy = `${s.reason ?? ""}; blockers: ${(s.blockers ?? []).join("; ") || "none"}`;
          this.croStates++;
        },
      }),
    );
  }

  static async connect(url: string): Promise<PipelineWatch> {
    const nc = await connect({ servers: url, name: "bench.watch", noAsyncTraces: true });
    const jsm = await jetstreamManager(nc, { timeout: 5_000 });
    await nc.flush();
    return new PipelineWatch(nc, jsm);
  }

  /** Waits until `count` cro.state messages in a row say `state`. */
  async croStateIs(state: string, count: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let streak = 0;
    let last = this.croStates;
    while (streak < count) {
      if (performance.now() > deadline) {
        // A bench must say why the fleet did not come up, not only that it did not.
        const last =
          this.croState === null ? "no cro.state at all" : `${this.croState}: ${this.croWhy}`;
        throw new Error(`CRO not ${state} within ${timeoutMs} ms (last: ${last})`);
      }
      await sleep(10);
      if (this.croStates === last) continue;
      last = this.croStates;
      streak = this.croState === state ? streak + 1 : 0;
    }
  }

  /** The event that ended order `orderId` (filled, cancelled, … refused, unknown). */
  orderFinal(orderId: string, timeoutMs: number): Promise<OrderSeen> {
    const known = this.finals.get(orderId);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(orderId);
        reject(new Error(`no final event for ${orderId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(orderId, (o) => {
        clearTimeout(timer);
        resolve(o);
      });
    });
  }

  /**
   * Waits until `count` consumers on `stream` have been delivered everything up to `streamSeq`.
   * For replaying readers (ordered consumers, ephemeral and un-acked, like the CRO's and the
   * Strategy's md.window readers), which have no durable name or ack floor to watch.
   */
  async delivered(stream: string, count: number, streamSeq: number, timeoutMs: number) {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      let past = 0;
      for await (const c of this.jsm.consumers.list(stream)) {
        if (c.delivered.stream_seq >= streamSeq) past++;
      }
      if (past >= count) return;
      if (performance.now() > deadline) {
        throw new Error(`${count} readers did not get ${stream} #${streamSeq} in ${timeoutMs} ms`);
      }
      await sleep(POLL_MS);
    }
  }

  /** Waits until durable `consumer` on `stream` has acked everything up to `streamSeq`. */
  async acked(stream: string, consumer: string, streamSeq: number, timeoutMs: number) {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const info = await this.jsm.consumers.info(stream, consumer);
      if (info.ack_floor.stream_seq >= streamSeq) return;
      if (performance.now() > deadline) {
        throw new Error(`${consumer} did not ack ${stream} #${streamSeq} within ${timeoutMs} ms`);
      }
      await sleep(POLL_MS);
    }
  }

  /** The last sequence stored in `stream` so far. */
  async lastSeq(stream: string): Promise<number> {
    return (await this.jsm.streams.info(stream)).state.last_seq;
  }

  /** Messages of `subject` stored in `stream` after `afterSeq`, oldest first. */
  async storedSince<T>(stream: string, subject: string, afterSeq: number): Promise<Stored<T>[]> {
    const last = await this.lastSeq(stream);
    const out: Stored<T>[] = [];
    for (let seq = afterSeq + 1; seq <= last; seq++) {
      const m = await this.jsm.streams.getMessage(stream, { seq });
      if (m?.subject !== subject) continue;
      out.push({ storedAt: epochMs(m.timestamp), message: m.json<T>() });
    }
    return out;
  }

  async close(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    await this.nc.close();
  }
}

/** RFC 3339 with up to nanoseconds ("…T00:30:01.123456789Z") → epoch ms with the fraction kept. */
export function epochMs(timestamp: string): number {
  const match = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?Z$/.exec(timestamp);
  if (match?.[1] === undefined) throw new Error(`unexpected JetStream timestamp ${timestamp}`);
  const seconds = Date.parse(`${match[1]}Z`);
  return seconds + Number(match[2] ?? "0") * 1000;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
