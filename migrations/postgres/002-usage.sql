-- Usage per key per UTC hour (same table as migrations/002-usage.sql; the same Kysely queries run on both).
-- Timestamps stay ISO-8601 UTC text, as in api_keys, so both dialects return the same strings and `hour`
-- compares in time order.
CREATE TABLE key_usage (
  key_id          INTEGER          NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  hour            TEXT             NOT NULL,
  requests        INTEGER          NOT NULL DEFAULT 0,
  failed_requests INTEGER          NOT NULL DEFAULT 0,
  audio_seconds   DOUBLE PRECISION NOT NULL DEFAULT 0,
  last_used_at    TEXT             NOT NULL,
  PRIMARY KEY (key_id, hour)
);

CREATE INDEX key_usage_hour ON key_usage (hour);
