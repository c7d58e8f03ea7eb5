-- API keys. The token itself is never stored: only its SHA-256 (hash) and the first 8 characters (prefix)
-- that the CLI shows so a user can tell keys apart and revoke one.
CREATE TABLE api_keys (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  name         TEXT    NOT NULL,
  prefix       TEXT    NOT NULL,
  hash         TEXT    NOT NULL UNIQUE,
  scopes       TEXT    NOT NULL DEFAULT '["member"]',
  created_at   TEXT    NOT NULL,
  last_used_at TEXT,
  expires_at   TEXT,
  revoked_at   TEXT
);

CREATE INDEX api_keys_prefix ON api_keys (prefix);
