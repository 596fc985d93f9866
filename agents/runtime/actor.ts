/**
 * The actor base. An actor owns its state and reacts to typed messages; the runtime feeds every
 * message, timer and durable delivery through one bounded mailbox, so handlers never overlap.
 * `start()` is both startup and recovery (crash-only): it rebuilds state from the Store and the
 * streams, then registers handlers.
 */
import type { Logger } from "pino";
import type { Bus, ConsumeOptions, PublishAck, SubscribeOptions } from "../../bus/port.ts";
import type { Clock, TimerHandle } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import type { Cause, MessageFactory, Payload } from "../../bus/messages.ts";
import type { Mode } from "../../contracts/common.ts";
import type { MessageOf, MessageType } from "../../contracts/registry.ts";
import type { Fence, Store } from "./store.ts";

export interface Identity {
  readonly agent: string;
  readonly instance: string;
}

/** Per-delivery context: a logger carrying the correlation id, and the delivery's details. */
export interface Delivery {
  readonly log: Logger;
  readonly subject: string;
  /** 1 for core messages; the JetStream delivery count for durable ones. */
  readonly deliveryCount: number;
}

export type MessageHandler<T extends MessageType> = (
  message: MessageOf<T>,
  delivery: Delivery,
) => void | Promise<void>;

export interface DurableOptions {
  durable: string;
  ackWaitMs?: number;
  maxDeliver?: number;
  deliverPolicy?: ConsumeOptions["deliverPolicy"];
  subject?: string;
  /** Re-read the stream at every start instead of resuming (see `ConsumeOptions.replay`). */
  replay?: boolean;
}

/** What the runtime gives an actor. Everything nondeterministic comes through here. */
export interface ActorContext {
  readonly identity: Identity;
  readonly mode: Mode;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly store: Store;
  readonly log: Logger;
  readonly messages: MessageFactory;
  /** The lease fence for singleton writes; null for agents that are not singletons. */
  fence(): Fence | null;
  on<T extends MessageType>(type: T, handler: MessageHandler<T>, options?: SubscribeOptions): void;
  /**
   * Control plane: `handler` runs at delivery, ahead of the mailbox, so a halt takes effect even
   * while older work is queued. It must be synchronous and only update in-memory state; anything
   * with side effects belongs in an `on` handler for the same type, which still runs in order.
   */
  onControl<T extends MessageType>(type: T, handler: (message: MessageOf<T>) => void): void;
  onDurable<T extends MessageType>(
    type: T,
    options: DurableOptions,
    handler: MessageHandler<T>,
  ): Promise<void>;
  /** Runs `fn` through the mailbox every `periodMs`; skipped while the previous run is queued. */
  every(periodMs: number, label: string, fn: () => void | Promise<void>): void;
  /** Runs `fn` through the mailbox once after `delayMs`. */
  after(delayMs: number, label: string, fn: () => void | Promise<void>): TimerHandle;
  cancelTimer(handle: TimerHandle): void;
  /** Builds and publishes a message, linked to its cause. */
  publish<T extends MessageType>(
    type: T,
    payload: Payload<T>,
    cause?: Cause | null,
  ): Promise<PublishAck>;
}

export abstract class Actor {
  constructor(protected readonly ctx: ActorContext) {}

  /** Startup and recovery: rebuild state, register handlers. */
  abstract start(): Promise<void>;

  /** Graceful stop, after the mailbox drained. Should end with `release()`. */
  stop(): Promise<void> {
    this.release();
    return Promise.resolve();
  }

  /**
   * Drops every callback registered outside the host (venue feeds, bus status listeners,
   * connection watchers, request servers), running nothing else. The host calls it when it
   * crashes: a dead process's sockets close with it, and in one process (the embedded fleet, the
   * simulator) a dead actor still subscribed would keep working on a feed it can no longer act on.
   */
  release(): void {
    // Nothing registered outside the host by default.
  }

  /** Extra fields for this actor's heartbeat-level status (shown by `predator status`). */
  describe(): Record<string, unknown> {
    return {};
  }
}

export interface AgentDefinition {
  readonly name: string;
  /** Singletons hold a PostgreSQL lease; a second replica waits as hot standby. */
  readonly singleton: boolean;
  create(ctx: ActorContext): Actor;
}
