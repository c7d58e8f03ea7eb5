-- Usage per key per UTC hour: one row per key and hour in which it was used, added to by upserts
-- (ON CONFLICT ... DO UPDATE). `hour` is the hour's start as ISO-8601 UTC ('2026-12-02T00:00:00.000Z'), so string
-- order is time order and `earshot usage --since` is a range scan. audio_seconds is the audio transcribed.
CREATE TABLE key_usage (
  key_id          INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  hour            TEXT    NOT NULL,
  requests        INTEGER NOT NULL DEFAULT 0,
  failed_requests INTEGER NOT NULL DEFAULT 0,
  audio_seconds   REAL    NOT NULL DEFAULT 0,
  last_used_at    TEXT    NOT NULL,
  PRIMARY KEY (key_id, hour)
);

CREATE INDEX key_usage_hour ON key_usage (hour);
