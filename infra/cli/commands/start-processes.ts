import type { SystemClock } from "../../../bus/clock.ts";
import { NatsBus } from "../../../bus/nats.ts";
import type { RuntimeSettings } from "../../../agents/runtime/config.ts";
import { createLogger } from "../../../agents/runtime/logger.ts";
import { natsCredentials } from "../../nats/auth.ts";
import { Supervisor } from "../../app/supervisor.ts";
import { Dashboard } from "../dashboard.ts";
import { fleetChildren, parseReplicas, prepareDatabase, venueSimArgs } from "../../app/fleet.ts";
import type { VenueCliOptions } from "../../app/venue-options.ts";

export async function startProcesses(args: {
  clock: SystemClock;
  settings: RuntimeSettings;
  raw: VenueCliOptions;
  statusEveryMs: number;
  stopSignal: Promise<string>;
}): Promise<void> {
  const { clock, settings, raw } = args;
  const log = createLogger({ agent: "supervisor", instance: "1" });
  const natsUrl = settings.NATS_URL ?? "";
  const databaseUrl = settings.DATABASE_URL ?? "";
  await prepareDatabase(databaseUrl, raw, clock, log);
  const supervisor = new Supervisor({
    clock,
    log,
    restartDelayMs: 500,
    restartDelayMaxMs: 30_000,
    stableAfterMs: 10_000,
    stopTimeoutMs: 10_000,
    stdio: "inherit",
  });
  const env = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" };
  const plan = {
    mode: "paper" as const,
    replicas: parseReplicas(undefined),
    venue: { command: "venue-sim" as const, args: venueSimArgs(raw) },
  };
  for (const child of fleetChildren(plan, env)) supervisor.add(child);
  const bus = await NatsBus.connect({
    servers: natsUrl,
    name: "ops.dashboard",
    clock,
    logger: log,
    ...natsCredentials("ops", process.env),
  });
  const dashboard = new Dashboard(bus, clock, (t) => process.stdout.write(t));
  dashboard.start(args.statusEveryMs);
  process.stdout.write(
    "predator: one process per agent on NATS + PostgreSQL, PAPER mode. Ctrl-C to stop.\n",
  );
  const why = await args.stopSignal;
  process.stdout.write(`predator: stopping (${why})\n`);
  await supervisor.stop();
  await dashboard.stop();
  await bus.close();
  process.stdout.write(dashboard.render() + "\npredator: stopped cleanly\n");
}
