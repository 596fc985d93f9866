/**
 * `predator up`: the supervisor. Applies pending migrations, starts every agent as its own
 * process (plus the simulated venue unless the mode is live), restarts one that dies with backoff,
 * runs standby replicas of singletons when asked, serves the operator console (the same app, event
 * stream and HTTP API as `npm start`, over the bus and PostgreSQL) and /metrics when --api-port is
 * given, and stops everything cleanly on SIGINT/SIGTERM.
 *
 * The console is opt-in here (no --api-port: none), and --api-port 0 takes any free port: tests
 * and several fleets on one machine never contend for a fixed one. Unlike `npm start`, `up` writes
 * no local console file: the CLI reaches this fleet through NATS_URL and DATABASE_URL.
 */
import type { Command } from "commander";
import { z } from "zod";
// settings.ts only: the Polymarket client itself is loaded by the venue-live process alone.
import {
  assertLiveConfirmed,
  LIVE_CONFIRM_FLAG,
  liveSettingsFromEnv,
} from "../../venue-live/settings.ts";
import { loadConfig, runtimeSettings } from "../../../agents/runtime/config.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { createLogger } from "../../../agents/runtime/logger.ts";
import { Supervisor } from "../../app/supervisor.ts";
import { connectOps } from "../connect.ts";
import { Dashboard } from "../dashboard.ts";
import {
  fleetChildren,
  parseReplicas,
  prepareDatabase,
  venueSimArgs,
  type FleetMode,
  type FleetPlan,
} from "../../app/fleet.ts";
import { HeartbeatTracker, type LocalChild } from "../../app/fleet-view.ts";
import {
  consoleTokens,
  serveConsole,
  type ConsoleServer,
  type ConsoleTokens,
} from "../../app/console/serve.ts";
import { PgStore } from "../../store/pg.ts";
import type { Mode } from "../../../contracts/common.ts";
import { OpsMetrics } from "../../app/metrics.ts";
import { positiveSeconds } from "../args.ts";
import { parseVenueOptions, type VenueCliOptions } from "../../app/venue-options.ts";
import { liveGate } from "./readiness.ts";

interface UpOptions extends VenueCliOptions {
  mode: string;
  confirmLive?: boolean;
  overrideReadiness?: string;
  replicas?: string;
  apiPort?: string;
  apiHost: string;
  statusEveryS: string;
}

const fleetMode = z.enum(["paper", "dry-run", "live"], {
  error: "expected paper, dry-run or live",
});
/** What the console shows as the fleet's mode. */
const CONSOLE_MODE: Record<FleetMode, Mode> = {
  paper: "PAPER",
  "dry-run": "DRY_RUN",
  live: "LIVE",
};

const port = z.coerce.number().int().min(0).max(65_535);

/**
 * Supervisor policy: Docker-like restart with exponential backoff, from Docker's own first delay
 * (100 ms): a crashed agent is back sooner, a crash loop still backs off to 30 s.
 */
export const UP_RESTART = {
  restartDelayMs: 100,
  restartDelayMaxMs: 30_000,
  stableAfterMs: 10_000,
  stopTimeoutMs: 10_000,
};

export function upCommand(program: Command): void {
  program
    .command("up")
    .description(
      "supervise the fleet: migrate, run every agent as its own process (restarted with backoff), standby replicas, the operator console and HTTP API with --api-port (NATS_URL, DATABASE_URL)",
    )
    .option("--mode <mode>", "paper | dry-run | live", "paper")
    .option(
      "--confirm-live",
      "required with --mode live (or PREDATOR_LIVE_CONFIRM=yes): real orders, real money",
    )
    .option(
      "--replicas <list>",
      "replicas per singleton agent, e.g. cro=2,execution=2 (a second one is a hot standby)",
    )
    .option(
      "--api-port <n>",
      "serve the operator console, HTTP API and /metrics on this port (0: any free port; default: none)",
    )
    .option("--api-host <host>", "address the console listens on", "127.0.0.1")
    .option("--seed <n>", "seed the simulated market (default: random)")
    .option("--collateral <usd>", "starting collateral of the simulated venue, dollars", "100")
    .option("--window-minutes <n>", "length of each simulated window, minutes (default: 15)")
    .option("--window-seconds <n>", "length of each simulated window in seconds (demos, tests)")
    .option("--status-every-s <n>", "print the status block every N seconds", "30")
    .option(
      "--override-readiness <reason>",
      "live only: start although `predator readiness` fails (the reason is audited)",
    )
    .action(async (raw: UpOptions) => {
      await up(raw);
    });
}

/** Everything checked before anything starts: a bad flag changes nothing (exit 2). */
function plan(raw: UpOptions): {
  plan: FleetPlan;
  apiPort: number | null;
  tokens: ConsoleTokens | null;
} {
  const mode = fleetMode.safeParse(raw.mode);
  if (!mode.success)
    throw new ConfigError(
      "--mode",
      `expected paper, dry-run or live, got ${JSON.stringify(raw.mode)}`,
    );
  const replicas = parseReplicas(raw.replicas);
  let apiPort: number | null = null;
  if (raw.apiPort !== undefined) {
    const p = port.safeParse(raw.apiPort);
    if (!p.success || !/^\d+$/.test(raw.apiPort))
      throw new ConfigError(
        "--api-port",
        `expected a port 0..65535, got ${JSON.stringify(raw.apiPort)}`,
      );
    apiPort = p.data;
  }
  // PREDATOR_API_TOKEN (checked) or a fresh one; PREDATOR_VIEW_TOKEN for a read-only role.
  const tokens = apiPort === null ? null : consoleTokens(process.env);
  return { plan: { mode: mode.data, replicas, venue: venueOf(mode.data, raw) }, apiPort, tokens };
}

