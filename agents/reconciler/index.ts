/**
 * The Reconciler agent (singleton): proves the books agree with the venue and runs the runtime
 * assertions. See reconciler.ts for the actor, compare.ts and assertions.ts for the rules.
 */
import type { AgentDefinition } from "../runtime/actor.ts";
import type { Venue } from "../runtime/venue.ts";
import { resolveReconcilerConfig, type ReconcilerConfig } from "./config.ts";
import { Reconciler } from "./reconciler.ts";

export { compareWithVenue, confirmDifferences } from "./compare.ts";
export { ASSERTION_NAMES, runAssertions } from "./assertions.ts";
export { RECON_REQUIRED_AGENTS, resolveReconcilerConfig, type ReconcilerConfig } from "./config.ts";

export function createReconcilerAgent(deps: {
  venue: Venue;
  config?: Partial<ReconcilerConfig>;
}): AgentDefinition {
  const config = resolveReconcilerConfig(deps.config);
  return {
    name: "reconciler",
    singleton: true,
    create: (ctx) => new Reconciler(ctx, deps.venue, config),
  };
}
