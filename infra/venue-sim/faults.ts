/**
 * Fault hooks the chaos engine installs with `SimVenue.setFaults`. Every hook is optional and is
 * asked once per call or event, so a seeded injector stays deterministic.
 */
import type { MarketEvent, PlaceOrderRequest, UserEvent } from "../../agents/runtime/venue.ts";

/**
 * What happens to one placeOrder:
 * - `ok`: normal (a slow answer past the caller's timeout is still `unknown`);
 * - `timeout`: the venue processes the order, the answer is lost, the caller waits out its timeout;
 * - `5xx-accepted`: the venue processes the order but answers 500 — the caller sees `unknown`;
 * - `5xx-not-accepted`: the venue drops the order and answers 500 — the caller sees `unknown`;
 * - `reject`: a definitive refusal before acceptance (503 "trading disabled"): `VENUE_UNAVAILABLE`.
 */
export type PlaceFault = "ok" | "timeout" | "5xx-accepted" | "5xx-not-accepted" | "reject";

/**
 * Any other call: `timeout` runs it and loses the answer (a cancel may have happened), `5xx` does
 * not run it and answers 500.
 */
export type CallFault = "ok" | "timeout" | "5xx";

export type CallName =
  | "placeOrder"
  | "cancelOrder"
  | "cancelAll"
  | "getOrder"
  | "openOrders"
  | "trades"
  | "positions"
  | "balance"
  | "heartbeat"
  | "markets";

export type ReportName = "openOrders" | "trades" | "positions" | "balance" | "markets";

export interface EventFaults {
  marketEvent?(e: MarketEvent): "deliver" | "drop";
  userEvent?(e: UserEvent): "deliver" | "drop";
}

export interface VenueFaults extends EventFaults {
  beforePlace?(req: PlaceOrderRequest): PlaceFault;
  beforeCall?(call: Exclude<CallName, "placeOrder">): CallFault;
  /** `truncate`: the report returns half its items (or a possibly stale value) and complete: false. */
  report?(report: ReportName): "ok" | "truncate";
  /** Extra one-way latency for a call, on top of the configured latency (a slow venue). */
  extraLatencyMs?(call: CallName): number;
}
