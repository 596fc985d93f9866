import { z } from "zod";
import type { Clock } from "../../bus/clock.ts";
import type { Rng } from "../../bus/rng.ts";
import { toMicro } from "../../contracts/money.ts";
import {
  DEFAULT_SIM_VENUE_CONFIG,
  windowInstrument,
  type SimVenueOptions,
} from "../venue-sim/index.ts";
import { ConfigError } from "../../agents/runtime/errors.ts";
import type { Store } from "../../agents/runtime/store.ts";

/** A numeric option's range, shown in its --help and enforced when parsed (help.ts). */
export interface Bound {
  readonly min: number;
  readonly max: number;
  readonly unit: string;
  /** Why the range is what it is, when that is not obvious. */
  readonly why?: string;
}

/** The venue's window lengths. */
export const WINDOW_MINUTES: Bound = { min: 2, max: 60, unit: "minutes" };
export const WINDOW_SECONDS: Bound = { min: 10, max: 3_600, unit: "seconds" };

export interface VenueCliOptions {
  seed?: string;
  collateral: string;
  /** At most one of these two; neither means the venue's 15-minute windows. */
  windowMinutes?: string;
  windowSeconds?: string;
}

/** Polymarket's window length, used when neither --window-minutes nor --window-seconds is given. */
export const DEFAULT_WINDOW_MINUTES = 15;

const FLAGS: Record<string, string> = {
  seed: "--seed",
  collateral: "--collateral",
  windowMinutes: "--window-minutes",
  windowSeconds: "--window-seconds",
  window: "--window-minutes/--window-seconds",
};

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "expected a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min, `at least ${min}`).max(max, `at most ${max}`))
    .optional();

export const venueOptionsSchema = z
  .object({
    seed: z
      .string()
      .regex(/^\d+$/, "expected a whole number")
      .transform(Number)
      .optional()
      .transform((v) => v ?? null),
    collateral: z.string().regex(/^\d+(\.\d{1,6})?$/, "expected dollars, e.g. 100"),
    windowMinutes: wholeNumber(WINDOW_MINUTES.min, WINDOW_MINUTES.max),
    // Short windows are for tests and demos; the canary enters 60 s before a window's end, so it
    // trades only in windows longer than its 45 s cut-off.
    windowSeconds: wholeNumber(WINDOW_SECONDS.min, WINDOW_SECONDS.max),
  })
  .refine((o) => o.windowMinutes === undefined || o.windowSeconds === undefined, {
    message: "give one of the two, not both",
    path: ["window"],
  })
  .transform(({ windowMinutes, windowSeconds, ...rest }) => ({
    ...rest,
    windowMs:
      windowSeconds !== undefined
        ? windowSeconds * 1_000
        : (windowMinutes ?? DEFAULT_WINDOW_MINUTES) * 60_000,
  }));
export type VenueOptions = z.output<typeof venueOptionsSchema>;

/** Validates the venue flags; the first problem is a ConfigError naming its flag (exit code 2). */
export function parseVenueOptions(raw: VenueCliOptions): VenueOptions {
  const result = venueOptionsSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = String(issue?.path[0] ?? "");
  const given = (raw as unknown as Record<string, unknown>)[field];
  const shown = given === undefined ? "" : ` (got ${JSON.stringify(given)})`;
  throw new ConfigError(FLAGS[field] ?? "venue options", `${issue?.message ?? "invalid"}${shown}`);
}

/** The window flag to hand on to a `predator venue-sim` child, exactly as the operator gave it. */
export function windowArgs(raw: VenueCliOptions): string[] {
  if (raw.windowSeconds !== undefined) return ["--window-seconds", raw.windowSeconds];
  if (raw.windowMinutes !== undefined) return ["--window-minutes", raw.windowMinutes];
  return [];
}

/** "15-minute" or "70-second", for banners and logs. */
export function describeWindow(windowMs: number): string {
  return windowMs % 60_000 === 0 ? `${windowMs / 60_000}-minute` : `${windowMs / 1_000}-second`;
}

export function simVenueOptions(options: VenueOptions, clock: Clock, rng: Rng): SimVenueOptions {
  return {
    clock,
    rng,
    startingCollateral: toMicro(options.collateral),
    windowMs: options.windowMs,
  };
}

/**
 * The CRO's default `allowed_instruments` is the real 15-minute market. Shorter simulated windows
 * are another instrument (`btc-updown-70s`, `btc-updown-3m`): allow exactly that one, or nothing
 * would ever be approved. Returns the instrument allowed, or null for 15-minute windows.
 */
export async function allowSimulatedInstrument(
  store: Store,
  options: VenueOptions,
  now: number,
): Promise<string | null> {
  if (options.windowMs === DEFAULT_WINDOW_MINUTES * 60_000) return null;
  const instrument = windowInstrument(DEFAULT_SIM_VENUE_CONFIG.asset, options.windowMs);
  await store.setControl("allowed_instruments", instrument, "predator start", now);
  return instrument;
}
