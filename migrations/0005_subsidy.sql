-- Premium-subsidy reconciliations (SPEC §8): one row per run, its tallies per
-- finding, and one detail row per billed row or not-insured listed person.
-- terms holds the agreement terms the run read (JSON), so that the split of
-- every detail row can be shown again exactly as it was computed even if the
-- agreement is later edited.
CREATE TABLE reconciliations (
    id                  {{PK}},
    agreement_id        BIGINT        NOT NULL,
    list_id             BIGINT        NOT NULL,
    county              CHAR(6)       NOT NULL,
    insurer_code        VARCHAR(64)   NOT NULL,
    bill_source         VARCHAR(16)   NOT NULL,
    statement_name      VARCHAR(255)  NOT NULL DEFAULT '',
    statement_sha256    CHAR(64)      NOT NULL DEFAULT '',
    status              VARCHAR(16)   NOT NULL,
    inputs_hash         CHAR(64)      NOT NULL,
    terms               TEXT          NOT NULL,
    rows_read           INTEGER       NOT NULL,
    listed              INTEGER       NOT NULL,
    eligible            INTEGER       NOT NULL,
    billed_premium      DECIMAL(18,2) NOT NULL,
    billed_central      DECIMAL(18,2) NOT NULL,
    billed_provincial   DECIMAL(18,2) NOT NULL,
    billed_municipal    DECIMAL(18,2) NOT NULL,
    billed_county       DECIMAL(18,2) NOT NULL,
    billed_self         DECIMAL(18,2) NOT NULL,
    allowed_premium     DECIMAL(18,2) NOT NULL,
    allowed_central     DECIMAL(18,2) NOT NULL,
    allowed_provincial  DECIMAL(18,2) NOT NULL,
    allowed_municipal   DECIMAL(18,2) NOT NULL,
    allowed_county      DECIMAL(18,2) NOT NULL,
    allowed_self        DECIMAL(18,2) NOT NULL,
    disallowed_premium    DECIMAL(18,2) NOT NULL,
    disallowed_central    DECIMAL(18,2) NOT NULL,
    disallowed_provincial DECIMAL(18,2) NOT NULL,
    disallowed_municipal  DECIMAL(18,2) NOT NULL,
    disallowed_county     DECIMAL(18,2) NOT NULL,
    disallowed_self       DECIMAL(18,2) NOT NULL,
    created_by          VARCHAR(64)   NOT NULL,
    created_at          BIGINT        NOT NULL,
    confirmed_by        VARCHAR(64)   NOT NULL DEFAULT '',
    confirmed_at        BIGINT        NOT NULL DEFAULT 0,
    settled_by          VARCHAR(64)   NOT NULL DEFAULT '',
    settled_at          BIGINT        NOT NULL DEFAULT 0
) {{TABLE}};
CREATE INDEX reconciliations_agreement ON reconciliations (agreement_id);

CREATE TABLE reconciliation_findings (
    reconciliation_id BIGINT        NOT NULL,
    finding           SMALLINT      NOT NULL,
    item_count        INTEGER       NOT NULL,
    billed            DECIMAL(18,2) NOT NULL,
    expected          DECIMAL(18,2) NOT NULL,
    allowed           DECIMAL(18,2) NOT NULL,
    disallowed        DECIMAL(18,2) NOT NULL,
    PRIMARY KEY (reconciliation_id, finding)
) {{TABLE}};

-- finding is the position of the finding in SPEC §8's table (0 matched … 8
-- not_insured), so the key orders detail rows by finding, then as produced:
-- bill rows in file order, then not-insured people in list order. Amounts
-- by funding source are not stored: they are the premium split by the
-- category's percentages in terms, recomputed exactly when read.
CREATE TABLE reconciliation_items (
    reconciliation_id BIGINT        NOT NULL,
    finding           SMALLINT      NOT NULL,
    seq               INTEGER       NOT NULL,
    row_no            INTEGER       NOT NULL,
    certificate_no    VARCHAR(64)   NOT NULL,
    household_no      VARCHAR(64)   NOT NULL,
    id_number         VARCHAR(32)   NOT NULL,
    name              VARCHAR(64)   NOT NULL,
    list_category     VARCHAR(32)   NOT NULL,
    billed_category   VARCHAR(32)   NOT NULL,
    coverage_start    DATE          NULL,
    coverage_end      DATE          NULL,
    premium           DECIMAL(18,2) NOT NULL,
    expected          DECIMAL(18,2) NOT NULL,
    allowed           DECIMAL(18,2) NOT NULL,
    note              VARCHAR(255)  NOT NULL,
    PRIMARY KEY (reconciliation_id, finding, seq)
) {{TABLE}};
