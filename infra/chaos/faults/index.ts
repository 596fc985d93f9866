/** Every fault kind the chaos engine knows, by family. */
import { busFaults, type BusChaos } from "./bus.ts";
import { governanceFaults, type ControlsLog } from "./governance.ts";
import { marketFaults } from "./market.ts";
import { processFaults, type ProcessChaos } from "./process.ts";
import { strategyFaults } from "./strategy.ts";
import type { FaultKind } from "./types.ts";
import { venueFaults, type VenueChaos } from "./venue.ts";

export { BusChaos } from "./bus.ts";
export { ProcessChaos } from "./process.ts";
export { VenueChaos } from "./venue.ts";
export type { ControlsLog } from "./governance.ts";
export * from "./types.ts";

export interface FaultServices {
  bus: () => BusChaos;
  venue: () => VenueChaos;
  process: () => ProcessChaos;
  controls: ControlsLog;
}

export function faultCatalog(s: FaultServices): FaultKind[] {
  return [
    ...busFaults(s.bus),
    ...processFaults(s.process),
    ...venueFaults(s.venue),
    ...marketFaults(),
    ...strategyFaults(),
    ...governanceFaults(s.bus, s.controls),
  ];
}

/** The kind names, in catalog order (for scenario validation and `--help`). */
export const FAULT_KINDS: readonly string[] = faultCatalog({
  bus: () => {
    throw new Error("Invariant: catalog listing must not inject");
  },
  venue: () => {
    throw new Error("Invariant: catalog listing must not inject");
  },
  process: () => {
    throw new Error("Invariant: catalog listing must not inject");
  },
  controls: { sent: 0, accepted: 0, refused: 0, failed: 0 },
}).map((f) => f.kind);
