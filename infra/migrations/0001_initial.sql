-- Up Migration
--
-- The initial schema. Conventions:
-- * money, share quantities and prices are bigint micro-units (contracts/money.ts);
-- * business timestamps are bigint epoch milliseconds supplied by the caller from its injected
--   Clock, never now(), so a simulated run writes the same rows for the same seed;
-- * text ids are compared byte-wise (COLLATE "C" in queries) so PostgreSQL and the in-memory
--   store order rows the same way whatever the server's default collation is.

CREATE TABLE runtime_controls (
  key         text   PRIMARY KEY,
  value       text   NOT NULL,
  updated_at  bigint NOT NULL,
  updated_by  text   NOT NULL
);

CREATE TABLE orders (
  -- order_id is the client order id; client_order_id repeats it under the venue's name.
  order_id         text   NOT NULL PRIMARY KEY,
  client_order_id  text   NOT NULL UNIQUE CHECK (client_order_id = order_id),
  venue_order_id   text   NULL,
  intent_id        text   NOT NULL,
  decision_id      text   NULL,
  position_id      text   NULL,
  strategy         text   NOT NULL,
  window_id        text   NOT NULL,
  token_id         text   NOT NULL,
  kind             text   NOT NULL CHECK (kind IN ('ENTRY', 'EXIT', 'CANCEL')),
  side             text   NOT NULL CHECK (side IN ('BUY', 'SELL')),
  order_type       text   NOT NULL CHECK (order_type IN ('GTC', 'GTD', 'FOK', 'FAK')),
  price            bigint NOT NULL,
  size             bigint NOT NULL CHECK (size >= 0),
  filled_size      bigint NOT NULL CHECK (filled_size >= 0),
  status           text   NOT NULL,
  reason           text   NULL,
  mode             text   NOT NULL CHECK (mode IN ('PAPER', 'DRY_RUN', 'LIVE', 'SIM')),
  created_at       bigint NOT NULL,
  updated_at       bigint NOT NULL,
  epoch            bigint NOT NULL
);
CREATE INDEX orders_status_idx ON orders (status);
CREATE INDEX orders_window_idx ON orders (window_id);
CREATE INDEX orders_token_idx ON orders (token_id);
CREATE INDEX orders_venue_order_idx ON orders (venue_order_id);

-- One row per venue trade; its status only moves MATCHED -> CONFIRMED or MATCHED -> FAILED.
CREATE TABLE fills (
  trade_id        text   NOT NULL,
  order_id        text   NOT NULL,
  venue_order_id  text   NULL,
  status          text   NOT NULL CHECK (status IN ('MATCHED', 'CONFIRMED', 'FAILED')),
  fee             bigint NOT NULL CHECK (fee >= 0),
  price           bigint NOT NULL,
  size            bigint NOT NULL CHECK (size > 0),
  side            text   NOT NULL CHECK (side IN ('BUY', 'SELL')),
  token_id        text   NOT NULL,
  window_id       text   NOT NULL,
  position_id     text   NULL,
  intent_id       text   NOT NULL,
  strategy        text   NOT NULL,
  kind            text   NOT NULL CHECK (kind IN ('ENTRY', 'EXIT', 'CANCEL')),
  liquidity       text   NOT NULL CHECK (liquidity IN ('TAKER', 'MAKER')),
  intended_price  bigint NOT NULL,
  mode            text   NOT NULL CHECK (mode IN ('PAPER', 'DRY_RUN', 'LIVE', 'SIM')),
  ts              bigint NOT NULL,
  updated_at      bigint NOT NULL,
  CONSTRAINT fills_trade_id_key UNIQUE (trade_id)
);
CREATE INDEX fills_order_idx ON fills (order_id);
CREATE INDEX fills_position_idx ON fills (position_id);
CREATE INDEX fills_window_idx ON fills (window_id);

