/**
 * Lease rules of the Store port in SQL (same rules as memory-leases.ts). Each call is one
 * statement, so PostgreSQL's row lock on agent_leases orders competing replicas: of two standbys
 * racing for an expired lease exactly one wins the new epoch.
 *
 * Time is the caller's clock (`nowMs`), never now(): the simulator must stay deterministic. So
 * replicas' clocks must agree to well within the TTL; the fence (holder + epoch, not time) is what
 * keeps a deposed leader from writing even when they don't.
 */
import type { AcquireResult, Fence, LeaseRecord } from "../../agents/runtime/store.ts";
import type { Db } from "./pg-db.ts";
import type { Row } from "./pg-rows.ts";
import { assertLeaseTimes, toInt, toText, toTextOrNull } from "./values.ts";

const ACQUIRE_SQL = `
INSERT INTO agent_leases AS l (name, holder, epoch, expires_at_ms, updated_at)
VALUES ($1, $2, 1, $3::bigint + $4::bigint, $3)
ON CONFLICT (name) DO UPDATE SET
  holder = EXCLUDED.holder,
  epoch = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at_ms > $3
               THEN l.epoch ELSE l.epoch + 1 END,
  expires_at_ms = EXCLUDED.expires_at_ms,
  updated_at = EXCLUDED.updated_at
WHERE l.holder IS NULL OR l.holder = EXCLUDED.holder OR l.expires_at_ms <= $3
RETURNING epoch`;

export async function acquireLease(
  db: Db,
  name: string,
  holder: string,
  nowMs: number,
  ttlMs: number,
): Promise<AcquireResult> {
  assertLeaseTimes(nowMs, ttlMs);
  const won = await db.query<Row>(ACQUIRE_SQL, [name, holder, nowMs, ttlMs]);
  const row = won.rows[0];
  if (row !== undefined) return { acquired: true, epoch: toInt(row.epoch, "epoch") };
  const current = await getLease(db, name);
  if (current === null) throw new Error(`Invariant: lease "${name}" refused but missing`);
  const { epoch, expiresAtMs } = current;
  return { acquired: false, holder: current.holder, epoch, expiresAtMs };
}

export async function renewLease(
  db: Db,
  name: string,
  holder: string,
  epoch: number,
  nowMs: number,
  ttlMs: number,
): Promise<boolean> {
  assertLeaseTimes(nowMs, ttlMs);
  const r = await db.query(
    `UPDATE agent_leases SET expires_at_ms = $4::bigint + $5::bigint, updated_at = $4
     WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at_ms > $4`,
    [name, holder, epoch, nowMs, ttlMs],
  );
  return r.rowCount === 1;
}

export async function releaseLease(
  db: Db,
  name: string,
  holder: string,
  epoch: number,
): Promise<boolean> {
  const r = await db.query(
    "UPDATE agent_leases SET holder = NULL WHERE name = $1 AND holder = $2 AND epoch = $3",
    [name, holder, epoch],
  );
  return r.rowCount === 1;
}

export async function getLease(db: Db, name: string): Promise<LeaseRecord | null> {
  const r = await db.query<Row>(
    "SELECT name, holder, epoch, expires_at_ms, updated_at FROM agent_leases WHERE name = $1",
    [name],
  );
  const row = r.rows[0];
  if (row === undefined) return null;
  return {
    name: toText(row.name, "name"),
    holder: toTextOrNull(row.holder, "holder"),
    epoch: toInt(row.epoch, "epoch"),
    expiresAtMs: toInt(row.expires_at_ms, "expires_at_ms"),
    updatedAt: toInt(row.updated_at, "updated_at"),
  };
}

/**
 * Inside a transaction: true when `fence` still holds, and the lease row is then locked FOR SHARE
 * until commit, so a takeover (an UPDATE of that row) waits for the fenced write to finish.
 */
export async function lockFence(db: Db, fence: Fence): Promise<boolean> {
  const r = await db.query(
    "SELECT 1 FROM agent_leases WHERE name = $1 AND holder = $2 AND epoch = $3 FOR SHARE",
    [fence.lease, fence.holder, fence.epoch],
  );
  return r.rowCount === 1;
}
