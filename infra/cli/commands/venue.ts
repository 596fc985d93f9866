/**
 * `predator venue --port N`: the Polymarket-compatible venue (CLOB V2 REST + market/user
 * WebSockets) over the simulated matching engine and market generator, until SIGINT/SIGTERM.
 * Fault knobs are flags here and `POST /_predator/faults` at run time.
 */
import type { Command } from "commander";
import { SystemClock } from "../../../bus/clock.ts";
import { SeededRng, SystemRng } from "../../../bus/rng.ts";
import { type PolyFaults, parsePolyFaults } from "../../venue-poly/faults.ts";
import { ConfigError } from "../../../agents/runtime/errors.ts";
import { createLogger } from "../../../agents/runtime/logger.ts";
import { print } from "../output.ts";
import {
  DEFAULT_WINDOW_MINUTES,
  describeWindow,
  parseVenueOptions,
  simVenueOptions,
  type VenueCliOptions,
} from "../../app/venue-options.ts";

interface VenueFlags extends VenueCliOptions {
  port: string;
  host: string;
  chainId: string;
  heartbeatTimeoutMs?: string;
  pageSize?: string;
  liquidity: boolean;
  latencyMs?: string;
  submitTimeoutFraction?: string;
  timeoutHoldMs?: string;
  submit5xxFraction?: string;
  submit5xxAccepted?: string;
  submitRejectFraction?: string;
  ghostFillProbability?: string;
  partialFillIntervalMs?: string;
  partialFillShares?: string;
  wsDropIntervalMs?: string;
  staleBooks?: boolean;
}

/** flag property → [fault knob, CLI flag, kind]. */
const FAULT_FLAGS: [keyof VenueFlags, keyof PolyFaults, string, "int" | "fraction" | "shares"][] = [
  ["latencyMs", "latencyMs", "--latency-ms", "int"],
  ["submitTimeoutFraction", "submitTimeoutFraction", "--submit-timeout-fraction", "fraction"],
  ["timeoutHoldMs", "timeoutHoldMs", "--timeout-hold-ms", "int"],
  ["submit5xxFraction", "submit5xxFraction", "--submit-5xx-fraction", "fraction"],
  ["submit5xxAccepted", "submit5xxAcceptedProbability", "--submit-5xx-accepted", "fraction"],
  ["submitRejectFraction", "submitRejectFraction", "--submit-reject-fraction", "fraction"],
  ["ghostFillProbability", "ghostFillProbability", "--ghost-fill-probability", "fraction"],
  ["partialFillIntervalMs", "partialFillIntervalMs", "--partial-fill-interval-ms", "int"],
  ["partialFillShares", "partialFillShares", "--partial-fill-shares", "shares"],
  ["wsDropIntervalMs", "wsDropIntervalMs", "--ws-drop-interval-ms", "int"],
];

function wholeNumber(flag: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw)) throw new ConfigError(flag, `expected a whole number (got "${raw}")`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(flag, `must be in [${min}, ${max}] (got ${n})`);
  return n;
}

export function parseFaultFlags(flags: VenueFlags): Partial<PolyFaults> {
  const out: Record<string, number | boolean> = {};
  for (const [prop, knob, flag, kind] of FAULT_FLAGS) {
    const raw = flags[prop];
    if (typeof raw !== "string") continue;
    if (kind === "fraction") {
      if (!/^(0(\.\d+)?|1(\.0+)?)$/.test(raw)) {
        throw new ConfigError(flag, `expected a fraction in [0, 1] (got "${raw}")`);
      }
      out[knob] = Number(raw);
    } else if (kind === "shares") {
      if (!/^\d+(\.\d{1,2})?$/.test(raw)) {
        throw new ConfigError(flag, `expected shares, e.g. 5 (got "${raw}")`);
      }
      out[knob] = Math.round(Number(raw) * 1_000_000);
    } else {
      out[knob] = wholeNumber(flag, raw, 0, 600_000);
    }
  }
  if (flags.staleBooks === true) out.staleBooks = true;
  try {
    return parsePolyFaults(out);
  } catch (e) {
    throw new ConfigError("fault flags", e instanceof Error ? e.message : String(e));
  }
}