CREATE TABLE positions (
  position_id       text    PRIMARY KEY,
  mode              text    NOT NULL CHECK (mode IN ('PAPER', 'DRY_RUN', 'LIVE', 'SIM')),
  strategy          text    NOT NULL,
  window_id         text    NOT NULL,
  token_id          text    NOT NULL,
  state             text    NOT NULL,
  size              bigint  NOT NULL CHECK (size >= 0),
  provisional_size  bigint  NOT NULL CHECK (provisional_size >= 0),
  avg_entry_price   bigint  NULL,
  cost_basis        bigint  NOT NULL,
  fees              bigint  NOT NULL,
  realized_pnl      bigint  NOT NULL,
  unrealized_pnl    bigint  NOT NULL,
  mark_price        bigint  NULL,
  exit_reason       text    NULL,
  opened_at         bigint  NOT NULL,
  closed_at         bigint  NULL,
  machine_version   integer NOT NULL,
  -- The persisted XState snapshot (actor.getPersistedSnapshot()).
  snapshot          jsonb   NOT NULL,
  updated_at        bigint  NOT NULL
);
CREATE INDEX positions_open_idx ON positions (state) WHERE state <> 'CLOSED';

CREATE TABLE cro_events (
  id             bigserial PRIMARY KEY,
  ts             bigint    NOT NULL,
  epoch          bigint    NOT NULL,
  state          text      NOT NULL CHECK (state IN ('ACTIVE', 'PAUSED', 'FLATTENING', 'HALTED')),
  reason         text      NOT NULL,
  actor          text      NOT NULL,
  operator_hold  boolean   NOT NULL,
  detail         jsonb     NOT NULL
);
CREATE INDEX cro_events_ts_idx ON cro_events (ts, id);

CREATE TABLE audit_log (
  id              bigserial PRIMARY KEY,
  ts              bigint    NOT NULL,
  agent           text      NOT NULL,
  kind            text      NOT NULL,
  correlation_id  text      NULL,
  intent_id       text      NULL,
  order_id        text      NULL,
  position_id     text      NULL,
  decision_id     text      NULL,
  detail          jsonb     NOT NULL
);
CREATE INDEX audit_log_correlation_idx ON audit_log (correlation_id);
CREATE INDEX audit_log_intent_idx ON audit_log (intent_id);
CREATE INDEX audit_log_order_idx ON audit_log (order_id);
CREATE INDEX audit_log_position_idx ON audit_log (position_id);
CREATE INDEX audit_log_decision_idx ON audit_log (decision_id);

-- Singleton leases: holder is NULL once released; epoch only ever grows.
CREATE TABLE agent_leases (
  name           text   PRIMARY KEY,
  holder         text   NULL,
  epoch          bigint NOT NULL CHECK (epoch >= 1),
  expires_at_ms  bigint NOT NULL,
  updated_at     bigint NOT NULL
);

CREATE TABLE feed_gaps (
  id        bigserial PRIMARY KEY,
  feed      text      NOT NULL,
  token_id  text      NOT NULL,
  from_seq  bigint    NOT NULL,
  to_seq    bigint    NOT NULL,
  ts        bigint    NOT NULL
);

-- Outgoing alerts; rows in status DEAD are the dead-letter table.
CREATE TABLE alerts (
  alert_id         text    PRIMARY KEY,
  incident_key     text    NOT NULL,
  severity         text    NOT NULL CHECK (severity IN ('INFO', 'WARNING', 'CRITICAL')),
  title            text    NOT NULL,
  body             text    NOT NULL,
  format           text    NOT NULL,
  status           text    NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'DEAD')),
  attempts         integer NOT NULL CHECK (attempts >= 0),
  last_error       text    NULL,
  created_at       bigint  NOT NULL,
  updated_at       bigint  NOT NULL,
  next_attempt_at  bigint  NULL
);
CREATE INDEX alerts_status_idx ON alerts (status, next_attempt_at);
CREATE INDEX alerts_incident_idx ON alerts (incident_key);

-- Down Migration

DROP TABLE IF EXISTS alerts;
DROP TABLE IF EXISTS feed_gaps;
DROP TABLE IF EXISTS agent_leases;
DROP TABLE IF EXISTS audit_log;
DROP TABLE IF EXISTS cro_events;
DROP TABLE IF EXISTS positions;
DROP TABLE IF EXISTS fills;
DROP TABLE IF EXISTS orders;
DROP TABLE IF EXISTS runtime_controls;
