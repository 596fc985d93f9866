/** The upserts of the PostgreSQL adapter, built once from the column lists in pg-rows.ts. */
import * as rows from "./pg-rows.ts";

export const UPSERT_ORDER = `INSERT INTO orders (${rows.ORDER_COLUMNS}) VALUES (${placeholders(rows.ORDER_COLUMNS)})
  ON CONFLICT (order_id) DO UPDATE SET
  ${updateFromExcluded(rows.ORDER_COLUMNS, ["order_id", "client_order_id", "created_at"])}`;

/** Inserts a new trade, or moves a MATCHED one forward; `xmax = 0` only on a fresh insert. */
export const RECORD_FILL = `INSERT INTO fills AS f (${rows.FILL_COLUMNS}) VALUES (${placeholders(rows.FILL_COLUMNS)})
  ON CONFLICT (trade_id) DO UPDATE SET status = EXCLUDED.status, updated_at = EXCLUDED.updated_at
  WHERE f.status = 'MATCHED' AND EXCLUDED.status <> 'MATCHED'
  RETURNING (xmax = 0) AS inserted`;

export const SAVE_POSITION = `INSERT INTO positions (${rows.POSITION_COLUMNS})
  VALUES (${placeholders(rows.POSITION_COLUMNS)})
  ON CONFLICT (position_id) DO UPDATE SET
  ${updateFromExcluded(rows.POSITION_COLUMNS, ["position_id"])}`;

export const SAVE_ALERT = `INSERT INTO alerts (${rows.ALERT_COLUMNS}) VALUES (${placeholders(rows.ALERT_COLUMNS)})
  ON CONFLICT (alert_id) DO UPDATE SET
  ${updateFromExcluded(rows.ALERT_COLUMNS, ["alert_id"])}`;

export const CRO_EVENT_COLUMNS = "id, ts, epoch, state, reason, actor, operator_hold, detail";
export const AUDIT_COLUMNS =
  "id, ts, agent, kind, correlation_id, intent_id, order_id, position_id, decision_id, detail";

/** `$1, $2, … $n`, one per column of a comma-separated list. */
export function placeholders(columns: string): string {
  const n = columns.split(",").length;
  return Array.from({ length: n }, (_, i) => `$${i + 1}`).join(", ");
}

/** `col = EXCLUDED.col, …` for every column except the conflict key and `keep`. */
export function updateFromExcluded(columns: string, keep: readonly string[]): string {
  return columns
    .split(",")
    .map((c) => c.trim())
    .filter((c) => !keep.includes(c))
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(", ");
}
