/** The upserts of the PostgreSQL adapter, built once from the column lists in pg-rows.ts. */
import * as rows from "./pg-rows.ts";

export const UPSERT_ORDER = `INSERT INTO orders (${rows.ORDER_COLUMNS}) VALUES (${placeholders(rows.ORDER_COLUMNS)})
  ON CONFLICT (order_id) DO UPDATE SET
  ${updateFromExcluded(rows.ORDER_COLUMNS, ["order_id", "client_order_id", "created_at"])}`;

/** The order's row if absent; `RETURNING 1` only when it was written. */
export const INSERT_ORDER = `INSERT INTO orders (${rows.ORDER_COLUMNS}) VALUES (${placeholders(rows.ORDER_COLUMNS)})
  ON CONFLICT (order_id) DO NOTHING RETURNING 1`;

const ORDER_PARAMS = rows.ORDER_COLUMNS.split(",").length;

/**
 * A fenced order write in one statement (one round trip, no BEGIN/COMMIT): the lease row is read
 * FOR SHARE in the same statement as the write, so a takeover waits for the write to commit, or
 * has committed and the fence finds no row and nothing is written (READ COMMITTED re-checks an
 * updated row). `fenced` tells a stale epoch from a conflict; `written` counts the rows written.
 */
function fencedOrderWrite(onConflict: string): string {
  const n = ORDER_PARAMS;
  return `WITH fence AS (SELECT 1 FROM agent_leases
    WHERE name = $${n + 1} AND holder = $${n + 2} AND epoch = $${n + 3} FOR SHARE),
  w AS (INSERT INTO orders (${rows.ORDER_COLUMNS}) SELECT ${placeholders(rows.ORDER_COLUMNS)} FROM fence
    ON CONFLICT (order_id) ${onConflict} RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM fence) AS fenced, (SELECT count(*) FROM w)::int AS written`;
}

export const FENCED_UPSERT_ORDER = fencedOrderWrite(`DO UPDATE SET
  ${updateFromExcluded(rows.ORDER_COLUMNS, ["order_id", "client_order_id", "created_at"])}`);
export const FENCED_INSERT_ORDER = fencedOrderWrite("DO NOTHING");

/** An audit entry unless one of its kind exists for its intent ($5 intent_id, $3 kind). */
export const APPEND_FIRST_AUDIT = `INSERT INTO audit_log (ts, agent, kind, correlation_id, intent_id,
    order_id, position_id, decision_id, detail)
  SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb
  WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE intent_id = $5 AND kind = $3)
  RETURNING id`;

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
