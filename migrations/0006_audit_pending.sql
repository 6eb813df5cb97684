-- Changes record their audit entry here, inside their own transaction; a
-- single chainer moves entries into audit_log in batches, giving each its
-- sequence number and hash. Writers no longer queue on audit_head while
-- their commit is flushed to disk.
CREATE TABLE audit_pending (
    id        {{PK}},
    at_ms     BIGINT       NOT NULL,
    actor     VARCHAR(64)  NOT NULL,
    role      VARCHAR(32)  NOT NULL,
    action    VARCHAR(64)  NOT NULL,
    object    VARCHAR(128) NOT NULL,
    detail    TEXT         NOT NULL
) {{TABLE}};
