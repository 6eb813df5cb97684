-- Disaster events, the field worksheets loaded for them, the households'
-- bank accounts and the payment batches sent to the bank.

-- A declared disaster. regions lists the struck county, township or village
-- codes, comma-separated; scope is the declaring office's region or
-- insurer's code. Every claim of the event is reported on declared_on.
CREATE TABLE disaster_events (
    id          {{PK}},
    name        VARCHAR(100)  NOT NULL,
    cause       VARCHAR(32)   NOT NULL,
    first_day   DATE          NOT NULL,
    last_day    DATE          NOT NULL,
    regions     VARCHAR(2000) NOT NULL,
    declared_on DATE          NOT NULL,
    declared_by VARCHAR(64)   NOT NULL,
    scope       VARCHAR(64)   NOT NULL,
    created_at  BIGINT        NOT NULL
) {{TABLE}};

-- The event a claim belongs to; 0 for a claim reported on its own.
ALTER TABLE claims ADD COLUMN event_id BIGINT NOT NULL DEFAULT 0;
CREATE INDEX claims_event ON claims (event_id, region_code);

-- Each accepted worksheet of an event, once: the same file loaded again
-- (same SHA-256) finds its row and changes nothing.
CREATE TABLE event_worksheets (
    id         {{PK}},
    event_id   BIGINT       NOT NULL,
    sha256     CHAR(64)     NOT NULL,
    file_name  VARCHAR(255) NOT NULL DEFAULT '',
    rows_read  BIGINT       NOT NULL,
    claims     BIGINT       NOT NULL,
    payable    DECIMAL(18,2) NOT NULL,
    created_by VARCHAR(64)  NOT NULL,
    created_at BIGINT       NOT NULL
) {{TABLE}};
CREATE UNIQUE INDEX event_worksheets_file ON event_worksheets (event_id, sha256);

-- The bank accounts of households, with their history: a new account for a
-- household sets current = 0 on the one before.
CREATE TABLE bank_accounts (
    id           {{PK}},
    county       CHAR(6)      NOT NULL,
    household_no VARCHAR(64)  NOT NULL,
    account_no   VARCHAR(30)  NOT NULL,
    bank         VARCHAR(100) NOT NULL,
    holder       VARCHAR(64)  NOT NULL,
    current      INTEGER      NOT NULL,
    created_by   VARCHAR(64)  NOT NULL,
    created_at   BIGINT       NOT NULL
) {{TABLE}};
CREATE INDEX bank_accounts_household ON bank_accounts (county, household_no, current);

-- A payment batch of one insurer: open from its build until the bank's
-- return file is loaded (returned) or it is cancelled. The totals of the
-- successes and failures are set from the return file and always add up to
-- the batch's count and total.
CREATE TABLE payment_batches (
    id            {{PK}},
    batch_no      VARCHAR(32)   NOT NULL,
    insurer       VARCHAR(64)   NOT NULL,
    event_id      BIGINT        NOT NULL DEFAULT 0,
    from_day      DATE          NULL,
    to_day        DATE          NULL,
    status        VARCHAR(16)   NOT NULL,
    item_count    BIGINT        NOT NULL,
    total         DECIMAL(18,2) NOT NULL,
    success_count BIGINT        NOT NULL DEFAULT 0,
    success_total DECIMAL(18,2) NOT NULL DEFAULT 0,
    failure_count BIGINT        NOT NULL DEFAULT 0,
    failure_total DECIMAL(18,2) NOT NULL DEFAULT 0,
    created_by    VARCHAR(64)   NOT NULL,
    created_at    BIGINT        NOT NULL,
    closed_by     VARCHAR(64)   NOT NULL DEFAULT '',
    closed_at     BIGINT        NOT NULL DEFAULT 0
) {{TABLE}};
CREATE UNIQUE INDEX payment_batches_no ON payment_batches (batch_no);

-- One payment of a batch. open_claim holds the claim number while the
-- batch is open and NULL after: its unique index keeps a claim out of two
-- open batches even when two builds race.
CREATE TABLE payment_items (
    id         {{PK}},
    batch_id   BIGINT        NOT NULL,
    seq        INTEGER       NOT NULL,
    claim_no   VARCHAR(32)   NOT NULL,
    holder     VARCHAR(64)   NOT NULL,
    account_no VARCHAR(30)   NOT NULL,
    bank       VARCHAR(100)  NOT NULL,
    amount     DECIMAL(18,2) NOT NULL,
    outcome    VARCHAR(16)   NOT NULL,
    reason     VARCHAR(255)  NOT NULL DEFAULT '',
    open_claim VARCHAR(32)   NULL
) {{TABLE}};
CREATE UNIQUE INDEX payment_items_seq ON payment_items (batch_id, seq);
CREATE UNIQUE INDEX payment_items_open ON payment_items (open_claim);
CREATE INDEX payment_items_claim ON payment_items (claim_no);
