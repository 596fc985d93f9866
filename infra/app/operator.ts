/**
 * The operator's side of `ops.command`: halt, resume, controls.set and status, request/reply to the
 * CRO. The CRO audits every change as `operator.<command>` with the actor and the reason given
 * here, so the CLI and the HTTP API only say who is asking; they never write controls themselves.
 */
import { userInfo } from "node:os";
import type { Bus } from "../../bus/port.ts";
import type { Clock } from "../../bus/clock.ts";
import { MessageFactory } from "../../bus/messages.ts";
import type { Rng } from "../../bus/rng.ts";
import type { OpsCommand, OpsReply } from "../../contracts/ops.ts";
import type { CroLivenessRow } from "./fleet-view.ts";

export type OperatorCommand = OpsCommand["command"];

/** Bound on waiting for the CRO's reply. */
export const OPS_REPLY_TIMEOUT_MS = 3_000;

/** The CRO did not answer (dead, partitioned, or no leader). */
export class CroSilentError extends Error {
  readonly code = "CRO_SILENT";
  constructor(command: string, options?: { cause?: unknown }) {
    super(`the CRO did not answer "${command}" within ${OPS_REPLY_TIMEOUT_MS} ms`, options);
    this.name = "CroSilentError";
  }
}

export interface Operator {
  send(command: OperatorCommand, actor: string, reason: string): Promise<OpsReply>;
}

/** The CRO's status reply, as much of it as the operator tools read. */
export interface CroStatus {
  state: string;
  reason: string;
  since: number;
  epoch: number;
  blockers: string[];
  operatorHold: boolean;
  leader: boolean;
  agents: CroLivenessRow[];
  [key: string]: unknown;
}

export class BusOperator implements Operator {
  private readonly messages: MessageFactory;

  constructor(
    private readonly bus: Bus,
    clock: Clock,
    rng: Rng,
    instance: string,
  ) {
    this.messages = new MessageFactory(clock, rng, { agent: "ops", instance });
  }

  async send(command: OperatorCommand, actor: string, reason: string): Promise<OpsReply> {
    const message = this.messages.make("ops.command", { command, actor, reason });
    try {
      return await this.bus.request(message, "ops.reply", { timeoutMs: OPS_REPLY_TIMEOUT_MS });
    } catch (error) {
      throw new CroSilentError(command.kind, { cause: error });
    }
  }
}

/** Asks the CRO for its status; null when it did not answer. */
export async function croStatus(operator: Operator, actor: string): Promise<CroStatus | null> {
  try {
    const reply = await operator.send({ kind: "status" }, actor, "status");
    if (!reply.ok) return null;
    const status = JSON.parse(reply.detail) as CroStatus;
    // The CRO drops its agents table when the reply would be too long.
    return Array.isArray(status.agents) ? status : { ...status, agents: [] };
  } catch (error) {
    if (error instanceof CroSilentError) return null;
    throw error;
  }
}

/** `cli:<os user>`: who is at the terminal. */
export function cliActor(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? "unknown";
  }
  return `cli:${user}`.slice(0, 128);
}
