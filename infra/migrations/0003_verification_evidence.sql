-- Up Migration

-- Evidence before money (issue 20): verification runs (canary windows, exit variants, kill-switch
-- drills, preflight) and each item they checked. `readiness` reads these tables and nothing else.
-- Times are epoch milliseconds; recorded_at is the real time the evidence was stored (its age),
-- started_at/finished_at are on the run's own clock (virtual in simulation).
CREATE TABLE verification_runs (
  id           text     PRIMARY KEY,
  kind         text     NOT NULL CHECK (kind IN ('canary', 'exits', 'drill', 'preflight')),
  mode         text     NOT NULL,
  inputs       jsonb    NOT NULL,
  recorded_at  bigint   NOT NULL,
  started_at   bigint   NOT NULL,
  finished_at  bigint   NOT NULL,
  passed       boolean  NOT NULL,
  verdict      text     NOT NULL,
  summary      jsonb    NOT NULL
);
CREATE INDEX verification_runs_kind_idx ON verification_runs (kind, recorded_at DESC);

CREATE TABLE verification_items (
  run_id   text     NOT NULL REFERENCES verification_runs (id) ON DELETE CASCADE,
  seq      integer  NOT NULL,
  subject  text     NOT NULL,
  point    text     NOT NULL,
  outcome  text     NOT NULL CHECK (outcome IN ('PASS', 'FAIL', 'EXCLUDED', 'NOT_EXERCISED')),
  detail   text     NOT NULL,
  data     jsonb    NOT NULL,
  PRIMARY KEY (run_id, seq)
);

-- Down Migration

DROP TABLE IF EXISTS verification_items;
DROP TABLE IF EXISTS verification_runs;
