/**
 * `predator health --agent NAME [--instance I]`: a container healthcheck. Listens for the agent's
 * heartbeat on NATS (`hb.<agent>.<instance>`, any instance if none is named) for at most
 * `--timeout-ms`, and exits 0 once a healthy one arrives — a running actor, or a singleton's hot
 * standby waiting on its lease — else 1. Connects with the agent's own NATS credentials
 * (infra/nats/: `PREDATOR_NATS_PASSWORD_<AGENT>`, else NATS_USER/NATS_PASSWORD), or `--user`'s.
 */
import { HEALTH_TIMEOUT_MS } from "../help.ts";
import type { Command } from "commander";
import { SystemClock, type TimerHandle } from "../../../bus/clock.ts";
import { NatsBus } from "../../../bus/nats.ts";
import type { Heartbeat } from "../../../contracts/heartbeats.ts";
import { AGENT_NAMES, isAgentName } from "../../../agents/catalog.ts";
import { loadConfig, runtimeSettings } from "../../../agents/runtime/config.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { natsCredentials } from "../../nats/auth.ts";
import { print } from "../output.ts";

const TIMEOUT_MIN_MS = HEALTH_TIMEOUT_MS.min;
const TIMEOUT_MAX_MS = HEALTH_TIMEOUT_MS.max;

interface HealthOptions {
  agent: string;
  instance?: string;
  timeoutMs: string;
  user?: string;
  json?: boolean;
}

export interface HealthVerdict {
  healthy: boolean;
  agent: string;
  instance: string | null;
  lifecycle: string | null;
  leader: boolean | null;
  reason: string;
}

/** A heartbeat says healthy when its actor runs, or when it is a singleton's waiting standby. */
export function heartbeatHealthy(hb: Pick<Heartbeat, "lifecycle" | "leader">): boolean {
  return hb.lifecycle === "running" || (hb.lifecycle === "starting" && hb.leader === false);
}

function parseTimeout(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < TIMEOUT_MIN_MS || n > TIMEOUT_MAX_MS) {
    throw new ConfigError(
      "--timeout-ms",
      `expected an integer from ${TIMEOUT_MIN_MS} to ${TIMEOUT_MAX_MS}, got "${raw}"`,
    );
  }
  return n;
}

export function healthCommand(program: Command): void {
  program
    .command("health")
    .description("exit 0 when the agent's heartbeat says healthy within the bound, else 1")
    .requiredOption("--agent <name>", `agent name (${AGENT_NAMES.join(", ")})`)
    .option("--instance <id>", "instance id (default: any instance)")
    .option("--timeout-ms <n>", "how long to listen for a heartbeat", "3000")
    .option("--user <name>", "NATS user to connect as (default: the agent's own)")
    .option("--json", "print machine-readable output")
    .action(async (options: HealthOptions) => {
      if (!isAgentName(options.agent)) {
        throw new ConfigError(
          "--agent",
          `unknown agent "${options.agent}" (known: ${AGENT_NAMES.join(", ")})`,
        );
      }
      const timeoutMs = parseTimeout(options.timeoutMs);
      const settings = loadConfig(runtimeSettings, process.env);
      if (settings.NATS_URL === undefined) throw new ConfigError("NATS_URL", "required");
      const verdict = await checkHealth({
        servers: settings.NATS_URL,
        agent: options.agent,
        instance: options.instance ?? null,
        timeoutMs,
        credentials: natsCredentials(options.user ?? options.agent, process.env),
      });
      if (options.json === true) print(JSON.stringify(verdict));
      else print(`${verdict.healthy ? "healthy" : "unhealthy"}: ${verdict.reason}`);
      process.exitCode = verdict.healthy ? 0 : 1;
    });
}

export interface HealthCheck {
  servers: string;
  agent: string;
  instance: string | null;
  timeoutMs: number;
  credentials: { user: string; pass: string } | Record<string, never>;
}

/** Waits (bounded) for one healthy heartbeat of the agent; a NATS it cannot reach is unhealthy. */
export async function checkHealth(check: HealthCheck): Promise<HealthVerdict> {
  const { agent, instance, timeoutMs } = check;
  const clock = new SystemClock();
  const base = { agent, instance, lifecycle: null, leader: null };
  let bus: NatsBus;
  try {
    bus = await NatsBus.connect({
      servers: check.servers,
      name: `health-${agent}.${String(process.pid)}`,
      clock,
      connectTimeoutMs: timeoutMs,
      ...check.credentials,
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { ...base, healthy: false, reason: `NATS unreachable: ${why}` };
  }
  try {
    return await new Promise<HealthVerdict>((resolve) => {
      let last: HealthVerdict | null = null;
      const timer: { handle: TimerHandle | null } = { handle: null };
      bus.subscribe(
        "hb",
        (hb) => {
          const verdict: HealthVerdict = {
            healthy: heartbeatHealthy(hb),
            agent,
            instance: hb.instance,
            lifecycle: hb.lifecycle,
            leader: hb.leader,
            reason: `${agent}.${hb.instance} ${hb.lifecycle}${hb.leader === false ? " (standby)" : ""}`,
          };
          last = verdict;
          if (!verdict.healthy) return;
          if (timer.handle !== null) clock.clearTimer(timer.handle);
          resolve(verdict);
        },
        { subject: `hb.${agent}.${instance ?? "*"}` },
      );
      timer.handle = clock.setTimer(timeoutMs, () => {
        const who = instance === null ? agent : `${agent}.${instance}`;
        const heard: HealthVerdict | null = last;
        resolve(
          heard === null
            ? { ...base, healthy: false, reason: `no heartbeat from ${who} within ${timeoutMs} ms` }
            : { ...heard, healthy: false },
        );
      });
    });
  } finally {
    await bus.close().catch(() => undefined);
  }
}
