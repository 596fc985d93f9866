/**
 * `predator start`: the main job. With NATS_URL and DATABASE_URL set it migrates, then supervises
 * the simulated venue and every agent as separate processes; otherwise it runs the whole fleet in
 * this process on the in-memory bus with the embedded store. Either way it shows trading state,
 * agents, positions, PnL and the last trades as it runs, and stops cleanly on Ctrl-C.
 *
 * The embedded run also serves the operator console (127.0.0.1:8080 unless --api-port/--api-host
 * say otherwise; --api-port 0 turns it off), building it first when its build is missing or stale,
 * and prints the URL to open with a fresh token (PREDATOR_API_TOKEN when set). The token and URL
 * go to a file only the user can read, so the CLI on this machine reaches this fleet.
 */
import type { Command } from "commander";
import { SystemClock } from "../../../bus/clock.ts";
import { SeededRng, SystemRng } from "../../../bus/rng.ts";
import type { Bus } from "../../../bus/port.ts";
import type { Clock } from "../../../bus/clock.ts";
import type { Store } from "../../../agents/runtime/store.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { removeLocalConsole, writeLocalConsole } from "../../app/console/local.ts";
import { consoleTokens, serveConsole, type ConsoleServer } from "../../app/console/serve.ts";
import { SimVenue } from "../../venue-sim/index.ts";
import { MemoryStore } from "../../store/memory.ts";
import { AGENT_NAMES, agentDefinition, parseWebhooks } from "../../../agents/catalog.ts";
import { EmbeddedFleet } from "../../app/embedded.ts";
import { loadConfig, runtimeSettings } from "../../../agents/runtime/config.ts";
import { createLogger } from "../../../agents/runtime/logger.ts";
import { Dashboard } from "../dashboard.ts";
import {
  allowSimulatedInstrument,
  DEFAULT_WINDOW_MINUTES,
  describeWindow,
  parseVenueOptions,
  simVenueOptions,
  type VenueCliOptions,
} from "../../app/venue-options.ts";
import { startProcesses } from "./start-processes.ts";

interface StartOptions extends VenueCliOptions {
  statusEveryS: string;
  durationS?: string;
  apiPort: string;
  apiHost: string;
}

/** The console's default port on `npm start`. */
export const CONSOLE_PORT_DEFAULT = 8080;

export function startCommand(program: Command): void {
  program
    .command("start")
    .description(
      "run the whole fleet in PAPER mode against the simulated venue (embedded, or one process per agent when NATS_URL and DATABASE_URL are set)",
    )
    .option("--seed <n>", "seed the simulated market (default: random)")
    .option("--collateral <usd>", "starting collateral in dollars", "100")
    .option(
      "--window-minutes <n>",
      `length of each Up-or-Down window, minutes (default: ${DEFAULT_WINDOW_MINUTES})`,
    )
    .option(
      "--window-seconds <n>",
      "length of each window in seconds, instead of minutes (demos; the canary needs > 45)",
    )
    .option("--status-every-s <n>", "print the status block every N seconds", "10")
    .option("--duration-s <n>", "stop by itself after N seconds (default: run until Ctrl-C)")
    .option(
      "--api-port <n>",
      "serve the operator console and HTTP API on this port (0: off; embedded run only, `predator up --api-port` serves it for the process fleet)",
      String(CONSOLE_PORT_DEFAULT),
    )
    .option("--api-host <host>", "address the console listens on", "127.0.0.1")
    .action(async (raw: StartOptions) => {
      const options = parseVenueOptions(raw);
      const statusEveryMs = positiveSeconds(raw.statusEveryS, "--status-every-s") * 1000;
      const durationMs =
        raw.durationS === undefined ? null : positiveSeconds(raw.durationS, "--duration-s") * 1000;
      const apiPort = parsePort(raw.apiPort);
      const settings = loadConfig(runtimeSettings, process.env);
      const clock = new SystemClock();
      const stopSignal = new Promise<string>((resolve) => {
        process.once("SIGINT", () => {
          resolve("SIGINT");
        });
        process.once("SIGTERM", () => {
          resolve("SIGTERM");
        });
        if (durationMs !== null)
          clock.setTimer(durationMs, () => {
            resolve("duration");
          });
      });
      if (settings.NATS_URL !== undefined && settings.DATABASE_URL !== undefined) {
        await startProcesses({ clock, settings, raw, statusEveryMs, stopSignal });
        return;
      }
      const log = createLogger({
        level: process.env.LOG_LEVEL ?? "warn",
      });
      const rng = options.seed === null ? new SystemRng() : new SeededRng(options.seed);
      const store = new MemoryStore();
      const allowed = await allowSimulatedInstrument(store, options, clock.now());
      const venue = new SimVenue(simVenueOptions(options, clock, rng.fork("venue")));
      const fleet = new EmbeddedFleet({ clock, rng, store, log, mode: "PAPER" });
      const dashboard = new Dashboard(fleet.connect("ops.dashboard"), clock, (t) =>
        process.stdout.write(t),
      );
      const served =
        apiPort === 0
          ? null
          : await serveEmbedded(fleet.connect("ops.http"), clock, store, raw.apiHost, apiPort);
      if (served !== null) dashboard.consoleUrl = served.openUrl;
      dashboard.start(statusEveryMs);
      process.stdout.write(
        `predator: embedded fleet (in-memory bus, embedded store), PAPER mode, ${describeWindow(options.windowMs)} windows. Ctrl-C to stop.\n`,
      );
      if (allowed !== null)
        process.stdout.write(`predator: allowed_instruments set to ${allowed}\n`);
      venue.start();
      const webhooks = parseWebhooks(process.env.PREDATOR_ALERT_WEBHOOKS);
      const deps = { venue: () => venue, webhooks, connectionEvents: fleet.connectionEvents };
      for (const name of AGENT_NAMES) await fleet.start(agentDefinition(name, deps));
      if (served !== null) process.stdout.write(`predator: console at ${served.openUrl}\n`);
      const why = await stopSignal;
      process.stdout.write(`predator: stopping (${why})\n`);
      if (served !== null) {
        removeLocalConsole(process.pid);
        await served.close();
      }
      await fleet.stop();
      venue.stop();
      await dashboard.stop();
      process.stdout.write(dashboard.render() + "\npredator: stopped cleanly\n");
    });
}

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65_535)
    throw new ConfigError("--api-port", `expected a port 0..65535, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** The console on the embedded fleet, written where the CLI on this machine finds it. */
async function serveEmbedded(
  bus: Bus,
  clock: Clock,
  store: Store,
  host: string,
  port: number,
): Promise<ConsoleServer> {
  const tokens = consoleTokens(process.env);
  const served = await serveConsole(
    { bus, clock, store, storeKind: "embedded", mode: "PAPER", host, port },
    tokens,
    (line) => process.stdout.write(line + "\n"),
  );
  writeLocalConsole({ url: served.url, token: tokens.token, pid: process.pid });
  return served;
}

function positiveSeconds(value: string, flag: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new Error(
      `${flag}: expected a whole number of seconds ≥ 1, got ${JSON.stringify(value)}`,
    );
  return Number(value);
}
