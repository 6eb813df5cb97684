-- Answers to requests that carried an Idempotency-Key header, so that a
-- client that re-sends one (after a timeout, a dropped connection, a 503)
-- gets the first answer again instead of a second creation. One row per key
-- and actor; status 0 while the first request is still being answered.
CREATE TABLE idempotency_keys (
    id           {{PK}},
    actor        VARCHAR(64)  NOT NULL,
    idem_key     VARCHAR(128) NOT NULL,
    request_hash CHAR(64)     NOT NULL,
    status       INTEGER      NOT NULL DEFAULT 0,
    content_type VARCHAR(128) NOT NULL DEFAULT '',
    body         MEDIUMTEXT   NULL,
    created_at   BIGINT       NOT NULL,
    updated_at   BIGINT       NOT NULL
) {{TABLE}};
CREATE UNIQUE INDEX idempotency_keys_actor_key ON idempotency_keys (actor, idem_key);

-- An issue run is worked on by one process at a time: the one whose runner
-- token the row holds, while lease_until (Unix ms, wall clock) lies ahead.
-- The runner renews the lease as it goes; a killed runner's lease runs out
-- and the run may be resumed by anyone.
ALTER TABLE issue_runs ADD COLUMN runner VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE issue_runs ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
