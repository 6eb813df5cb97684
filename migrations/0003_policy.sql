-- Products, agreements, master policies, certificates, endorsements and the
-- issue runs that write them (SPEC §4, §5). Certificates and their member
-- covers are keyed by certificate_no, which the issuer computes before it
-- writes, so bulk inserts need no generated ids read back.

-- A product version as loaded: the file's text is kept verbatim (it is the
-- contract); the columns are what queries need.
CREATE TABLE products (
    id                 {{PK}},
    code               VARCHAR(64)   NOT NULL,
    version            INTEGER       NOT NULL,
    name               VARCHAR(200)  NOT NULL DEFAULT '',
    premium_per_person DECIMAL(18,2) NOT NULL,
    sha256             CHAR(64)      NOT NULL,
    body               TEXT          NOT NULL,
    created_by         VARCHAR(64)   NOT NULL DEFAULT '',
    created_at         BIGINT        NOT NULL
) {{TABLE}};
CREATE UNIQUE INDEX products_code_version ON products (code, version);

-- status is draft or active; an active agreement past its term end reads as
-- expired without being rewritten.
CREATE TABLE agreements (
    id                 {{PK}},
    agreement_no       VARCHAR(64)   NOT NULL,
    county             CHAR(6)       NOT NULL,
    insurer_code       VARCHAR(64)   NOT NULL,
    insurer_name       VARCHAR(200)  NOT NULL,
    insurer_hotline    VARCHAR(32)   NOT NULL,
    product_code       VARCHAR(64)   NOT NULL,
    product_version    INTEGER       NOT NULL,
    term_start         DATE          NULL,
    term_end           DATE          NULL,
    premium_per_person DECIMAL(18,2) NOT NULL,
    status             VARCHAR(16)   NOT NULL,
    body               TEXT          NOT NULL,
    created_by         VARCHAR(64)   NOT NULL DEFAULT '',
    created_at         BIGINT        NOT NULL,
    activated_at       BIGINT        NULL
) {{TABLE}};
CREATE UNIQUE INDEX agreements_no ON agreements (agreement_no);
CREATE INDEX agreements_county ON agreements (county);
CREATE INDEX agreements_insurer ON agreements (insurer_code);

-- One row per covered category: the subsidy split in percent.
CREATE TABLE agreement_splits (
    agreement_id BIGINT       NOT NULL,
    category     VARCHAR(32)  NOT NULL,
    central      DECIMAL(9,4) NOT NULL,
    provincial   DECIMAL(9,4) NOT NULL,
    municipal    DECIMAL(9,4) NOT NULL,
    county       DECIMAL(9,4) NOT NULL,
    self         DECIMAL(9,4) NOT NULL,
    PRIMARY KEY (agreement_id, category)
) {{TABLE}};

-- One master policy (统一保险单) per agreement; seq numbers the county's
-- master policies of the term's first year.
CREATE TABLE master_policies (
    id               {{PK}},
    master_policy_no VARCHAR(32) NOT NULL,
    agreement_id     BIGINT      NOT NULL,
    county           CHAR(6)     NOT NULL,
    year             INTEGER     NOT NULL,
    seq              INTEGER     NOT NULL,
    created_at       BIGINT      NOT NULL
) {{TABLE}};
CREATE UNIQUE INDEX master_policies_no ON master_policies (master_policy_no);
CREATE UNIQUE INDEX master_policies_agreement ON master_policies (agreement_id);
CREATE UNIQUE INDEX master_policies_county_year_seq ON master_policies (county, year, seq);

-- One certificate (分户凭证) per household and agreement. premium is the sum
-- of its member covers; central..self split it by funding source and add up
-- to it exactly; issued_premium is what the first issue wrote (0 for a
-- certificate created by an endorsement), so premium = issued_premium + the
-- endorsements' deltas.
CREATE TABLE certificates (
    id               {{PK}},
    certificate_no   VARCHAR(40)   NOT NULL,
    master_policy_no VARCHAR(32)   NOT NULL,
    agreement_id     BIGINT        NOT NULL,
    household_no     VARCHAR(64)   NOT NULL,
    household_seq    INTEGER       NOT NULL,
    county           CHAR(6)       NOT NULL,
    region_code      CHAR(12)      NOT NULL,
    village_name     VARCHAR(100)  NOT NULL DEFAULT '',
    category         VARCHAR(32)   NOT NULL,
    status           VARCHAR(16)   NOT NULL,
    cancelled_from   DATE          NULL,
    premium          DECIMAL(18,2) NOT NULL,
    issued_premium   DECIMAL(18,2) NOT NULL,
    central          DECIMAL(18,2) NOT NULL,
    provincial       DECIMAL(18,2) NOT NULL,
    municipal        DECIMAL(18,2) NOT NULL,
    county_share     DECIMAL(18,2) NOT NULL,
    self             DECIMAL(18,2) NOT NULL,
    list_id          BIGINT        NOT NULL,
    issued_at        BIGINT        NOT NULL,
    updated_at       BIGINT        NOT NULL
) {{TABLE}};
CREATE UNIQUE INDEX certificates_no ON certificates (certificate_no);
CREATE UNIQUE INDEX certificates_agreement_household ON certificates (agreement_id, household_no);
CREATE UNIQUE INDEX certificates_agreement_seq ON certificates (agreement_id, household_seq);
CREATE INDEX certificates_household ON certificates (household_no);

