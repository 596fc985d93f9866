/**
 * JetStream topology for the NATS adapter: the wire names of subjects and streams under an
 * optional prefix, the streams of the registry (created or updated at connect), and the durable
 * pull consumers behind `Bus.consume`. Written for nats-server 2.9 (Debian bookworm): one
 * `filter_subject` per consumer, no multi-filter consumers.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import {
  DUPLICATE_WINDOW_MS,
  STREAM_MAX_AGE_MS,
  STREAM_MAX_MESSAGES,
  STREAMS,
  type StreamName,
} from "../contracts/registry.ts";
import { BusError } from "./errors.ts";

export { DUPLICATE_WINDOW_MS, STREAM_MAX_AGE_MS, STREAM_MAX_MESSAGES };

const PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Maps logical subjects and stream names to their wire form under an optional prefix. */
export class WireNames {
  private readonly dotted: string;

  constructor(readonly prefix: string | undefined) {
    if (prefix !== undefined && !PREFIX_PATTERN.test(prefix)) {
      throw new BusError("INVALID_PREFIX", `bus prefix "${prefix}" must match ${PREFIX_PATTERN}`);
    }
    this.dotted = prefix === undefined ? "" : `${prefix}.`;
  }

  subject(logical: string): string {
    return this.dotted + logical;
  }

  /** The logical subject a handler sees; subjects outside the prefix come back unchanged. */
  logical(wire: string): string {
    return this.dotted !== "" && wire.startsWith(this.dotted)
      ? wire.slice(this.dotted.length)
      : wire;
  }

  stream(name: StreamName): string {
    return this.prefix === undefined ? name : `${this.prefix}_${name}`;
  }
}

/** Durable names may not hold `.`, `*`, `>`, whitespace or path separators. */
export function consumerName(durable: string): string {
  const name = durable.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 128);
  if (name === "") throw new BusError("INVALID_CONSUMER", "durable consumer name is empty");
  return name;
}

function streamConfig(
  names: WireNames,
  name: StreamName,
  replicas: number,
): Partial<StreamConfig> & { name: string } {
  return {
    name: names.stream(name),
    subjects: STREAMS[name].subjects.map((s) => names.subject(s)),
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    max_age: nanos(STREAM_MAX_AGE_MS),
    max_msgs: STREAM_MAX_MESSAGES,
    num_replicas: replicas,
  };
}

function isNotFound(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

/** Creates or updates every stream of the registry, then checks that each one exists. */
/**
 * `replicas` unset keeps what an existing stream has (1 for a new one): an operator tool or the
 * venue connecting without the setting never shrinks the streams the agents asked for.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  names: WireNames,
  replicas?: number,
): Promise<void> {
  for (const name of Object.keys(STREAMS) as StreamName[]) {
    const config = streamConfig(names, name, replicas ?? 1);
    try {
      try {
        const existing = await jsm.streams.info(config.name);
        config.num_replicas = replicas ?? existing.config.num_replicas;
        await jsm.streams.update(config.name, config);
      } catch (error) {
        if (!isNotFound(error, JetStreamApiCodes.StreamNotFound)) throw error;
        await jsm.streams.add(config);
      }
      const info = await jsm.streams.info(config.name);
      if (info.config.name !== config.name) throw new Error(`got stream ${info.config.name}`);
    } catch (error) {
      throw new BusError("STREAM_SETUP_FAILED", `stream ${config.name} could not be set up`, {
        cause: error,
      });
    }
  }
}

export interface DurableSpec {
  stream: string;
  name: string;
  filterSubject: string;
  ackWaitMs: number;
  maxDeliver: number;
  deliverPolicy: "all" | "new" | "last_per_subject";
}

/** The JetStream deliver policy of a port-level one. */
export function deliverPolicyOf(policy: DurableSpec["deliverPolicy"]): DeliverPolicy {
  switch (policy) {
    case "all":
      return DeliverPolicy.All;
    case "new":
      return DeliverPolicy.New;
    case "last_per_subject":
      return DeliverPolicy.LastPerSubject;
  }
}

/**
 * Creates the durable pull consumer, or updates the fields that may change between releases
 * (ack wait, max deliver). Its position is kept: a restarted process resumes where it stopped.
 */
export async function ensureDurable(jsm: JetStreamManager, spec: DurableSpec): Promise<void> {
  const config: Partial<ConsumerConfig> = {
    durable_name: spec.name,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(spec.ackWaitMs),
    max_deliver: spec.maxDeliver,
    filter_subject: spec.filterSubject,
    deliver_policy: deliverPolicyOf(spec.deliverPolicy),
  };
  try {
    let existing;
    try {
      existing = await jsm.consumers.info(spec.stream, spec.name);
    } catch (error) {
      if (!isNotFound(error, JetStreamApiCodes.ConsumerNotFound)) throw error;
      await jsm.consumers.add(spec.stream, config);
      return;
    }
    if (existing.config.filter_subject !== spec.filterSubject) {
      throw new Error(
        `existing consumer filters "${existing.config.filter_subject ?? ""}", not "${spec.filterSubject}"`,
      );
    }
    if (
      existing.config.ack_wait !== config.ack_wait ||
      existing.config.max_deliver !== spec.maxDeliver
    ) {
      await jsm.consumers.update(spec.stream, spec.name, {
        ack_wait: nanos(spec.ackWaitMs),
        max_deliver: spec.maxDeliver,
      });
    }
  } catch (error) {
    throw new BusError(
      "CONSUMER_SETUP_FAILED",
      `durable consumer ${spec.name} on ${spec.stream} could not be set up`,
      { cause: error },
    );
  }
}
