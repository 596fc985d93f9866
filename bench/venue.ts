/**
 * The simulated venue's open-order read (the Reconciler makes it every run, the partial-fill storm
 * every second) with a short history of ended orders and with a year-like one. It walks only the
 * orders that may still rest (infra/venue-sim/order-lifecycle.ts), so the ratio of the two medians
 * stays near 1; walking every order ever placed, it grew with the run (5.4% of the CPU at day 110
 * of a 365-day extreme run).
 */
import { performance } from "node:perf_hooks";
import { VirtualClock } from "../bus/clock.ts";
import { SeededRng } from "../bus/rng.ts";
import { MICRO } from "../contracts/money.ts";
import { SimVenue } from "../infra/venue-sim/index.ts";
import { median } from "./tick-stats.ts";
import type { Bench, BenchResult } from "./types.ts";

const SHORT = 100;
const LONG = 100_000;
const RESTING = 5;
const CALLS = 2_000;
const ROUNDS = 7;
const OPTS = { timeoutMs: 1_000 };

/** Steps the virtual clock until `p` settles (the venue's calls complete on its timers). */
async function drive<T>(clock: VirtualClock, p: Promise<T>): Promise<T> {
  const state = { settled: false };
  const mark = () => {
    state.settled = true;
  };
  p.then(mark, mark);
  while (!state.settled) if (!(await clock.step())) break;
  return p;
}

/** A venue whose history holds `ended` cancelled orders of ours and `RESTING` resting ones. */
async function venueWith(ended: number): Promise<{ clock: VirtualClock; venue: SimVenue }> {
  const clock = new VirtualClock();
  const venue = new SimVenue({
    clock,
    rng: new SeededRng(1),
    startingCollateral: 1_000 * MICRO,
    latency: { fixedMs: 0, jitterMs: 0 },
    liquidity: { enabled: false },
  });
  venue.start();
  const listed = await drive(clock, venue.markets(OPTS));
  const open = listed.items.find((m) => m.status === "OPEN");
  if (open === undefined) throw new Error("no open window");
  for (let i = 0; i < ended + RESTING; i++) {
    const placed = await drive(
      clock,
      venue.placeOrder(
        {
          clientOrderId: `c-${i}`,
          tokenId: open.upTokenId,
          side: "BUY",
          orderType: "GTC",
          price: 10_000,
          size: 5 * MICRO,
          expiresAt: null,
        },
        OPTS,
      ),
    );
    if (placed.outcome !== "accepted") throw new Error(`order ${i}: ${JSON.stringify(placed)}`);
    if (i < ended) await drive(clock, venue.cancelOrder(placed.venueOrderId, OPTS));
  }
  return { clock, venue };
}

async function openOrdersUs(clock: VirtualClock, venue: SimVenue): Promise<number> {
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let c = 0; c < CALLS; c++) {
      const open = await drive(clock, venue.openOrders(OPTS));
      if (open.items.length !== RESTING) throw new Error(`${open.items.length} resting orders`);
    }
    samples.push(((performance.now() - t0) * 1000) / CALLS);
  }
  return median(samples);
}

export const benches: Bench[] = [
  {
    name: "venue",
    async run(): Promise<BenchResult[]> {
      const s = await venueWith(SHORT);
      await openOrdersUs(s.clock, s.venue); // warm-up: the JIT, not the history
      const short = await openOrdersUs(s.clock, s.venue);
      const l = await venueWith(LONG);
      const long = await openOrdersUs(l.clock, l.venue);
      const ratio = long / short;
      const note = `median of ${ROUNDS} rounds × ${CALLS} openOrders calls, ${RESTING} orders resting`;
      return [
        { metric: `open orders, ${SHORT} ended orders`, value: short, unit: "µs", note },
        {
          metric: `open orders, ${LONG.toLocaleString("en-US")} ended orders`,
          value: long,
          unit: "µs",
          note,
        },
        {
          metric: "long history / short history",
          value: ratio,
          unit: "x",
          target: "< 2",
          pass: ratio < 2,
        },
      ];
    },
  },
];
