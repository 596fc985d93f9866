/** The simulated Polymarket venue: public surface. */
export { SimVenue, type SimVenueOptions } from "./sim-venue.ts";
export {
  DEFAULT_SIM_VENUE_CONFIG,
  type LatencyConfig,
  type SimVenueConfig,
  type SimVenueConfigOverrides,
} from "./config.ts";
export type {
  CallFault,
  CallName,
  EventFaults,
  PlaceFault,
  ReportName,
  VenueFaults,
} from "./faults.ts";
export type { SimSnapshot } from "./snapshot.ts";
export { OrderBook, type PlannedFill } from "./order-book.ts";
export { type PriceScenario, UnderlyingModel, normalCdf, upProbability } from "./price-model.ts";
export { outcomeTokenId, windowInstrument, windowSlug } from "./ids.ts";
export { ceilNotional, worstCaseFee } from "./amounts.ts";
