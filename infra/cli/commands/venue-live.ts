import type { Command } from "commander";
import { SystemClock } from "../../../bus/clock.ts";
import { SystemRng } from "../../../bus/rng.ts";
import { NatsBus } from "../../../bus/nats.ts";
import { PgStore } from "../../store/pg.ts";
import { MessageFactory } from "../../../bus/messages.ts";
import { VenueServer } from "../../venue-remote/server.ts";
import {
  assertLiveConfirmed,
  DryRunVenue,
  liveSettingsFromEnv,
  LIVE_CONFIRM_FLAG,
  loadLiveVenue,
  redacted,
} from "../../venue-live/index.ts";
import { loadConfig, runtimeSettings } from "../../../agents/runtime/config.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { createLogger } from "../../../agents/runtime/logger.ts";
import { natsCredentials } from "../../nats/auth.ts";

/**
 * `predator venue-live`: the live Polymarket adapter served over NATS, so every agent (run with
 * `--mode live`) reaches the real venue through the same Venue port as in PAPER. Refuses to start
 * without the confirmation flag; credentials come from the environment and are never logged.
 */
export function venueLiveCommand(program: Command): void {
  program
    .command("venue-live")
    .description(
      "serve the LIVE Polymarket venue (real orders, real money) over NATS, or --dry-run (signed, never sent)",
    )
    .option(LIVE_CONFIRM_FLAG, "confirm that this places real orders with real money")
    .option("--dry-run", "DRY_RUN: sign every order but never send it; fills simulated at the book")
    .action(async (options: { iUnderstandThisTradesRealMoney?: boolean; dryRun?: boolean }) => {
      // DRY_RUN never POSTs an order: it needs the credentials (to sign) but no confirmation.
      if (options.dryRun !== true)
        assertLiveConfirmed(options.iUnderstandThisTradesRealMoney, process.env);
      const live = liveSettingsFromEnv(process.env);
      const settings = loadConfig(runtimeSettings, process.env);
      if (settings.NATS_URL === undefined) throw new ConfigError("NATS_URL", "required");
      // The order-id journal (client id → order hash, DRY_RUN payloads) lives in PostgreSQL: an
      // UNKNOWN order must stay resolvable after this process restarts.
      if (settings.DATABASE_URL === undefined && options.dryRun !== true)
        throw new ConfigError("DATABASE_URL", "required in LIVE (the order-id journal)");
      const instance = settings.PREDATOR_INSTANCE ?? "1";
      const log = createLogger({ agent: "venue-live", instance });
      const clock = new SystemClock();
      const rng = new SystemRng();
      log.info({ settings: redacted(live) }, "starting the LIVE venue adapter");
      const store =
        settings.DATABASE_URL === undefined ? null : await PgStore.open(settings.DATABASE_URL);
      const liveVenue = await loadLiveVenue(live, {
        clock,
        rng,
        log,
        ...(store === null ? {} : { journal: store }),
      });
      // DRY_RUN starts from the account's real collateral and simulates from there.
      const venue =
        options.dryRun === true
          ? new DryRunVenue(
              liveVenue,
              clock,
              (await liveVenue.balance({ timeoutMs: 10_000 })).value.collateral,
              log,
              store ?? undefined,
            )
          : liveVenue;
      const bus = await NatsBus.connect({
        servers: settings.NATS_URL,
        name: `venue-live.${instance}`,
        clock,
        logger: log,
        // It plays the venue-sim's part on the bus, with the same NATS permissions.
        ...natsCredentials("venue-sim", process.env),
      });
      const server = new VenueServer(
        venue,
        bus,
        new MessageFactory(clock, rng, { agent: "venue-live", instance }),
        log,
      );
      server.start();
      await new Promise<void>((resolve) => {
        process.once("SIGTERM", resolve);
        process.once("SIGINT", resolve);
      });
      liveVenue.close();
      await server.stop();
      await bus.close();
      await store?.close();
    });
}
