-- Up Migration

-- The Reconciler reads what changed since its last clean run (and the CRO, Alert and Portfolio
-- what closed recently), so the history tables are indexed by when a row was last written.
CREATE INDEX orders_updated_idx ON orders (updated_at);
CREATE INDEX fills_updated_idx ON fills (updated_at);
CREATE INDEX fills_matched_idx ON fills (ts) WHERE status = 'MATCHED';
CREATE INDEX positions_updated_idx ON positions (updated_at);

-- Down Migration

DROP INDEX IF EXISTS positions_updated_idx;
DROP INDEX IF EXISTS fills_matched_idx;
DROP INDEX IF EXISTS fills_updated_idx;
DROP INDEX IF EXISTS orders_updated_idx;
