-- A number that every change stopping an API key (disable, rotation) moves
-- on, in the change's own transaction. A service process keeps the keys it
-- has verified and reads this one row on each request; when it has moved,
-- the process asks the users table again, so the change applies to the
-- next request on every process.
CREATE TABLE account_revision (
    id INTEGER NOT NULL PRIMARY KEY,
    n  BIGINT  NOT NULL
) {{TABLE}};
INSERT INTO account_revision (id, n) VALUES (1, 0);
