/**
 * Readiness overrides (issue 20): `predator up --mode live --override-readiness "<reason>"` starts
 * a live fleet although the go-live checklist fails. It is audited before anything starts
 * (infra/cli/commands/readiness.ts writes the row with `readinessOverrideAudit`), and the Alert
 * agent turns each such row into a CRITICAL alert: at its start (the fleet it belongs to starts
 * right after the override) and on its check timer after that. Each row is alerted once: the
 * incident key names the row, and a row already alerted (its alert stored) or older than the
 * horizon is not alerted again.
 */
import type { AuditEntry, Store } from "../runtime/store.ts";
import { z } from "zod";
import { readinessOverrideIncident, type Incident } from "./incidents.ts";

/** The audit rows' correlation id: every override, and only overrides, carry it. */
export const READINESS_OVERRIDE = "readiness.override";

/** An override older than this when the Alert agent first sees it is history, not news. */
export const OVERRIDE_HORIZON_MS = 24 * 3_600_000;

/** The audit row `predator up` writes before a live start that readiness refused. */
export function readinessOverrideAudit(
  ts: number,
  actor: string,
  reason: string,
  missing: readonly string[],
  items: unknown,
): AuditEntry {
  return {
    ts,
    agent: "ops",
    kind: READINESS_OVERRIDE,
    correlationId: READINESS_OVERRIDE,
    intentId: null,
    orderId: null,
    positionId: null,
    decisionId: null,
    detail: { actor, reason, missing, items },
  };
}

const overrideDetail = z.object({
  actor: z.string(),
  reason: z.string(),
  missing: z.array(z.string()),
});

export class OverrideWatch {
  private readonly seen = new Set<number>();
  private started = false;

  /** New override rows as incidents. The first call skips those already alerted or too old. */
  async check(store: Store, now: number): Promise<Incident[]> {
    const rows = (await store.auditFor(READINESS_OVERRIDE)).filter(
      (r) => r.kind === READINESS_OVERRIDE && !this.seen.has(r.id),
    );
    if (rows.length === 0) {
      this.started = true;
      return [];
    }
    const alerted = this.started
      ? new Set<string>()
      : new Set((await store.listAlerts()).map((a) => a.incidentKey));
    const out: Incident[] = [];
    for (const r of rows) {
      this.seen.add(r.id);
      const incident = readinessOverrideIncident(r.id, r.ts, parsed(r.detail));
      const old = !this.started && r.ts < now - OVERRIDE_HORIZON_MS;
      if (!old && !alerted.has(incident.key)) out.push(incident);
    }
    this.started = true;
    return out;
  }
}

function parsed(detail: unknown): { actor: string; reason: string; missing: string[] } {
  const d = overrideDetail.safeParse(detail);
  return d.success ? d.data : { actor: "?", reason: "(unreadable audit detail)", missing: [] };
}
