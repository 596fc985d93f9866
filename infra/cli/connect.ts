/**
 * The operator tools' own NATS connection, named `ops.<role>-<pid>` so the server's connection
 * events say who it is. Needs NATS_URL (a bad or missing value is a usage error: exit 2).
 */
import { pino } from "pino";
import { SystemClock } from "../../bus/clock.ts";
import { NatsBus } from "../../bus/nats.ts";
import type { Bus } from "../../bus/port.ts";
import { SystemRng } from "../../bus/rng.ts";
import { loadConfig, runtimeSettings } from "../../agents/runtime/config.ts";
import { ConfigError } from "../../agents/runtime/errors.ts";
import { createLogger } from "../../agents/runtime/logger.ts";
import { natsCredentials } from "../nats/auth.ts";
import { BusOperator } from "../app/operator.ts";

export interface OpsConnection {
  bus: Bus;
  clock: SystemClock;
  operator: BusOperator;
  close(): Promise<void>;
}

export async function connectOps(
  role: string,
  env: Record<string, string | undefined> = process.env,
): Promise<OpsConnection> {
  const settings = loadConfig(runtimeSettings, env);
  if (settings.NATS_URL === undefined)
    throw new ConfigError("NATS_URL", "required to reach the running fleet");
  const instance = `${role}-${process.pid}`;
  const clock = new SystemClock();
  const bus = await NatsBus.connect({
    servers: settings.NATS_URL,
    name: `ops.${instance}`,
    clock,
    // stderr: stdout is the command's answer (`--json` output must stay parseable).
    logger: createLogger({
      agent: "ops",
      instance,
      level: env.LOG_LEVEL ?? "warn",
      destination: pino.destination(2),
    }),
    // The operator's NATS user (infra/nats/): the only one allowed to publish `ops.>`.
    ...natsCredentials("ops", env),
    ...(env.PREDATOR_NATS_PREFIX === undefined ? {} : { prefix: env.PREDATOR_NATS_PREFIX }),
  });
  const operator = new BusOperator(bus, clock, new SystemRng(), instance);
  return { bus, clock, operator, close: () => bus.close() };
}
