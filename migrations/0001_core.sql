-- Accounts, settings and the audit trail.
CREATE TABLE users (
    id         {{PK}},
    username   VARCHAR(64)  NOT NULL,
    role       VARCHAR(32)  NOT NULL,
    scope      VARCHAR(64)  NOT NULL DEFAULT '',
    key_hash   CHAR(64)     NOT NULL,
    disabled   SMALLINT     NOT NULL DEFAULT 0,
    created_at BIGINT       NOT NULL
) {{TABLE}};
CREATE UNIQUE INDEX users_username ON users (username);
CREATE UNIQUE INDEX users_key_hash ON users (key_hash);

CREATE TABLE settings (
    name  VARCHAR(64)   NOT NULL PRIMARY KEY,
    value VARCHAR(1024) NOT NULL
) {{TABLE}};

-- audit_head is one row holding the last sequence number and hash; every
-- append updates it first, which serialises appenders on every engine.
CREATE TABLE audit_head (
    id   INTEGER  NOT NULL PRIMARY KEY,
    seq  BIGINT   NOT NULL,
    hash CHAR(64) NOT NULL
) {{TABLE}};
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq       BIGINT       NOT NULL PRIMARY KEY,
    at_ms     BIGINT       NOT NULL,
    actor     VARCHAR(64)  NOT NULL,
    role      VARCHAR(32)  NOT NULL,
    action    VARCHAR(64)  NOT NULL,
    object    VARCHAR(128) NOT NULL,
    detail    TEXT         NOT NULL,
    prev_hash CHAR(64)     NOT NULL,
    hash      CHAR(64)     NOT NULL
) {{TABLE}};
CREATE INDEX audit_log_object ON audit_log (object);
