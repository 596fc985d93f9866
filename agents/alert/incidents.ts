/**
 * What deserves a person's attention, as incidents: a stable key (deduplication), a severity, a
 * title and a body. Pure: one function per source message or condition.
 */
import { createHash } from "node:crypto";
import type { Severity } from "../../contracts/alerts.ts";
import type { CroState, StrategyHalt, StrategyLossLimitView } from "../../contracts/cro.ts";
import type { MdHealth } from "../../contracts/market-data.ts";
import type { Order } from "../../contracts/orders.ts";
import type { ReconMismatch } from "../../contracts/recon.ts";
import { formatUsd, fromMicro } from "../../contracts/money.ts";
import { clip } from "./formats.ts";

export interface Incident {
  key: string;
  severity: Severity;
  title: string;
  body: string;
}

const KEY_MAX = 256;
const TITLE_MAX = 200;
const BODY_MAX = 4000;

function incident(key: string, severity: Severity, title: string, body: string): Incident {
  const shortKey =
    key.length <= KEY_MAX
      ? key
      : `${key.slice(0, 180)}#${createHash("sha256").update(key).digest("hex")}`;
  return { key: shortKey, severity, title: clip(title, TITLE_MAX), body: clip(body, BODY_MAX) };
}

const STATE_SEVERITY: Record<CroState["state"], Severity> = {
  HALTED: "CRITICAL",
  FLATTENING: "CRITICAL",
  PAUSED: "WARNING",
  ACTIVE: "INFO",
};

/** A trading-state change; `since` identifies the transition, so a repeat is the same incident. */
export function croStateIncident(m: CroState): Incident {
  const lines = [
    `Reason: ${m.reason || "-"}`,
    `Epoch ${m.epoch}, since ${new Date(m.since).toISOString()}`,
  ];
  if (m.operatorHold) lines.push("Operator hold: on");
  if (m.blockers.length > 0) lines.push(`Blockers:\n${m.blockers.map((b) => `- ${b}`).join("\n")}`);
  const down = m.agents.filter((a) => !a.alive).map((a) => `${a.agent}.${a.instance}`);
  if (down.length > 0) lines.push(`Agents down: ${down.join(", ")}`);
  return incident(
    `cro:${m.state}:${m.epoch}:${m.since}`,
    STATE_SEVERITY[m.state],
    `Trading state ${m.state}`,
    lines.join("\n"),
  );
}

/** A live start although readiness failed (`predator up --override-readiness`): one per row. */
export function readinessOverrideIncident(
  auditId: number,
  ts: number,
  o: { actor: string; reason: string; missing: readonly string[] },
): Incident {
  const lines = [
    `Overridden by ${o.actor} at ${new Date(ts).toISOString()}`,
    `Reason: ${o.reason}`,
    `Missing evidence: ${o.missing.length === 0 ? "-" : o.missing.join(", ")}`,
    "The fleet starts LIVE without a passing go-live checklist (predator readiness).",
  ];
  return incident(
    `readiness-override:${auditId}`,
    "CRITICAL",
    "Readiness overridden: LIVE start without the go-live evidence",
    lines.join("\n"),
  );
}

/**
 * The CRO halted one strategy (its kill criterion tripped, or an operator): the others trade on.
 * `since` identifies the halt, so the CRO's republished state is the same incident.
 */
export function strategyHaltIncident(h: StrategyHalt): Incident {
  const lines = [
    `Reason: ${h.reason || "-"}`,
    `Halted by ${h.actor}, since ${new Date(h.since).toISOString()}`,
    `Manifest version: ${h.manifestVersion ?? "-"}`,
    "Its new entries are vetoed (STRATEGY_HALTED); other strategies keep trading.",
    `Resume after review: predator strategy resume ${h.strategy} --reason "<why>"`,
  ];
  return incident(
    `strategy-halt:${h.strategy}:${h.since}`,
    "CRITICAL",
    `Strategy halted: ${h.strategy}`,
    lines.join("\n"),
  );
}

/** A strategy's session loss reached its manifest's session max loss: its entries are vetoed. */
export function strategyLossLimitIncident(l: StrategyLossLimitView, at: number): Incident {
  const lines = [
    `Session PnL ${fromMicro(l.sessionPnl)} USDC, manifest session max loss ${fromMicro(l.sessionMaxLoss)} USDC.`,
    "Its new entries are vetoed (STRATEGY_SESSION_LOSS) for the rest of the session; other strategies keep trading.",
  ];
  return incident(
    `strategy-loss-limit:${l.strategy}:${at}`,
    "CRITICAL",
    `Strategy at its session max loss: ${l.strategy}`,
    lines.join("\n"),
  );
}

