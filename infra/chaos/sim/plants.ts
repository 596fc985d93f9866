/**
 * Planted bugs: deliberately broken safety checks that prove the invariant checker and a seeded
 * campaign catch what they claim to catch (issue 6 acceptance). Production code never sees these;
 * only the simulator's world wraps an agent definition with one when asked by name.
 *
 * `accept-expired-approval`: Execution accepts approvals that have expired. Modelled by wrapping
 * Execution's `cro.decision` consumer: a seeded share of decisions is held back past the approval
 * TTL (a slow Execution), then handed to the real handler with the expiry pushed into the future,
 * so Execution's own expiry check no longer sees it. Every other check still runs unchanged.
 */
import type { Rng } from "../../../bus/rng.ts";
import type { AgentName } from "../../../agents/catalog.ts";
import type {
  ActorContext,
  AgentDefinition,
  DurableOptions,
  MessageHandler,
} from "../../../agents/runtime/actor.ts";
import type { MessageType } from "../../../contracts/registry.ts";

export const PLANTS = ["accept-expired-approval"] as const;
export type Plant = (typeof PLANTS)[number];

export function isPlant(name: string): name is Plant {
  return (PLANTS as readonly string[]).includes(name);
}

/** How long a held-back decision waits: past the default approval TTL (3 s). */
const HOLD_BACK_MS = 4_000;
/** The share of decisions held back. */
const HOLD_BACK_SHARE = 0.5;

export function plantedDefinition(
  _plant: Plant,
  agent: AgentName,
  base: AgentDefinition,
  rng: Rng,
): AgentDefinition {
  // One plant so far; a switch over `plant` belongs here when a second arrives.
  if (agent !== "execution") return base;
  return { ...base, create: (ctx) => base.create(expiredApprovalContext(ctx, rng)) };
}

function expiredApprovalContext(ctx: ActorContext, rng: Rng): ActorContext {
  const onDurable = <T extends MessageType>(
    type: T,
    options: DurableOptions,
    handler: MessageHandler<T>,
  ): Promise<void> => {
    if (type !== "cro.decision") return ctx.onDurable(type, options, handler);
    return ctx.onDurable(type, options, (message, delivery) => {
      if (rng.float() >= HOLD_BACK_SHARE) return handler(message, delivery);
      ctx.after(HOLD_BACK_MS, "planted.hold-back", () => {
        const forged = { ...message, expiresAt: ctx.clock.now() + 60_000 };
        return handler(forged, delivery);
      });
    });
  };
  return new Proxy(ctx, {
    get(target, property, receiver) {
      if (property === "onDurable") return onDurable;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function"
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}
