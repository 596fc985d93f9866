import { natsCredentials } from "../../nats/auth.ts";
import type { Command } from "commander";
import { SystemClock } from "../../../bus/clock.ts";
import { SeededRng, SystemRng } from "../../../bus/rng.ts";
import { NatsBus } from "../../../bus/nats.ts";
import { MessageFactory } from "../../../bus/messages.ts";
import { SimVenue } from "../../venue-sim/index.ts";
import { VenueServer } from "../../venue-remote/server.ts";
import { loadConfig, runtimeSettings } from "../../../agents/runtime/config.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { createLogger } from "../../../agents/runtime/logger.ts";
import {
  DEFAULT_WINDOW_MINUTES,
  describeWindow,
  parseVenueOptions,
  simVenueOptions,
  type VenueCliOptions,
} from "../../app/venue-options.ts";

export function venueSimCommand(program: Command): void {
  program
    .command("venue-sim")
    .description("run the simulated venue as its own process, serving the Venue port over NATS")
    .option("--seed <n>", "seed the market generator (default: random)")
    .option("--collateral <usd>", "starting collateral in dollars", "100")
    .option(
      "--window-minutes <n>",
      `length of each Up-or-Down window, minutes (default: ${DEFAULT_WINDOW_MINUTES})`,
    )
    .option("--window-seconds <n>", "length of each window in seconds, instead of minutes (tests)")
    .action(async (raw: VenueCliOptions) => {
      const options = parseVenueOptions(raw);
      const settings = loadConfig(runtimeSettings, process.env);
      if (settings.NATS_URL === undefined) throw new ConfigError("NATS_URL", "required");
      const instance = settings.PREDATOR_INSTANCE ?? "1";
      const log = createLogger({ agent: "venue-sim", instance });
      const clock = new SystemClock();
      const rng = options.seed === null ? new SystemRng() : new SeededRng(options.seed);
      const bus = await NatsBus.connect({
        servers: settings.NATS_URL,
        name: `venue-sim.${instance}`,
        clock,
        logger: log,
        ...natsCredentials("venue-sim", process.env),
        ...(settings.PREDATOR_NATS_REPLICAS === undefined
          ? {}
          : { streamReplicas: settings.PREDATOR_NATS_REPLICAS }),
      });
      // The simulated market is a function of the seed and of this instant (the underlying path
      // starts here); logged so an in-process replay of the same run can start at the same time.
      const startedAt = clock.now();
      const venue = new SimVenue(simVenueOptions(options, clock, rng));
      const server = new VenueServer(
        venue,
        bus,
        new MessageFactory(clock, rng, { agent: "venue-sim", instance }),
        log,
      );
      server.start();
      venue.start();
      log.info(
        {
          collateral: raw.collateral,
          windowMs: options.windowMs,
          seed: options.seed,
          startedAt,
        },
        `simulated venue serving ${describeWindow(options.windowMs)} windows`,
      );
      await new Promise<void>((resolve) => {
        process.once("SIGTERM", resolve);
        process.once("SIGINT", resolve);
      });
      venue.stop();
      await server.stop();
      await bus.close();
    });
}
