/**
 * What every runtime assertion shares: the stable names, the snapshot they judge, and how a list
 * of offenders becomes a result. Pure.
 */
import type { AssertionResult, Controls } from "../../contracts/index.ts";
import type { Position } from "../../contracts/positions.ts";
import type { FillRecord, OrderRecord } from "../runtime/store.ts";

export const ASSERTION_NAMES = [
  "signal-order-mapping",
  "fill-confirmation",
  "position-count",
  "pnl-match",
  "no-null-order-ids",
  "instrument-scope",
  "no-future-windows",
  "capital-cap",
  "heartbeats",
] as const;
export type AssertionName = (typeof ASSERTION_NAMES)[number];

/** What the audit log says about one CRO decision. */
export interface DecisionEvidence {
  /** null: the entry does not say. */
  approved: boolean | null;
  intentId: string | null;
}

export interface HeartbeatSeen {
  agent: string;
  /** Local receipt time. */
  lastSeenAt: number;
  lifecycle: string;
  /** Singletons: true for the lease holder, false for a hot standby; null otherwise. */
  leader: boolean | null;
}

export interface AssertionInput {
  now: number;
  /** When the reconciler started: agents not yet seen get `limits.startupGraceMs` of grace. */
  startedAt: number;
  /** Every order (bounded by the store's list limit). */
  orders: readonly OrderRecord[];
  /** decisionId → its `cro.decision` audit entry; absent when none was found. */
  decisions: ReadonlyMap<string, DecisionEvidence>;
  fills: readonly FillRecord[];
  openPositions: readonly Position[];
  /** Closed positions, whose realized PnL must match their fills. */
  closedPositions: readonly Position[];
  /** Ids the venue reports for its open orders (to catch an empty id there too). */
  venueOrderIds: readonly { venueOrderId: string; clientOrderId: string }[];
  controls: Controls;
  /** When the stored control row last changed (0: never stored, the default applies). */
  controlsChangedAt: { allowedInstruments: number; positionCap: number };
  heartbeats: readonly HeartbeatSeen[];
  /**
   * The reconciler's own view of the bus: `down` while it is not connected (it cannot hear
   * anyone, so silence proves nothing), and when it last came back (null: never lost). Silence is
   * counted from the later of an instance's last heartbeat and that moment.
   */
  bus: { down: boolean; backAt: number | null };
  limits: {
    confirmBoundMs: number;
    openPositionsMax: number;
    mappingGraceMs: number;
    agentTimeoutMs: number;
    startupGraceMs: number;
    requiredAgents: readonly string[];
  };
}

const OFFENDERS_SHOWN = 5;
const DETAIL_MAX = 1000;

/** A result: passed when there are no offenders, else the first few named. */
export function verdict(
  name: AssertionName,
  offenders: readonly string[],
  ok: string,
): AssertionResult {
  if (offenders.length === 0) return { name, passed: true, detail: ok };
  const shown = offenders.slice(0, OFFENDERS_SHOWN).join("; ");
  const more =
    offenders.length > OFFENDERS_SHOWN ? ` (+${offenders.length - OFFENDERS_SHOWN} more)` : "";
  const detail = `${offenders.length} violation(s): ${shown}${more}`;
  return { name, passed: false, detail: detail.slice(0, DETAIL_MAX) };
}
