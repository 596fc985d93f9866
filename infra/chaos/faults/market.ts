/**
 * Market scenarios through the venue's price model: a flash crash (−30 % in minutes), a prolonged
 * bear (a steady negative drift for weeks or months) and a parabolic mania (5× volatility).
 */
import type { FaultContext, FaultKind, Injection } from "./types.ts";

const DAY_MS = 86_400_000;
const CRASH_STEPS = 6;
const CRASH_STEP_MS = 30_000;

export function marketFaults(): FaultKind[] {
  const flashCrash: FaultKind = {
    kind: "market.flash-crash",
    family: "market",
    perDay: 0.5,
    durationMs: [CRASH_STEPS * CRASH_STEP_MS, CRASH_STEPS * CRASH_STEP_MS],
    inject(ctx: FaultContext): Injection {
      const { clock, venue } = ctx.world;
      const total = 0.3;
      const step = Math.pow(1 - total, 1 / CRASH_STEPS) - 1;
      const timers = [0, 1, 2, 3, 4, 5].map((i) =>
        clock.setTimer(i * CRASH_STEP_MS, () => {
          venue.jumpUnderlying(step);
        }),
      );
      return {
        target: "underlying",
        detail: `−${total * 100} % in ${(CRASH_STEPS * CRASH_STEP_MS) / 60_000} minutes`,
        heal: () => {
          for (const t of timers) clock.clearTimer(t);
        },
      };
    },
  };
  const bear: FaultKind = {
    kind: "market.bear",
    family: "market",
    perDay: 0.03,
    durationMs: [15 * DAY_MS, 90 * DAY_MS],
    inject(ctx: FaultContext): Injection {
      const driftAnnual = -(1 + 2 * ctx.rng.float()) * ctx.intensity;
      ctx.world.venue.setPriceScenario({ driftAnnual });
      return {
        target: "underlying",
        detail: `drift ${driftAnnual.toFixed(2)} / year`,
        heal: () => {
          ctx.world.venue.setPriceScenario({ driftAnnual: 0 });
        },
      };
    },
  };
  const mania: FaultKind = {
    kind: "market.mania",
    family: "market",
    perDay: 0.1,
    durationMs: [DAY_MS / 2, 5 * DAY_MS],
    inject(ctx: FaultContext): Injection {
      ctx.world.venue.setPriceScenario({ volMultiplier: 5 });
      return {
        target: "underlying",
        detail: "5× volatility",
        heal: () => {
          ctx.world.venue.setPriceScenario({ volMultiplier: 1 });
        },
      };
    },
  };
  return [flashCrash, bear, mania];
}
