/** Shared set-up for the simulated-venue specs: a venue on a virtual clock, with its event logs. */
import { VirtualClock } from "../../../bus/clock.ts";
import { SeededRng } from "../../../bus/rng.ts";
import { MICRO } from "../../../contracts/money.ts";
import type {
  MarketEvent,
  PlaceOrderRequest,
  UserEvent,
  VenueMarket,
} from "../../../agents/runtime/venue.ts";
import { SimVenue, type SimVenueOptions } from "../../../infra/venue-sim/index.ts";

export const OPTS = { timeoutMs: 1_000 };
export const shares = (n: number): number => Math.round(n * MICRO);
export const price = (p: number): number => Math.round(p * MICRO);

export interface Harness {
  clock: VirtualClock;
  venue: SimVenue;
  market: MarketEvent[];
  user: UserEvent[];
  /** The window open at start. */
  window: VenueMarket;
  up: string;
  down: string;
  /** Drives the clock until `p` settles (bounded), then returns its value. */
  run<T>(p: Promise<T>): Promise<T>;
  req(overrides?: Partial<PlaceOrderRequest>): PlaceOrderRequest;
}

type Overrides = Omit<SimVenueOptions, "clock" | "rng" | "startingCollateral">;

/** A started venue with liquidity providers off (tests place their own liquidity) by default. */
export async function startVenue(
  overrides: Overrides = {},
  seed: number | string = 1,
  startingCollateral = 1_000 * MICRO,
): Promise<Harness> {
  const clock = new VirtualClock();
  const venue = new SimVenue({
    clock,
    rng: new SeededRng(seed),
    startingCollateral,
    latency: { fixedMs: 10, jitterMs: 0 },
    ...overrides,
    liquidity: { enabled: false, ...overrides.liquidity },
  });
  const market: MarketEvent[] = [];
  const user: UserEvent[] = [];
  venue.subscribeMarket((e) => market.push(e));
  venue.subscribeUser((e) => user.push(e));
  venue.start();
  const run = <T>(p: Promise<T>) => drive(clock, p);
  const listed = await run(venue.markets({ timeoutMs: 10_000 }));
  const window = listed.items.find((m) => m.status === "OPEN");
  if (window === undefined) throw new Error("no open window at start");
  let n = 0;
  const req = (o: Partial<PlaceOrderRequest> = {}): PlaceOrderRequest => ({
    clientOrderId: `c-${++n}`,
    tokenId: window.upTokenId,
    side: "BUY",
    orderType: "GTC",
    price: price(0.5),
    size: shares(10),
    expiresAt: null,
    ...o,
  });
  return {
    clock,
    venue,
    market,
    user,
    window,
    up: window.upTokenId,
    down: window.downTokenId,
    run,
    req,
  };
}

export async function drive<T>(clock: VirtualClock, p: Promise<T>, maxSteps = 100_000): Promise<T> {
  const state = { settled: false };
  const mark = () => {
    state.settled = true;
  };
  p.then(mark, mark);
  for (let i = 0; i < maxSteps && !state.settled; i++) {
    if (!(await clock.step())) break;
  }
  if (!state.settled) throw new Error(`promise did not settle within ${maxSteps} clock steps`);
  return p;
}

export function bookEvents(events: MarketEvent[], tokenId: string) {
  return events.flatMap((e) => (e.type === "book" && e.tokenId === tokenId ? [e] : []));
}

export function lastBook(events: MarketEvent[], tokenId: string) {
  const books = bookEvents(events, tokenId);
  const last = books[books.length - 1];
  if (last === undefined) throw new Error(`no book event for ${tokenId}`);
  return last;
}
