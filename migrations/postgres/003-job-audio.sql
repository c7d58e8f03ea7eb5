-- Audio of callback jobs queued on PostgreSQL (pg-boss keeps the job itself in its own schema): the replica that
-- accepted the request writes it, whichever worker runs the job reads it, and the row is deleted once the job is
-- delivered or has used its last attempt.
CREATE TABLE IF NOT EXISTS job_audio (
  request_id  uuid        PRIMARY KEY,
  audio       bytea       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS job_audio_created_at ON job_audio (created_at);
