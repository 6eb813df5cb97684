-- Claims (SPEC §7): the claim, its transitions, its documents, and the
-- limit each approval consumes.

-- A claim of one certificate on one line. subject is whose limit the claim
-- consumes: the member's ID number on per-person lines, the household number
-- otherwise. dup_key is set while the claim counts against a new report of
-- the same loss (agreement, line, duplicate subject, incident date, cause)
-- and NULL once rejected; its unique index refuses a racing duplicate.
CREATE TABLE claims (
    id               {{PK}},
    claim_no         VARCHAR(32)   NOT NULL,
    certificate_no   VARCHAR(64)   NOT NULL,
    agreement_id     BIGINT        NOT NULL,
    insurer          VARCHAR(64)   NOT NULL,
    household_no     VARCHAR(64)   NOT NULL,
    region_code      CHAR(12)      NOT NULL,
    village          VARCHAR(100)  NOT NULL DEFAULT '',
    head_name        VARCHAR(64)   NOT NULL DEFAULT '',
    line             VARCHAR(16)   NOT NULL,
    member_id_number VARCHAR(18)   NOT NULL DEFAULT '',
    member_name      VARCHAR(64)   NOT NULL DEFAULT '',
    subject          VARCHAR(64)   NOT NULL,
    incident_date    DATE          NOT NULL,
    reported_on      DATE          NOT NULL,
    cause            VARCHAR(32)   NOT NULL,
    description      VARCHAR(2000) NOT NULL DEFAULT '',
    flags            VARCHAR(255)  NOT NULL DEFAULT '',
    status           VARCHAR(16)   NOT NULL,
    dup_key          VARCHAR(255)  NULL,
    assessment       TEXT          NULL,
    breakdown        TEXT          NULL,
    payable          DECIMAL(18,2) NULL,
    remaining_before DECIMAL(18,2) NULL,
    remaining_after  DECIMAL(18,2) NULL,
    assessor_id      BIGINT        NOT NULL DEFAULT 0,
    assessor         VARCHAR(64)   NOT NULL DEFAULT '',
    reason_code      VARCHAR(32)   NOT NULL DEFAULT '',
    payment_ref      VARCHAR(64)   NOT NULL DEFAULT '',
    created_by       VARCHAR(64)   NOT NULL DEFAULT '',
    created_at       BIGINT        NOT NULL,
    updated_at       BIGINT        NOT NULL
) {{TABLE}};
CREATE UNIQUE INDEX claims_no ON claims (claim_no);
CREATE UNIQUE INDEX claims_dup_key ON claims (dup_key);
CREATE INDEX claims_certificate ON claims (certificate_no);
CREATE INDEX claims_insurer_status ON claims (insurer, status, reported_on);
CREATE INDEX claims_region ON claims (region_code, reported_on);

-- Every transition: who, when, from, to, note. from_status is '' for the
-- report itself.
CREATE TABLE claim_events (
    id          {{PK}},
    claim_id    BIGINT        NOT NULL,
    at_ms       BIGINT        NOT NULL,
    actor_id    BIGINT        NOT NULL DEFAULT 0,
    actor       VARCHAR(64)   NOT NULL,
    role        VARCHAR(32)   NOT NULL,
    from_status VARCHAR(16)   NOT NULL,
    to_status   VARCHAR(16)   NOT NULL,
    note        VARCHAR(1000) NOT NULL DEFAULT ''
) {{TABLE}};
CREATE INDEX claim_events_claim ON claim_events (claim_id, id);

-- Uploaded documents; the file itself lies in the documents directory under
-- its SHA-256, so an identical file is stored once.
CREATE TABLE claim_documents (
    id           {{PK}},
    claim_id     BIGINT       NOT NULL,
    kind         VARCHAR(100) NOT NULL,
    file_name    VARCHAR(255) NOT NULL DEFAULT '',
    content_type VARCHAR(64)  NOT NULL,
    size         BIGINT       NOT NULL,
    sha256       CHAR(64)     NOT NULL,
    uploaded_by  VARCHAR(64)  NOT NULL,
    uploaded_at  BIGINT       NOT NULL
) {{TABLE}};
CREATE INDEX claim_documents_claim ON claim_documents (claim_id, id);

-- What approved claims have consumed of a limit for the agreement's term:
-- one row per (agreement, line, subject). Approval locks the row, so two
-- racing approvals see each other's consumption.
CREATE TABLE claim_limits (
    id           {{PK}},
    agreement_id BIGINT        NOT NULL,
    line         VARCHAR(16)   NOT NULL,
    subject      VARCHAR(64)   NOT NULL,
    used         DECIMAL(18,2) NOT NULL,
    updated_at   BIGINT        NOT NULL
) {{TABLE}};
CREATE UNIQUE INDEX claim_limits_subject ON claim_limits (agreement_id, line, subject);

-- The daily sequence of claim numbers (CLM + yyyymmdd + 6 digits).
CREATE TABLE claim_counters (
    day CHAR(8) NOT NULL PRIMARY KEY,
    seq BIGINT  NOT NULL
) {{TABLE}};
