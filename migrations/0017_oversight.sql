-- Oversight of claims: fraud signals with their reasons, the review notes a
-- signalled claim needs before approval, the monthly post-payment samples
-- and the exclusion list (失信名单).

-- signals holds the codes of the claim's signals as last computed (on report,
-- again on assessment), comma-separated; signals_at is when (ms), so that a
-- review made before a re-assessment no longer counts. stay_start and
-- stay_end are the hospital stay an assessment of a hospitalization claim
-- gives.
ALTER TABLE claims ADD COLUMN signals VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE claims ADD COLUMN signals_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE claims ADD COLUMN stay_start DATE NULL;
ALTER TABLE claims ADD COLUMN stay_end DATE NULL;
CREATE INDEX claims_household ON claims (household_no, agreement_id);
CREATE INDEX claims_village_line ON claims (region_code, line, incident_date);
CREATE INDEX claims_member ON claims (member_id_number, line);
CREATE INDEX claim_documents_sha ON claim_documents (sha256);

-- One row per signal of a claim, with the reason the reviewer reads.
CREATE TABLE claim_signals (
    id       {{PK}},
    claim_id BIGINT       NOT NULL,
    code     VARCHAR(32)  NOT NULL,
    reason   VARCHAR(500) NOT NULL
) {{TABLE}};
CREATE INDEX claim_signals_code ON claim_signals (code, claim_id);
CREATE INDEX claim_signals_claim ON claim_signals (claim_id);

-- Review notes on signalled claims (append-only).
CREATE TABLE claim_reviews (
    id          {{PK}},
    claim_id    BIGINT        NOT NULL,
    reviewer_id BIGINT        NOT NULL DEFAULT 0,
    reviewer    VARCHAR(64)   NOT NULL,
    note        VARCHAR(1000) NOT NULL,
    at_ms       BIGINT        NOT NULL
) {{TABLE}};
CREATE INDEX claim_reviews_claim ON claim_reviews (claim_id, id);

-- A month's post-payment sample of one insurer's paid claims within a region
-- prefix ('' = all regions): the seed it was drawn with, the rate in
-- percent, how many claims were paid in the month (population) and drawn.
CREATE TABLE claim_samples (
    id          {{PK}},
    insurer     VARCHAR(64)  NOT NULL,
    region      VARCHAR(12)  NOT NULL DEFAULT '',
    month       CHAR(7)      NOT NULL,
    seed        BIGINT       NOT NULL,
    rate        DECIMAL(5,2) NOT NULL,
    population  BIGINT       NOT NULL,
    size        BIGINT       NOT NULL,
    created_by  VARCHAR(64)  NOT NULL,
    created_at  BIGINT       NOT NULL
) {{TABLE}};
CREATE UNIQUE INDEX claim_samples_unit ON claim_samples (insurer, region, month);

-- The claims of a sample and the reviewer's finding on each.
CREATE TABLE claim_sample_items (
    id          {{PK}},
    sample_id   BIGINT        NOT NULL,
    claim_id    BIGINT        NOT NULL,
    claim_no    VARCHAR(32)   NOT NULL,
    paid        DECIMAL(18,2) NOT NULL,
    outcome     VARCHAR(16)   NOT NULL DEFAULT '',
    recovered   DECIMAL(18,2) NOT NULL DEFAULT 0,
    note        VARCHAR(1000) NOT NULL DEFAULT '',
    reviewer    VARCHAR(64)   NOT NULL DEFAULT '',
    reviewed_at BIGINT        NOT NULL DEFAULT 0
) {{TABLE}};
CREATE UNIQUE INDEX claim_sample_items_claim ON claim_sample_items (sample_id, claim_id);

-- The exclusion list: a person barred from claims from valid_from to
-- valid_until (both included) unless removed; expiry_noted is set once the
-- expiry is in the audit trail.
CREATE TABLE exclusions (
    id           {{PK}},
    id_number    CHAR(18)      NOT NULL,
    name         VARCHAR(64)   NOT NULL,
    reason       VARCHAR(500)  NOT NULL,
    source       VARCHAR(16)   NOT NULL,
    source_ref   VARCHAR(100)  NOT NULL,
    region_code  VARCHAR(12)   NOT NULL,
    valid_from   DATE          NOT NULL,
    valid_until  DATE          NOT NULL,
    created_by   VARCHAR(64)   NOT NULL,
    created_at   BIGINT        NOT NULL,
    removed_by   VARCHAR(64)   NOT NULL DEFAULT '',
    removed_at   BIGINT        NOT NULL DEFAULT 0,
    removal_note VARCHAR(1000) NOT NULL DEFAULT '',
    expiry_noted SMALLINT      NOT NULL DEFAULT 0
) {{TABLE}};
CREATE INDEX exclusions_id_number ON exclusions (id_number);
CREATE INDEX exclusions_region ON exclusions (region_code, valid_until);
