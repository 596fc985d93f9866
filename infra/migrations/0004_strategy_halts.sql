-- Up Migration

-- Strategy manifests (issue 20, Phase 3): the CRO halts a strategy whose settled results leave the
-- range its manifest registered; an operator resumes it. One row per strategy, written by the CRO
-- leader (fenced), read at every CRO start so a halt survives a restart or a takeover. Times are
-- epoch milliseconds; `since` is when it was halted, or resumed (results count from then on).
CREATE TABLE strategy_halts (
  strategy          text     PRIMARY KEY,
  halted            boolean  NOT NULL,
  since             bigint   NOT NULL,
  actor             text     NOT NULL,
  reason            text     NOT NULL,
  manifest_version  text,
  detail            jsonb    NOT NULL,
  epoch             bigint   NOT NULL
);

-- Down Migration

DROP TABLE IF EXISTS strategy_halts;
