/**
 * Reconstructs the audit chain of a position, order, intent or decision: every audit entry that
 * shares an id with it, followed transitively (a position leads to its intents, those to their
 * decisions and orders), with the stored fills. `missingLinks` says which required links of an
 * entry or exit are absent, so a test can prove every trade is reconstructable.
 */
import type {
  FillRecord,
  PositionRecord,
  Store,
  StoredAuditEntry,
} from "../../agents/runtime/store.ts";

export interface AuditChain {
  root: string;
  entries: StoredAuditEntry[];
  position: PositionRecord | null;
  fills: FillRecord[];
}

/** Bound on how many related ids are followed from one root. */
export const AUDIT_IDS_MAX = 200;

export async function auditChain(store: Store, root: string): Promise<AuditChain> {
  const seen = new Set<string>([root]);
  const queue = [root];
  const entries = new Map<number, StoredAuditEntry>();
  while (queue.length > 0 && seen.size <= AUDIT_IDS_MAX) {
    const id = queue.shift();
    if (id === undefined) break;
    for (const e of await store.auditFor(id)) {
      entries.set(e.id, e);
      for (const next of [e.intentId, e.orderId, e.positionId, e.decisionId]) {
        if (next !== null && !seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
  }
  const sorted = [...entries.values()].sort((a, b) => a.ts - b.ts || a.id - b.id);
  const positionId = sorted.find((e) => e.positionId !== null)?.positionId ?? root;
  const position = await store.getPosition(positionId);
  const fills = position === null ? [] : await store.listFills({ positionId: position.positionId });
  return { root, entries: sorted, position, fills };
}

/** Links the issue requires for every entry and exit; returns the ones missing. */
export function missingLinks(chain: AuditChain): string[] {
  const kinds = new Set(chain.entries.map((e) => e.kind));
  const missing: string[] = [];
  const require = (kind: string, why: string) => {
    if (!kinds.has(kind)) missing.push(`${kind} (${why})`);
  };
  require("strategy.signal", "the signal and the book at decision time");
  require("cro.decision", "each CRO check and its result, with the balance");
  require("order.payload", "the order payload");
  require("venue.response", "the venue's answers");
  if (chain.position === null) missing.push("position record");
  if (chain.fills.length === 0) missing.push("fills (with fees)");
  if (
    chain.position?.state === "CLOSED" &&
    !kinds.has("position.closed") &&
    !kinds.has("position.settled")
  ) {
    missing.push("position.closed or position.settled (realized PnL)");
  }
  return missing;
}

export function formatChain(chain: AuditChain): string {
  const lines = [
    `audit chain of ${chain.root}: ${chain.entries.length} entries, ${chain.fills.length} fills`,
  ];
  for (const e of chain.entries) {
    const refs = [
      e.intentId && `intent=${e.intentId}`,
      e.orderId && `order=${e.orderId}`,
      e.decisionId && `decision=${e.decisionId}`,
    ]
      .filter(Boolean)
      .join(" ");
    lines.push(
      `${new Date(e.ts).toISOString()}  ${e.agent.padEnd(11)} ${e.kind.padEnd(22)} ${refs}`,
    );
    lines.push(`    ${JSON.stringify(e.detail).slice(0, 400)}`);
  }
  for (const f of chain.fills) {
    lines.push(
      `fill ${f.tradeId} ${f.status} ${f.side} ${f.size} @ ${f.price} fee ${f.fee} (intended ${f.intendedPrice})`,
    );
  }
  const p = chain.position;
  if (p !== null) {
    lines.push(
      `position ${p.positionId} ${p.state} size ${p.size} realized ${p.realizedPnl} fees ${p.fees} exit ${p.exitReason ?? "-"}`,
    );
  }
  const gaps = missingLinks(chain);
  lines.push(gaps.length === 0 ? "chain complete" : `chain INCOMPLETE: missing ${gaps.join("; ")}`);
  return lines.join("\n");
}
