import { fileURLToPath } from "node:url";
import type { SystemClock } from "../../../bus/clock.ts";
import { NatsBus } from "../../../bus/nats.ts";
import { migrate } from "../../../infra/store/migrate.ts";
import { PgStore } from "../../../infra/store/pg.ts";
import { AGENT_NAMES } from "../../catalog.ts";
import type { RuntimeSettings } from "../../runtime/config.ts";
import { createLogger } from "../../runtime/logger.ts";
import { Supervisor } from "../../runtime/supervisor.ts";
import { Dashboard } from "../dashboard.ts";
import {
  allowSimulatedInstrument,
  parseVenueOptions,
  windowArgs,
  type VenueCliOptions,
} from "../venue-options.ts";

const CLI = fileURLToPath(new URL("../predator.js", import.meta.url));

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
  const applied = await migrate(databaseUrl);
  log.info({ applied }, "migrations applied");
  const store = await PgStore.open(databaseUrl);
  try {
    const allowed = await allowSimulatedInstrument(store, parseVenueOptions(raw), clock.now());
    if (allowed !== null)
      log.info({ allowed }, "allowed_instruments set for the simulated windows");
  } finally {
    await store.close();
  }
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
  const venueArgs = [
    "--collateral",
    raw.collateral,
    ...windowArgs(raw),
    ...(raw.seed === undefined ? [] : ["--seed", raw.seed]),
  ];
  supervisor.add({
    name: "venue-sim.1",
    command: process.execPath,
    args: [CLI, "venue-sim", ...venueArgs],
    env,
  });
  for (const name of AGENT_NAMES) {
    supervisor.add({
      name: `${name}.1`,
      command: process.execPath,
      args: [CLI, "agent", name, "--instance", "1"],
      env,
    });
  }
  const bus = await NatsBus.connect({
    servers: natsUrl,
    name: "ops.dashboard",
    clock,
    logger: log,
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
