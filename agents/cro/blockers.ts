/**
 * Blockers: every reason the CRO would not be ACTIVE right now. A blocker with a `trigger` level
 * trips the state machine (automatic trigger); one without (RECON_PENDING) only holds recovery
 * back. Pure: the actor gathers the inputs, this decides.
 */
import type { Controls } from "../../contracts/controls.ts";
import { formatUsd } from "../../contracts/money.ts";

export type BlockerCode =
  | "KILL_SWITCH"
  | "CONTROLS_INVALID"
  | "STORE_UNAVAILABLE"
  | "AGENT_DOWN"
  | "FEED_STALE"
  | "RECON_MISMATCH"
  | "ASSERTION_FAILED"
  | "RECON_PENDING"
  | "UNKNOWN_ORDER"
  | "DAILY_DRAWDOWN"
  | "SESSION_LOSS";

export interface Blocker {
  code: BlockerCode;
  /** Identifies one incident (e.g. AGENT_DOWN:execution), to notice new ones. */
  key: string;
  text: string;
  /** The state this blocker trips to; null: it only prevents recovery. */
  trigger: "PAUSED" | "HALTED" | null;
  /** Sets the operator hold (the kill switch). */
  hold: boolean;
}

/**
 * The last reconciliation facts: when the newest CLEAN report was made (the Reconciler's send
 * time, so a report delayed on the bus does not pass for a later one), and the mismatch no later
 * clean report has cleared yet.
 */
export interface ReconView {
  lastCleanAt: number | null;
  /** `trips`: false for a mismatch sent before this CRO started (replayed): it only blocks recovery. */
  mismatch: { sentAt: number; kind: string; key: string; detail: string; trips: boolean } | null;
}

export interface BlockerInputs {
  controls: Controls;
  controlErrors: readonly string[];
  storeError: string | null;
  /** Required agents that are not alive, each with why (e.g. "execution: silent 3000 ms"). */
  agentsDown: readonly { agent: string; why: string }[];
  feed: { ok: boolean; detail: string };
  recon: ReconView;
  /** A clean reconciliation must arrive after this time before the CRO recovers. */
  incidentAt: number;
  unknownOrderIds: readonly string[];
  dailyPnl: number;
  sessionPnl: number;
}

const TEXT_MAX = 200;

function blocker(
  code: BlockerCode,
  subject: string,
  text: string,
  trigger: Blocker["trigger"],
  hold = false,
): Blocker {
  const short = text.length > TEXT_MAX ? `${text.slice(0, TEXT_MAX - 1)}…` : text;
  return { code, key: `${code}:${subject}`, text: short, trigger, hold };
}

export function computeBlockers(i: BlockerInputs): Blocker[] {
  const out: Blocker[] = [];
  if (i.controls.kill_switch === "on") {
    out.push(blocker("KILL_SWITCH", "on", "kill_switch is on", "HALTED", true));
  }
  for (const error of i.controlErrors) {
    const key = error.split(":")[0] ?? error;
    out.push(blocker("CONTROLS_INVALID", key, `invalid runtime control ${error}`, "PAUSED"));
  }
  if (i.storeError !== null) {
    out.push(blocker("STORE_UNAVAILABLE", "store", `store read failed: ${i.storeError}`, "PAUSED"));
  }
  for (const down of i.agentsDown) {
    out.push(blocker("AGENT_DOWN", down.agent, `agent ${down.why}`, "PAUSED"));
  }
  if (!i.feed.ok) out.push(blocker("FEED_STALE", "feed", i.feed.detail, "PAUSED"));
  out.push(...reconBlockers(i.recon, i.incidentAt));
  if (i.unknownOrderIds.length > 0) {
    const ids = i.unknownOrderIds.slice(0, 3).join(", ");
    const text = `${i.unknownOrderIds.length} order(s) in UNKNOWN state: ${ids}`;
    out.push(blocker("UNKNOWN_ORDER", "orders", text, "PAUSED"));
  }
  out.push(...limitBlockers(i));
  return out;
}

function reconBlockers(recon: ReconView, incidentAt: number): Blocker[] {
  const cleanAt = recon.lastCleanAt ?? Number.NEGATIVE_INFINITY;
  const m = recon.mismatch;
  if (m !== null) {
    const code = m.kind === "ASSERTION" ? "ASSERTION_FAILED" : "RECON_MISMATCH";
    const what = m.kind === "ASSERTION" ? "runtime assertion failed" : "reconciliation mismatch";
    const trigger = m.trips ? "HALTED" : null;
    return [blocker(code, m.key, `${what}: ${m.kind} ${m.key} ${m.detail}`, trigger)];
  }
  if (cleanAt <= incidentAt) {
    return [blocker("RECON_PENDING", "recon", "waiting for a clean reconciliation", null)];
  }
  return [];
}

function limitBlockers(i: BlockerInputs): Blocker[] {
  const out: Blocker[] = [];
  const { daily_drawdown_usd: daily, session_loss_usd: session } = i.controls;
  if (i.dailyPnl <= -daily) {
    const text = `daily PnL ${formatUsd(i.dailyPnl)} reached the drawdown limit ${formatUsd(daily)}`;
    out.push(blocker("DAILY_DRAWDOWN", "day", text, "PAUSED"));
  }
  if (i.sessionPnl <= -session) {
    const text = `session PnL ${formatUsd(i.sessionPnl)} reached the loss limit ${formatUsd(session)}`;
    out.push(blocker("SESSION_LOSS", "session", text, "PAUSED"));
  }
  return out;
}

/** A trigger blocker that was not there before starts a new incident. */
export function isNewIncident(previousKeys: ReadonlySet<string>, blockers: readonly Blocker[]) {
  return blockers.some((b) => b.trigger !== null && !previousKeys.has(b.key));
}