export function strategyResumedIncident(strategy: string, haltedSince: number): Incident {
  return incident(
    `strategy-resumed:${strategy}:${haltedSince}`,
    "INFO",
    `Strategy resumed: ${strategy}`,
    `The halt of ${new Date(haltedSince).toISOString()} was lifted; its entries are judged again.`,
  );
}

/** Breaker trips and failed assertions: one incident per distinct set of what is wrong. */
export function reconIncident(m: ReconMismatch): Incident {
  const keys = [...new Set(m.mismatches.map((x) => `${x.kind}:${x.key}`))].sort();
  const assertions = m.mismatches.filter((x) => x.kind === "ASSERTION").map((x) => x.key);
  const onlyAssertions = assertions.length === m.mismatches.length;
  const title = onlyAssertions
    ? `Runtime assertion failed: ${[...new Set(assertions)].join(", ")}`
    : `Reconciliation mismatch (${m.mismatches.length})`;
  const body = m.mismatches
    .slice(0, 20)
    .map((x) => `- ${x.kind} ${x.key}: expected ${x.expected}; actual ${x.actual}`)
    .join("\n");
  return incident(`recon:${keys.join(",")}`, "CRITICAL", title, `${body}\nRun ${m.runId}`);
}

export function unknownOrderIncident(o: Order): Incident {
  const body = [
    `Order ${o.orderId} (${o.kind} ${o.side} ${fromMicro(o.size)} @ ${fromMicro(o.price)}) on ${o.windowId}`,
    `The venue's answer was lost; re-entry on this instrument is blocked until it resolves.`,
    o.reason === null ? "" : `Reason: ${o.reason}`,
  ];
  return incident(
    `order-unknown:${o.orderId}`,
    "CRITICAL",
    `Order in UNKNOWN state: ${o.orderId}`,
    body.join("\n").trim(),
  );
}

export function feedIncident(m: MdHealth): Incident | null {
  if (m.status !== "STALE" && m.status !== "DOWN") return null;
  const age = m.lastMessageAgeMs === null ? "never" : `${m.lastMessageAgeMs} ms ago`;
  const stale =
    m.staleTokens.length > 0 ? `\nStale tokens: ${m.staleTokens.slice(0, 20).join(", ")}` : "";
  const severity = m.status === "DOWN" ? "CRITICAL" : "WARNING";
  return incident(
    `feed:${m.feed}:${m.status}`,
    severity,
    `Market feed ${m.feed} ${m.status}`,
    `Last message ${age}${stale}`,
  );
}

export function feedRecoveredIncident(feed: string, was: string): Incident {
  return incident(
    `feed:${feed}:OK`,
    "INFO",
    `Market feed ${feed} recovered`,
    `Was ${was}; now OK.`,
  );
}

export function agentDeadIncident(instance: string, silentMs: number): Incident {
  return incident(
    `agent-dead:${instance}`,
    "CRITICAL",
    `Agent dead: ${instance}`,
    `No heartbeat for ${silentMs} ms.`,
  );
}

export function agentBackIncident(instance: string): Incident {
  return incident(
    `agent-back:${instance}`,
    "INFO",
    `Agent back: ${instance}`,
    "Heartbeats resumed.",
  );
}

export function agentStoppedIncident(instance: string): Incident {
  return incident(
    `agent-stopped:${instance}`,
    "WARNING",
    `Agent stopped: ${instance}`,
    "It stopped gracefully.",
  );
}

/** The UTC day of `ts`, as YYYY-MM-DD. */
export function utcDay(ts: number): string {
  // Asked for every cro.state the Alert agent reads: the last day's spelling is kept.
  const day = Math.floor(ts / DAY_MS);
  if (day !== lastDay.day) lastDay = { day, text: new Date(ts).toISOString().slice(0, 10) };
  return lastDay.text;
}
const DAY_MS = 86_400_000;
let lastDay = { day: Number.NaN, text: "" };

export function drawdownIncident(day: string, pct: number, loss: number, limit: number): Incident {
  return incident(
    `drawdown:${day}:${pct}`,
    pct >= 80 ? "CRITICAL" : "WARNING",
    `Daily drawdown at ${pct}% of the limit`,
    `Today's PnL is ${formatUsd(-loss)}; the daily drawdown limit is ${formatUsd(limit)}.`,
  );
}

export function summaryIncident(day: string, lines: readonly string[]): Incident {
  return incident(`summary:${day}`, "INFO", `Daily summary ${day}`, lines.join("\n"));
}