-- One row per cover period of a member (a member removed and listed again has
-- two). A cover whose end is before its start insured nobody: it is kept as
-- the trace of a member removed before their cover began.
CREATE TABLE certificate_members (
    id             {{PK}},
    certificate_no VARCHAR(40)   NOT NULL,
    agreement_id   BIGINT        NOT NULL,
    id_number      CHAR(18)      NOT NULL,
    name           VARCHAR(64)   NOT NULL,
    relation       VARCHAR(16)   NOT NULL,
    cover_start    DATE          NOT NULL,
    cover_end      DATE          NOT NULL,
    premium        DECIMAL(18,2) NOT NULL
) {{TABLE}};
CREATE UNIQUE INDEX certificate_members_cover ON certificate_members (certificate_no, id_number, cover_start);
CREATE INDEX certificate_members_id_number ON certificate_members (id_number);

-- Endorsements (批改): detail holds the member changes as JSON.
CREATE TABLE endorsements (
    id             {{PK}},
    certificate_no VARCHAR(40)   NOT NULL,
    agreement_id   BIGINT        NOT NULL,
    list_id        BIGINT        NOT NULL,
    type           VARCHAR(32)   NOT NULL,
    effective_date DATE          NOT NULL,
    premium_delta  DECIMAL(18,2) NOT NULL,
    detail         TEXT          NOT NULL,
    created_at     BIGINT        NOT NULL
) {{TABLE}};
CREATE INDEX endorsements_certificate ON endorsements (certificate_no, id);
CREATE INDEX endorsements_agreement_list ON endorsements (agreement_id, list_id);

-- One issue run per (agreement, list version): its cursor is the last
-- household_no whose certificates are committed, advanced in the same
-- transaction as each chunk's rows, so a killed run resumes exactly there.
-- kind is issue (the first list) or endorse (a newer one); status running,
-- done or failed. The counters total every attempt of the run.
CREATE TABLE issue_runs (
    id               {{PK}},
    agreement_id     BIGINT        NOT NULL,
    list_id          BIGINT        NOT NULL,
    kind             VARCHAR(16)   NOT NULL,
    status           VARCHAR(16)   NOT NULL,
    cursor_no        VARCHAR(64)   NOT NULL DEFAULT '',
    households_total INTEGER       NOT NULL DEFAULT 0,
    households_done  INTEGER       NOT NULL DEFAULT 0,
    certificates     INTEGER       NOT NULL DEFAULT 0,
    persons          INTEGER       NOT NULL DEFAULT 0,
    premium          DECIMAL(18,2) NOT NULL DEFAULT 0,
    endorsements     INTEGER       NOT NULL DEFAULT 0,
    excluded         INTEGER       NOT NULL DEFAULT 0,
    error            TEXT          NULL,
    started_by       VARCHAR(64)   NOT NULL DEFAULT '',
    started_at       BIGINT        NOT NULL,
    updated_at       BIGINT        NOT NULL,
    finished_at      BIGINT        NULL
) {{TABLE}};
CREATE UNIQUE INDEX issue_runs_agreement_list ON issue_runs (agreement_id, list_id);

-- Households and members an issue run left out, with the reason; the other
-- certificate is named for a person covered by another agreement.
CREATE TABLE issue_exclusions (
    id                {{PK}},
    run_id            BIGINT       NOT NULL,
    household_no      VARCHAR(64)  NOT NULL,
    id_number         VARCHAR(18)  NOT NULL DEFAULT '',
    reason            VARCHAR(32)  NOT NULL,
    other_certificate VARCHAR(40)  NOT NULL DEFAULT ''
) {{TABLE}};
CREATE UNIQUE INDEX issue_exclusions_run_household ON issue_exclusions (run_id, household_no, id_number);
