/**
 * `predator events [--follow] [--json]`: trading-state changes, decisions, orders, fills,
 * mismatches and alerts. With --follow, live from the bus until Ctrl-C (or --for-s); without it,
 * the recent ones from PostgreSQL.
 */
import type { Command } from "commander";
import { SystemClock } from "../../../bus/clock.ts";
import { PgStore } from "../../store/pg.ts";
import { loadConfig, runtimeSettings } from "../../../agents/runtime/config.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { positiveSeconds } from "../args.ts";
import { connectOps } from "../connect.ts";
import { followEvents, formatEvent, recentEvents } from "../events.ts";
import { print } from "../output.ts";
import { localActivity, localTarget } from "../console-client.ts";
import { followLocal } from "../console-follow.ts";

interface EventsOptions {
  follow?: boolean;
  json?: boolean;
  forS?: string;
  sinceMinutes: string;
  limit: string;
}

const LIMIT_MAX = 10_000;

export function eventsCommand(program: Command): void {
  program
    .command("events")
    .description(
      "trading-state changes, decisions, orders, fills and alerts (recent, or --follow live)",
    )
    .option("--follow", "print events live from the bus (NATS_URL) until Ctrl-C")
    .option("--for-s <n>", "with --follow: stop after N seconds")
    .option("--since-minutes <n>", "without --follow: how far back to look", "60")
    .option("--limit <n>", "without --follow: at most this many events", "100")
    .option("--json", "one JSON object per line")
    .action(async (options: EventsOptions) => {
      const json = options.json === true;
      const target = localTarget();
      if (target !== null) {
        const forS = options.forS === undefined ? null : positiveSeconds(options.forS, "--for-s");
        if (options.follow === true) await followLocal(target, json, forS);
        else {
          const limit = positiveSeconds(options.limit, "--limit");
          for (const e of await localActivity(target, limit)) print(formatEvent(e, json));
        }
        return;
      }
      if (options.follow === true) {
        await follow(
          json,
          options.forS === undefined ? null : positiveSeconds(options.forS, "--for-s"),
        );
        return;
      }
      if (options.forS !== undefined) throw new ConfigError("--for-s", "only with --follow");
      const sinceMs = positiveSeconds(options.sinceMinutes, "--since-minutes") * 60_000;
      const limit = positiveSeconds(options.limit, "--limit");
      if (limit > LIMIT_MAX) throw new ConfigError("--limit", `at most ${LIMIT_MAX}`);
      const settings = loadConfig(runtimeSettings, process.env);
      if (settings.DATABASE_URL === undefined) throw new ConfigError("DATABASE_URL", "required");
      const store = await PgStore.open(settings.DATABASE_URL);
      try {
        const events = await recentEvents(store, new SystemClock().now() - sinceMs, limit);
        for (const e of events) print(formatEvent(e, json));
      } finally {
        await store.close();
      }
    });
}

async function follow(json: boolean, forS: number | null): Promise<void> {
  const ops = await connectOps("events");
  const subs = followEvents(ops.bus, (e) => {
    print(formatEvent(e, json));
  });
  const why = await new Promise<string>((resolve) => {
    process.once("SIGINT", () => {
      resolve("SIGINT");
    });
    process.once("SIGTERM", () => {
      resolve("SIGTERM");
    });
    if (forS !== null)
      ops.clock.setTimer(forS * 1000, () => {
        resolve("time");
      });
  });
  await Promise.all(subs.map((s) => s.unsubscribe()));
  await ops.close();
  if (!json) print(`predator: events stopped (${why})`);
}
