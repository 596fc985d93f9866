/**
 * Durable, at-least-once consumption for the NATS adapter: one pull consumer per durable name,
 * messages handled one at a time in stream order (an actor's mailbox), explicit ack. A handler
 * that throws leaves the message un-acked, so JetStream redelivers it after `ackWaitMs`; on the
 * last allowed delivery it is dead-lettered and terminated instead of silently dropped.
 */
import type { JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import { specOf, subjectMatches, type MessageOf, type MessageType } from "../contracts/registry.ts";
import { decode } from "./codec.ts";
import { BusError } from "./errors.ts";
import { consumerName, deliverPolicyOf, ensureDurable, type WireNames } from "./nats-streams.ts";
import type { ConsumeOptions, DurableDelivery, DurableHandler, Subscription } from "./port.ts";

/** Messages pulled ahead of the handler; un-handled ones are redelivered after ack wait. */
export const CONSUME_BATCH_MAX = 64;

const decoder = new TextDecoder();

export interface ConsumeHooks {
  readonly names: WireNames;
  readonly ackTimeoutMs: number;
  deadLetter(subject: string, reason: string, raw: string): void;
  delivered(): void;
  handlerFailed(error: unknown, context: Record<string, unknown>): void;
}

export async function startDurableConsumer<T extends MessageType>(
  js: JetStreamClient,
  jsm: JetStreamManager,
  hooks: ConsumeHooks,
  type: T,
  options: ConsumeOptions,
  handler: DurableHandler<T>,
): Promise<Subscription> {
  const spec = specOf(type);
  if (spec.delivery.kind !== "stream") {
    throw new BusError("NOT_DURABLE", `${type} is a core message type and has no stream`);
  }
  const logicalFilter = options.subject ?? spec.pattern;
  if (!subjectMatches(spec.pattern, logicalFilter)) {
    throw new BusError("INVALID_SUBJECT", `"${logicalFilter}" is not a subject of ${type}`);
  }
  const stream = hooks.names.stream(spec.delivery.stream);
  const name = consumerName(options.durable);
  const replay = options.replay === true;
  if (!replay) {
    await ensureDurable(jsm, {
      stream,
      name,
      filterSubject: hooks.names.subject(logicalFilter),
      ackWaitMs: options.ackWaitMs,
      maxDeliver: options.maxDeliver,
      deliverPolicy: options.deliverPolicy,
    });
  }
  // A replay reads through an ordered consumer: private, un-acked, gone with the connection.
  const consumer = replay
    ? await js.consumers.get(stream, {
        filter_subjects: hooks.names.subject(logicalFilter),
        deliver_policy: deliverPolicyOf(options.deliverPolicy),
      })
    : await js.consumers.get(stream, name);
  const messages = await consumer.consume({ max_messages: CONSUME_BATCH_MAX });
  const state = { stopped: false };
  const loop = (async () => {
    for await (const m of messages) {
      // Messages already pulled when we stop stay un-acked and go to the next consumer.
      if (state.stopped) break;
      await handleOne(hooks, type, options.maxDeliver, handler, m, replay);
    }
  })().catch((error: unknown) => {
    hooks.handlerFailed(error, { durable: name, stream, stage: "consume loop" });
  });
  return {
    async unsubscribe() {
      if (state.stopped) return;
      state.stopped = true;
      await messages.close();
      await loop;
    },
  };
}

async function handleOne<T extends MessageType>(
  hooks: ConsumeHooks,
  type: T,
  maxDeliver: number,
  handler: DurableHandler<T>,
  m: JsMsg,
  replay: boolean,
): Promise<void> {
  const subject = hooks.names.logical(m.subject);
  const decoded = decode(subject, m.data);
  if (!decoded.ok || decoded.type !== type) {
    const reason = decoded.ok ? `${decoded.type} is not ${type}` : decoded.reason;
    hooks.deadLetter(subject, reason, decoded.ok ? decoder.decode(m.data) : decoded.raw);
    if (!replay) m.term();
    return;
  }
  const delivery = makeDelivery(hooks, m, subject, decoded.message as MessageOf<T>, replay);
  hooks.delivered();
  try {
    await handler(delivery);
  } catch (error) {
    const context = { subject, streamSeq: m.seq, deliveryCount: delivery.deliveryCount };
    hooks.handlerFailed(error, context);
    if (!replay && delivery.deliveryCount >= maxDeliver) {
      const why = error instanceof Error ? error.message : String(error);
      hooks.deadLetter(
        subject,
        `max deliveries: ${delivery.deliveryCount} deliveries failed, last: ${why}`,
        decoder.decode(m.data),
      );
      m.term();
    }
  }
}

function makeDelivery<T extends MessageType>(
  hooks: ConsumeHooks,
  m: JsMsg,
  subject: string,
  message: MessageOf<T>,
  replay: boolean,
): DurableDelivery<T> {
  if (replay) {
    const none = () => Promise.resolve();
    return { message, subject, deliveryCount: 1, streamSeq: m.seq, ack: none, nak: none };
  }
  return {
    message,
    subject,
    deliveryCount: m.info.deliveryCount,
    streamSeq: m.seq,
    async ack() {
      try {
        // A confirmed ack: after it resolves the server will not redeliver this message.
        await m.ackAck({ timeout: hooks.ackTimeoutMs });
      } catch (error) {
        throw new BusError("ACK_FAILED", `ack of ${subject} #${m.seq} failed`, { cause: error });
      }
    },
    nak(delayMs: number) {
      m.nak(delayMs);
      return Promise.resolve();
    },
  };
}
