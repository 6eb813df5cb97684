-- The browser console: an optional password beside the API key (a bcrypt
-- hash, '' for none), the count of failed sign-ins and the lock they lead
-- to, and server-side sessions so that any server process honours them.
-- A session is kept by the SHA-256 of its cookie token; csrf is the token
-- every form of the session must carry; seen_at drives the idle expiry.
ALTER TABLE users ADD COLUMN password_hash VARCHAR(100) NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN failed_logins INT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until BIGINT NOT NULL DEFAULT 0;
CREATE TABLE sessions (
    token_hash CHAR(64)  NOT NULL PRIMARY KEY,
    user_id    BIGINT    NOT NULL,
    csrf       CHAR(64)  NOT NULL,
    created_at BIGINT    NOT NULL,
    seen_at    BIGINT    NOT NULL
) {{TABLE}};
CREATE INDEX sessions_user ON sessions (user_id);
