-- The medical feed keeps a county's settlements by household: one row holds
-- the settlements one feed loaded for one household under one certificate
-- (a person not insured on the settlement date: agreement 0, no household),
-- in body, as lines of the export's twelve columns; a row each made a million-row
-- file take minutes, every row paying for its two indexes. out_of_pocket
-- and the dates sum up the lines, so that the claims and the warnings read
-- the figures without the lines. claim_no names the illness claim the
-- settlements went into: a set goes into one claim whole. A set's lines are
-- at most 32,000 bytes (a household with more in one feed has more sets).
CREATE TABLE settlement_sets (
    id             {{PK}},
    feed_id        BIGINT        NOT NULL,
    agreement_id   BIGINT        NOT NULL DEFAULT 0,
    household_no   VARCHAR(64)   NOT NULL DEFAULT '',
    certificate_no VARCHAR(64)   NOT NULL DEFAULT '',
    insurer        VARCHAR(64)   NOT NULL DEFAULT '',
    region_code    CHAR(12)      NOT NULL DEFAULT '',
    settlements    INT           NOT NULL,
    first_on       DATE          NOT NULL,
    last_on        DATE          NOT NULL,
    out_of_pocket  DECIMAL(18,2) NOT NULL,
    claim_no       VARCHAR(32)   NOT NULL DEFAULT '',
    body           TEXT          NOT NULL,
    created_at     BIGINT        NOT NULL
) {{TABLE}};
CREATE INDEX settlement_sets_household ON settlement_sets (agreement_id, household_no);

-- Every settlement number ever loaded, with the feed that loaded it: a
-- number met again is skipped.
CREATE TABLE settlement_numbers (
    settlement_no VARCHAR(64) NOT NULL PRIMARY KEY,
    feed_id       BIGINT      NOT NULL
) {{KEYED}};

-- The settlements stored one per row move into sets (by the migration
-- program, which writes the lines); 0025 then drops their table.