/**
 * paper and dry-run trade against the simulated venue (dry-run simulates its fills at the venue's
 * book); live serves the Polymarket adapter over NATS (`predator venue-live`), only when confirmed
 * and its settings are complete.
 */
function venueOf(mode: FleetMode, raw: UpOptions): FleetPlan["venue"] {
  if (mode !== "live") {
    parseVenueOptions(raw);
    return { command: "venue-sim", args: venueSimArgs(raw) };
  }
  try {
    assertLiveConfirmed(raw.confirmLive, process.env);
  } catch {
    throw new ConfigError(
      "--mode live",
      "trades real money: add --confirm-live (or set PREDATOR_LIVE_CONFIRM=yes) if that is what you want",
    );
  }
  liveSettingsFromEnv(process.env);
  return { command: "venue-live", args: [LIVE_CONFIRM_FLAG] };
}

async function up(raw: UpOptions): Promise<void> {
  const checked = plan(raw);
  const statusEveryMs = positiveSeconds(raw.statusEveryS, "--status-every-s") * 1000;
  const settings = loadConfig(runtimeSettings, process.env);
  if (settings.NATS_URL === undefined) throw new ConfigError("NATS_URL", "required by predator up");
  if (settings.DATABASE_URL === undefined)
    throw new ConfigError("DATABASE_URL", "required by predator up");
  const databaseUrl = settings.DATABASE_URL;
  // Evidence before money (issue 20): no live start while the go-live checklist fails.
  if (checked.plan.mode === "live") await liveGate(databaseUrl, raw.overrideReadiness);
  const log = createLogger({ agent: "supervisor", instance: `up-${process.pid}` });
  const stopSignal = new Promise<string>((resolve) => {
    process.once("SIGINT", () => {
      resolve("SIGINT");
    });
    process.once("SIGTERM", () => {
      resolve("SIGTERM");
    });
  });
  const ops = await connectOps("up");
  const supervisor = new Supervisor({ clock: ops.clock, log, stdio: "inherit", ...UP_RESTART });
  const local = (): LocalChild[] => supervisor.status();
  const tracker = new HeartbeatTracker(ops.clock);
  const metrics = new OpsMetrics(ops.clock, tracker, local);
  const dashboard = new Dashboard(ops.bus, ops.clock, (t) => process.stdout.write(t));
  let api: ConsoleServer | null = null;
  try {
    await prepareDatabase(
      databaseUrl,
      checked.plan.venue.command === "venue-sim" ? raw : null,
      ops.clock,
      log,
    );
    tracker.start(ops.bus);
    metrics.start(ops.bus);
    // The console before the children: a port already in use stops `up` with nothing started.
    if (checked.apiPort !== null && checked.tokens !== null) {
      const store = await PgStore.open(databaseUrl);
      api = await serveConsole(
        {
          bus: ops.bus,
          clock: ops.clock,
          store,
          storeKind: "postgresql",
          mode: CONSOLE_MODE[checked.plan.mode],
          host: raw.apiHost,
          port: checked.apiPort,
          local,
          operator: ops.operator,
          tracker,
          metrics,
          // The CLI sets an exit code and lets the event loop drain: a pool left open would keep
          // `up` alive for its 30 s idle timeout after "stopped cleanly".
          onClose: () => store.close(),
        },
        checked.tokens,
        (line) => process.stdout.write(line + "\n"),
      );
    }
    const env = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" };
    for (const child of fleetChildren(checked.plan, env)) supervisor.add(child);
    if (api !== null) dashboard.consoleUrl = api.openUrl;
    dashboard.start(statusEveryMs);
    process.stdout.write(`${banner(checked.plan, supervisor.status().length, api?.url ?? null)}\n`);
    if (api !== null) process.stdout.write(`predator up: console at ${api.openUrl}\n`);
    const why = await stopSignal;
    process.stdout.write(`predator up: stopping (${why})\n`);
  } finally {
    await api?.close();
    await supervisor.stop();
    await dashboard.stop();
    await metrics.stop();
    await tracker.stop();
    await ops.close();
  }
  process.stdout.write("predator up: stopped cleanly\n");
}

function banner(fleet: FleetPlan, processes: number, apiUrl: string | null): string {
  const replicas = Object.entries(fleet.replicas)
    .filter(([, n]) => n > 1)
    .map(([name, n]) => `${name}×${n}`);
  const standbys = replicas.length > 0 ? ` (${replicas.join(", ")})` : "";
  const api = apiUrl === null ? "" : `, API at ${apiUrl}`;
  return `predator up: ${fleet.mode} mode, ${processes} processes${standbys}${api}. Ctrl-C to stop.`;
}
