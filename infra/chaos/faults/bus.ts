/**
 * Bus faults through the MemoryBroker's fault injector: drop, delay (and a 5–10 s lag), duplicate,
 * reorder (a short delay lets later messages overtake), corrupt (the receiver must dead-letter it),
 * and a partition that cuts one agent off from the rest.
 *
 * Only deliveries to fleet agents are touched: an observer or the invariant checker listening on
 * its own connection must see the truth. A partition drops core messages both ways; stream
 * messages are held until the partition ends, as a NATS client buffers while reconnecting and a
 * pull consumer takes nothing while cut off (so no delivery attempts are burned).
 */
import type { DeliveryFault, DeliveryInfo, MemoryBroker } from "../../../bus/memory.ts";
import type { Clock } from "../../../bus/clock.ts";
import type { Rng } from "../../../bus/rng.ts";
import { AGENT_NAMES, isAgentName } from "../../../agents/catalog.ts";
import { agentOf, between, type FaultContext, type FaultKind, type Injection } from "./types.ts";

type Rule =
  | { kind: "drop" | "duplicate" | "corrupt"; probability: number }
  | { kind: "delay"; probability: number; minMs: number; maxMs: number }
  | { kind: "partition"; agent: string; untilMs: number };

const DELIVER: DeliveryFault = { kind: "deliver" };

/** The active bus rules; installs the broker hook only while at least one is active. */
export class BusChaos {
  private readonly rules = new Map<number, Rule>();
  private nextId = 1;
  readonly counts = { dropped: 0, delayed: 0, duplicated: 0, corrupted: 0, held: 0 };

  constructor(
    private readonly broker: MemoryBroker,
    private readonly clock: Clock,
    private readonly rng: Rng,
  ) {}

  add(rule: Rule): () => void {
    const id = this.nextId++;
    this.rules.set(id, rule);
    this.broker.setFaultInjector(this.inject);
    return () => {
      this.rules.delete(id);
      if (this.rules.size === 0) this.broker.setFaultInjector(null);
    };
  }

  clear(): void {
    this.rules.clear();
    this.broker.setFaultInjector(null);
  }

  private readonly inject = (d: DeliveryInfo): DeliveryFault => {
    if (!isAgentName(agentOf(d.to))) return DELIVER;
    for (const rule of this.rules.values()) {
      const fault = this.apply(rule, d);
      if (fault !== null) return fault;
    }
    return DELIVER;
  };

  private apply(rule: Rule, d: DeliveryInfo): DeliveryFault | null {
    if (rule.kind === "partition") return this.partition(rule, d);
    if (this.rng.float() >= rule.probability) return null;
    switch (rule.kind) {
      case "drop":
        this.counts.dropped++;
        return { kind: "drop" };
      case "duplicate":
        this.counts.duplicated++;
        return { kind: "duplicate" };
      case "corrupt":
        this.counts.corrupted++;
        return { kind: "corrupt" };
      case "delay":
        this.counts.delayed++;
        return { kind: "delay", ms: between(this.rng, rule.minMs, rule.maxMs) };
    }
  }

  private partition(
    rule: Extract<Rule, { kind: "partition" }>,
    d: DeliveryInfo,
  ): DeliveryFault | null {
    if (agentOf(d.to) !== rule.agent && d.sender() !== rule.agent) return null;
    if (!d.durable) {
      this.counts.dropped++;
      return { kind: "drop" };
    }
    this.counts.held++;
    return { kind: "delay", ms: Math.max(1, rule.untilMs - this.clock.now()) };
  }
}

function probabilityFault(
  kind: string,
  rule: "drop" | "duplicate" | "corrupt",
  base: number,
  durationMs: readonly [number, number],
  bus: () => BusChaos,
): FaultKind {
  return {
    kind,
    family: "bus",
    durationMs,
    inject(ctx: FaultContext): Injection {
      const probability = Math.min(0.5, base * ctx.intensity * (0.5 + ctx.rng.float()));
      const remove = bus().add({ kind: rule, probability });
      return { target: "bus", detail: `p=${probability.toFixed(3)}`, heal: remove };
    },
  };
}

function delayFault(
  kind: string,
  base: number,
  range: readonly [number, number],
  durationMs: readonly [number, number],
  bus: () => BusChaos,
): FaultKind {
  return {
    kind,
    family: "bus",
    durationMs,
    inject(ctx: FaultContext): Injection {
      const probability = Math.min(0.8, base * ctx.intensity * (0.5 + ctx.rng.float()));
      const [minMs, maxMs] = range;
      const remove = bus().add({ kind: "delay", probability, minMs, maxMs });
      return {
        target: "bus",
        detail: `p=${probability.toFixed(3)} delay ${minMs}-${maxMs} ms`,
        heal: remove,
      };
    },
  };
}

/** A partition of one agent (any of the seven, or a fixed one: the CRO scenario). */
export function partitionFault(
  kind: string,
  family: "bus" | "governance",
  agent: string | null,
  durationMs: readonly [number, number],
  bus: () => BusChaos,
): FaultKind {
  return {
    kind,
    family,
    durationMs,
    inject(ctx: FaultContext): Injection {
      const target = agent ?? AGENT_NAMES[ctx.rng.int(0, AGENT_NAMES.length - 1)] ?? "cro";
      const remove = bus().add({ kind: "partition", agent: target, untilMs: ctx.healAt });
      return { target, detail: `cut off from the bus until ${ctx.healAt}`, heal: remove };
    },
  };
}

export function busFaults(bus: () => BusChaos): FaultKind[] {
  return [
    probabilityFault("bus.drop", "drop", 0.05, [30_000, 600_000], bus),
    delayFault("bus.delay", 0.1, [50, 2_000], [30_000, 600_000], bus),
    { ...delayFault("bus.lag", 0.5, [5_000, 10_000], [20_000, 120_000], bus), perDay: 1 },
    probabilityFault("bus.duplicate", "duplicate", 0.05, [30_000, 600_000], bus),
    delayFault("bus.reorder", 0.1, [1, 300], [30_000, 600_000], bus),
    probabilityFault("bus.corrupt", "corrupt", 0.02, [30_000, 600_000], bus),
    { ...partitionFault("bus.partition", "bus", null, [5_000, 60_000], bus), perDay: 1 },
  ];
}
