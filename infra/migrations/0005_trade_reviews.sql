-- Up Migration

-- First-N-windows review mode (issue 20, Phase 3): each trade of a strategy whose manifest sets
-- `reviewFirstWindows` waits here until an operator marks it reviewed; the CRO refuses the
-- strategy's scale-up sizes while any is pending. One row per position, written by the CRO
-- leader. Times are epoch milliseconds.
CREATE TABLE trade_reviews (
  position_id  text    PRIMARY KEY,
  strategy     text    NOT NULL,
  window_id    text    NOT NULL,
  created_at   bigint  NOT NULL,
  reviewed_at  bigint,
  reviewed_by  text,
  note         text
);
CREATE INDEX trade_reviews_pending ON trade_reviews (strategy) WHERE reviewed_at IS NULL;

-- Down Migration

DROP TABLE IF EXISTS trade_reviews;
