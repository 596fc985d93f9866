/**
 * The Execution agent: the only agent that places orders, and only with a valid CRO approval.
 * See actor.ts for the lifecycle, approval.ts for what a valid approval is.
 */
import type { AgentDefinition } from "../runtime/actor.ts";
import type { Venue } from "../runtime/venue.ts";
import type { ApprovalKey } from "../../contracts/approval-signature.ts";
import { ExecutionActor } from "./actor.ts";
import { resolveExecutionConfig, type ExecutionConfig } from "./config.ts";

export { executionConfig, resolveExecutionConfig, type ExecutionConfig } from "./config.ts";
export {
  verifyApproval,
  kindPermitted,
  croFresh,
  describeRefusals,
  type ApprovalInput,
  type CroView,
  type Refusal,
  type RefusalCode,
  type Verdict,
} from "./approval.ts";
export { orderIdFor } from "./orders.ts";

export interface ExecutionDeps {
  venue: Venue;
  config?: Partial<ExecutionConfig>;
  /** Approvals must carry the CRO's signature by this key (PREDATOR_APPROVAL_KEY). */
  approvalKey?: ApprovalKey;
}

export function createExecutionAgent(deps: ExecutionDeps): AgentDefinition {
  const config = resolveExecutionConfig(deps.config);
  return {
    name: "execution",
    singleton: true,
    create: (ctx) => new ExecutionActor(ctx, deps.venue, config, deps.approvalKey ?? null),
  };
}