export function venueCommand(program: Command): void {
  program
    .command("venue")
    .description(
      "run a Polymarket-compatible venue (CLOB V2 REST + WebSockets) over the simulated exchange",
    )
    .option("--port <n>", "TCP port (0 picks a free one)", "8080")
    .option("--host <h>", "interface to listen on", "127.0.0.1")
    .option("--seed <n>", "seed the market generator and fault draws (default: random)")
    .option("--collateral <usd>", "the account's starting collateral in dollars", "1000")
    .option(
      "--window-minutes <n>",
      `length of each Up-or-Down window, minutes (default: ${DEFAULT_WINDOW_MINUTES})`,
    )
    .option("--window-seconds <n>", "length of each window in seconds, instead of minutes")
    .option("--chain-id <n>", "EIP-712 chain id for orders and keys: 137 or 80002", "137")
    .option("--heartbeat-timeout-ms <n>", "dead-man switch: cancel all orders after this silence")
    .option("--page-size <n>", "page size of /data/orders, /data/trades, /markets")
    .option("--no-liquidity", "no synthetic liquidity providers (an empty book)")
    .option("--latency-ms <n>", "fault: delay every HTTP answer")
    .option("--submit-timeout-fraction <f>", "fault: submits processed but never answered")
    .option("--timeout-hold-ms <n>", "fault: how long an unanswered submit is held (30000)")
    .option("--submit-5xx-fraction <f>", "fault: submits answered HTTP 500 (ambiguous)")
    .option("--submit-5xx-accepted <p>", "fault: chance a 500'd order was accepted (0.5)")
    .option("--submit-reject-fraction <f>", "fault: submits refused 503 trading disabled")
    .option("--ghost-fill-probability <p>", "fault: our trades MATCHED then FAILED")
    .option("--partial-fill-interval-ms <n>", "fault: partial-fill storm period")
    .option("--partial-fill-shares <n>", "fault: shares per partial fill in a storm (5)")
    .option("--ws-drop-interval-ms <n>", "fault: drop every WebSocket this often")
    .option("--stale-books", "fault: books frozen from the start")
    .action(async (flags: VenueFlags) => {
      const options = parseVenueOptions(flags);
      const faults = parseFaultFlags(flags);
      const port = wholeNumber("--port", flags.port, 0, 65_535);
      const chainId = Number(flags.chainId);
      if (chainId !== 137 && chainId !== 80002) {
        throw new ConfigError("--chain-id", `must be 137 or 80002 (got "${flags.chainId}")`);
      }
      const heartbeatTimeoutMs =
        flags.heartbeatTimeoutMs === undefined
          ? undefined
          : wholeNumber("--heartbeat-timeout-ms", flags.heartbeatTimeoutMs, 100, 3_600_000);
      const pageSize =
        flags.pageSize === undefined
          ? undefined
          : wholeNumber("--page-size", flags.pageSize, 1, 10_000);
      const log = createLogger({ agent: "venue", instance: process.env.PREDATOR_INSTANCE ?? "1" });
      const clock = new SystemClock();
      const rng = options.seed === null ? new SystemRng() : new SeededRng(options.seed);
      const sim = simVenueOptions(options, clock, rng);
      // Loaded here, not at the top: the server pulls in viem (the signing stack), which no other
      // command may load.
      const { startPolyVenue } = await import("../../venue-poly/index.ts");
      const v = await startPolyVenue({
        port,
        host: flags.host,
        clock,
        rng,
        chainId,
        faults,
        startingCollateral: sim.startingCollateral,
        ...(pageSize === undefined ? {} : { pageSize }),
        sim: {
          windowMs: options.windowMs,
          liquidity: { enabled: flags.liquidity },
          ...(heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs }),
        },
      });
      log.info(
        { url: v.url, wsUrl: v.wsUrl, seed: options.seed, windowMs: options.windowMs, faults },
        `Polymarket-compatible venue serving ${describeWindow(options.windowMs)} windows`,
      );
      print(`predator venue listening on ${v.url} (WebSocket ${v.wsUrl}/market, ${v.wsUrl}/user)`);
      await new Promise<void>((resolve) => {
        process.once("SIGTERM", resolve);
        process.once("SIGINT", resolve);
      });
      await v.stop();
      log.info("venue stopped");
    });
}
