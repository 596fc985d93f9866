import type { Command } from "commander";
import {
  AGENT_NAMES,
  agentDefinition,
  isAgentName,
  parseStrategyConfig,
  parseWebhooks,
} from "../../../agents/catalog.ts";
import { connectServices, runAgentProcess } from "../../app/process.ts";
import { MessageFactory } from "../../../bus/messages.ts";
import { RemoteVenue } from "../../venue-remote/client.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { natsSystemCredentials } from "../../nats/auth.ts";
import { approvalKeyFromEnv } from "../../../agents/runtime/approval-key.ts";
import { NatsConnectionEvents } from "../../../bus/nats-system.ts";

export function agentCommand(program: Command): void {
  program
    .command("agent")
    .description(
      `run one agent as its own process on NATS + PostgreSQL (${AGENT_NAMES.join(", ")})`,
    )
    .argument("<name>", "agent name")
    .option("--instance <id>", "instance id (default: PREDATOR_INSTANCE or p<pid>)")
    .option("--mode <mode>", "paper | dry-run | live | sim (default: PREDATOR_MODE or paper)")
    .action(async (name: string, options: { instance?: string; mode?: string }) => {
      if (!isAgentName(name)) {
        throw new ConfigError(
          "agent",
          `unknown agent "${name}" (known: ${AGENT_NAMES.join(", ")})`,
        );
      }
      const env: Record<string, string | undefined> = {
        ...process.env,
        ...(options.instance === undefined ? {} : { PREDATOR_INSTANCE: options.instance }),
        ...(options.mode === undefined ? {} : { PREDATOR_MODE: options.mode }),
      };
      const webhooks = parseWebhooks(env.PREDATOR_ALERT_WEBHOOKS);
      const strategy = parseStrategyConfig(env.PREDATOR_STRATEGY_CONFIG);
      const services = await connectServices(name, env);
      // Only the CRO (signs) and Execution (checks) use the approval key; others never read it.
      const approvalKey = name === "cro" || name === "execution" ? approvalKeyFromEnv(env) : null;
      // The CRO also watches the server's connection events when given system-account credentials.
      const sys = name === "cro" ? natsSystemCredentials(env) : null;
      const connectionEvents =
        sys === null
          ? undefined
          : await NatsConnectionEvents.connect({
              servers: services.settings.NATS_URL ?? "",
              ...sys,
              name: `cro.${services.instance}.sys`,
              logger: services.log,
            });
      const messages = new MessageFactory(services.clock, services.rng, {
        agent: name,
        instance: services.instance,
      });
      const definition = agentDefinition(name, {
        venue: (agent) =>
          new RemoteVenue(services.bus, messages, {
            userDurable: `${agent}-venue-user`,
            ackWaitMs: 5_000,
          }),
        webhooks,
        ...(strategy === undefined ? {} : { strategy }),
        ...(connectionEvents === undefined ? {} : { connectionEvents }),
        ...(approvalKey === null ? {} : { approvalKey }),
      });
      process.exitCode = await runAgentProcess(definition, services);
      await connectionEvents?.close().catch(() => undefined);
    });
}
