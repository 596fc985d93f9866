/**
 * Operator commands (`ops.command`, request/reply). Every halt, resume and control change is
 * audited as `operator.<command>` with who asked and why, accepted or not. A refused command
 * changes nothing and says exactly why. `status` is a read and is not audited (dashboards poll it).
 */
import { parseControl } from "../../contracts/controls.ts";
import type { HaltLevel, OpsCommand } from "../../contracts/ops.ts";
import type { Clock } from "../../bus/clock.ts";
import type { Store } from "../runtime/store.ts";
import type { TradingEvent } from "./machine.ts";
import type { TradingKeeper } from "./trading.ts";
import type { RiskWorld } from "./world.ts";

export interface OpsOutcome {
  ok: boolean;
  error: string | null;
  detail: string;
}

/** What the CRO actor lends the command handler. */
export interface CroOperations {
  readonly store: Store;
  readonly clock: Clock;
  readonly trading: TradingKeeper;
  readonly world: RiskWorld;
  isLeader(): boolean;
  /** Sends an operator event to the machine; records and publishes any change. */
  operate(event: TradingEvent, actor: string): Promise<void>;
  /** Halts (true) or resumes (false) one strategy; refused when it changes nothing. */
  strategy(name: string, halted: boolean, actor: string, reason: string): Promise<OpsOutcome>;
  /** Marks one trade on the review list reviewed (`reason` is the note). */
  review(positionId: string, actor: string, note: string): Promise<OpsOutcome>;
  /** Re-reads the store and re-evaluates at once (a control change acts immediately). */
  refreshNow(): Promise<void>;
  status(): Record<string, unknown>;
}

const DETAIL_MAX = 4000;

const ok = (detail: string): OpsOutcome => ({ ok: true, error: null, detail });
const refuse = (error: string): OpsOutcome => ({
  ok: false,
  error: error.slice(0, 500),
  detail: "",
});

export async function runCommand(cmd: OpsCommand, ops: CroOperations): Promise<OpsOutcome> {
  const c = cmd.command;
  if (c.kind === "status") return ok(statusText(ops.status()));
  if (!ops.isLeader()) return refuse("this CRO instance is not the leader; ask again");
  let outcome: OpsOutcome;
  switch (c.kind) {
    case "halt":
      outcome = await halt(c.level, cmd, ops);
      break;
    case "resume":
      outcome = await resume(cmd, ops);
      break;
    case "controls.set":
      outcome = await setControl(c.key, c.value, cmd, ops);
      break;
    case "strategy.halt":
    case "strategy.resume":
      outcome = await ops.strategy(c.strategy, c.kind === "strategy.halt", cmd.actor, cmd.reason);
      break;
    case "review.mark":
      outcome = await ops.review(c.positionId, cmd.actor, cmd.reason);
      break;
  }
  await ops.store.appendAudit({
    ts: ops.clock.now(),
    agent: "cro",
    kind: `operator.${c.kind}`,
    correlationId: cmd.correlationId,
    intentId: null,
    orderId: null,
    positionId: null,
    decisionId: null,
    detail: { actor: cmd.actor, reason: cmd.reason, command: c, outcome },
  });
  return outcome;
}

async function halt(level: HaltLevel, cmd: OpsCommand, ops: CroOperations): Promise<OpsOutcome> {
  const now = ops.clock.now();
  const reason = `${cmd.reason} (by ${cmd.actor})`;
  await ops.operate({ type: "OPERATOR_HALT", now, level, reason }, cmd.actor);
  return ok(`${ops.trading.state}, operator hold on`);
}

async function resume(cmd: OpsCommand, ops: CroOperations): Promise<OpsOutcome> {
  if (ops.world.controls.kill_switch === "on") {
    return refuse("kill_switch is on: set it off (controls.set kill_switch off) before resuming");
  }
  const { operatorHold, tripped } = ops.trading.context;
  if (ops.trading.state === "ACTIVE" && !operatorHold && !tripped) {
    return refuse("nothing to resume: already ACTIVE with no operator hold");
  }
  const now = ops.clock.now();
  // A resume opens a new session: the session loss limit counts from the operator's go.
  ops.world.sessionStartAt = now;
  const reason = `${cmd.reason} (by ${cmd.actor})`;
  await ops.operate({ type: "OPERATOR_RESUME", now, reason }, cmd.actor);
  await ops.refreshNow();
  const blockers = ops.world.blockers(ops.clock.now()).map((b) => b.text);
  const waiting = blockers.length === 0 ? "" : `; waiting for: ${blockers.join("; ")}`;
  return ok(`hold cleared; ${ops.trading.state}${waiting}`.slice(0, DETAIL_MAX));
}

async function setControl(
  key: string,
  value: string,
  cmd: OpsCommand,
  ops: CroOperations,
): Promise<OpsOutcome> {
  const parsed = parseControl(key, value);
  if (!parsed.ok) return refuse(parsed.error);
  await ops.store.setControl(parsed.key, value, cmd.actor, ops.clock.now());
  await ops.refreshNow();
  return ok(`${parsed.key} = ${value}; ${ops.trading.state}`);
}

/** JSON of the status, dropping the agents table if it would not fit the reply. */
function statusText(status: Record<string, unknown>): string {
  const full = JSON.stringify(status);
  if (full.length <= DETAIL_MAX) return full;
  const { agents: _agents, ...rest } = status;
  return JSON.stringify({ ...rest, agents: "omitted: too long" }).slice(0, DETAIL_MAX);
}
