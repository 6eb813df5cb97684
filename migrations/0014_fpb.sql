-- 防贫保: what the household lines accumulate, the medical-insurance
-- settlement feed, and the early warnings handed to the office.

-- What a household's approved claims of a household line (illness,
-- disaster, education) add up to over the agreement's term: one row per
-- (agreement, line, subject). It changes only under the lock of the claim's
-- claim_limits row, in the approval's transaction.
CREATE TABLE claim_accruals (
    id           {{PK}},
    agreement_id BIGINT        NOT NULL,
    line         VARCHAR(16)   NOT NULL,
    subject      VARCHAR(64)   NOT NULL,
    accumulated  DECIMAL(18,2) NOT NULL,
    updated_at   BIGINT        NOT NULL
) {{TABLE}};
CREATE UNIQUE INDEX claim_accruals_subject ON claim_accruals (agreement_id, line, subject);

-- One accepted upload of the county medical-insurance settlement export.
CREATE TABLE medical_feeds (
    id           {{PK}},
    feed_date    DATE         NOT NULL,
    file_name    VARCHAR(255) NOT NULL DEFAULT '',
    rows_read    BIGINT       NOT NULL,
    loaded       BIGINT       NOT NULL,
    skipped      BIGINT       NOT NULL,
    not_insured  BIGINT       NOT NULL,
    created_by   VARCHAR(64)  NOT NULL,
    created_at   BIGINT       NOT NULL
) {{TABLE}};

-- Each settlement once (settlement_no is unique: a repeat is skipped). A
-- settlement of a person not insured on its settlement date is kept with
-- agreement_id 0 and no household, so that a repeat is skipped too; it never
-- accrues. claim_no names the illness claim the settlement went into.
CREATE TABLE medical_settlements (
    id                      {{PK}},
    settlement_no           VARCHAR(64)   NOT NULL,
    feed_id                 BIGINT        NOT NULL,
    id_number               VARCHAR(18)   NOT NULL,
    name                    VARCHAR(64)   NOT NULL,
    provider                VARCHAR(200)  NOT NULL DEFAULT '',
    admitted_on             DATE          NULL,
    discharged_on           DATE          NULL,
    settled_on              DATE          NOT NULL,
    total                   DECIMAL(18,2) NOT NULL,
    basic_insurance_paid    DECIMAL(18,2) NOT NULL,
    critical_illness_paid   DECIMAL(18,2) NOT NULL,
    medical_assistance_paid DECIMAL(18,2) NOT NULL,
    non_reimbursable        DECIMAL(18,2) NOT NULL,
    out_of_pocket           DECIMAL(18,2) NOT NULL,
    agreement_id            BIGINT        NOT NULL DEFAULT 0,
    insurer                 VARCHAR(64)   NOT NULL DEFAULT '',
    certificate_no          VARCHAR(64)   NOT NULL DEFAULT '',
    household_no            VARCHAR(64)   NOT NULL DEFAULT '',
    region_code             CHAR(12)      NOT NULL DEFAULT '',
    claim_no                VARCHAR(32)   NOT NULL DEFAULT '',
    created_at              BIGINT        NOT NULL
) {{TABLE}};
CREATE UNIQUE INDEX medical_settlements_no ON medical_settlements (settlement_no);
CREATE INDEX medical_settlements_household ON medical_settlements (agreement_id, household_no, settled_on);
CREATE INDEX medical_settlements_region ON medical_settlements (region_code, settled_on);

-- A warning: one per household, rule and year (the unique key makes
-- evaluating again harmless). figures is the JSON of the numbers that raised
-- it; status goes new → visiting → assisted | dismissed.
CREATE TABLE warnings (
    id           {{PK}},
    county       CHAR(6)      NOT NULL,
    household_no VARCHAR(64)  NOT NULL,
    rule         VARCHAR(32)  NOT NULL,
    year         INT          NOT NULL,
    region_code  CHAR(12)     NOT NULL,
    village      VARCHAR(100) NOT NULL DEFAULT '',
    head_name    VARCHAR(64)  NOT NULL DEFAULT '',
    figures      TEXT         NOT NULL,
    status       VARCHAR(16)  NOT NULL,
    raised_on    DATE         NOT NULL,
    updated_at   BIGINT       NOT NULL
) {{TABLE}};
CREATE UNIQUE INDEX warnings_key ON warnings (county, household_no, rule, year);
CREATE INDEX warnings_region ON warnings (region_code, rule, status);

-- Every step of a warning: who, when, from, to, note.
CREATE TABLE warning_events (
    id          {{PK}},
    warning_id  BIGINT        NOT NULL,
    at_ms       BIGINT        NOT NULL,
    actor       VARCHAR(64)   NOT NULL,
    from_status VARCHAR(16)   NOT NULL,
    to_status   VARCHAR(16)   NOT NULL,
    note        VARCHAR(1000) NOT NULL DEFAULT ''
) {{TABLE}};
CREATE INDEX warning_events_warning ON warning_events (warning_id, id);
