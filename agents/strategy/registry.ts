/** The strategies a Strategy agent may run, by name, and which of them trade a given instrument. */
import type { z } from "zod";
import { canary } from "./canary.ts";
import { cheapSide } from "./cheap-side.ts";
import { momentum } from "./momentum.ts";
import { probe } from "./probe.ts";
import type { Strategy } from "./strategy.ts";

export class DuplicateStrategyError extends Error {
  readonly code = "DUPLICATE_STRATEGY";
  constructor(readonly strategy: string) {
    super(`strategy "${strategy}" is already registered`);
    this.name = "DuplicateStrategyError";
  }
}

export class StrategyRegistry {
  private readonly byName = new Map<string, Strategy>();

  constructor(strategies: readonly Strategy[] = []) {
    for (const s of strategies) this.register(s);
  }

  register<P extends z.ZodObject>(strategy: Strategy<P>): this {
    if (this.byName.has(strategy.name)) throw new DuplicateStrategyError(strategy.name);
    this.byName.set(strategy.name, strategy);
    return this;
  }

  get(name: string): Strategy | undefined {
    return this.byName.get(name);
  }

  list(): Strategy[] {
    return [...this.byName.values()];
  }

  /** Strategies whose instrument prefixes match `slug`, in registration order. */
  forSlug(slug: string): Strategy[] {
    return this.list().filter((s) => s.instruments.some((prefix) => slug.startsWith(prefix)));
  }
}

/**
 * The strategies predator ships: the canary, the momentum example, the probe (off until
 * configured, and not in the CRO's default allowed_strategies) and the strategy guide's example
 * `cheap-side` (not enabled unless configured, not allowed unless the controls say so).
 */
export function defaultStrategies(): StrategyRegistry {
  return new StrategyRegistry()
    .register(canary)
    .register(momentum)
    .register(probe)
    .register(cheapSide);
}
