-- Household lists: one immutable version per accepted import.
CREATE TABLE list_versions (
    id             {{PK}},
    county         CHAR(6)      NOT NULL,
    effective_date DATE         NOT NULL,
    source_name    VARCHAR(255) NOT NULL DEFAULT '',
    sha256         CHAR(64)     NOT NULL DEFAULT '',
    households     INTEGER      NOT NULL DEFAULT 0,
    members        INTEGER      NOT NULL DEFAULT 0,
    created_by     VARCHAR(64)  NOT NULL DEFAULT '',
    created_at     BIGINT       NOT NULL
) {{TABLE}};
CREATE INDEX list_versions_county ON list_versions (county, effective_date);

CREATE TABLE households (
    id                {{PK}},
    list_id           BIGINT        NOT NULL,
    household_no      VARCHAR(64)   NOT NULL,
    region_code       CHAR(12)      NOT NULL,
    village_name      VARCHAR(100)  NOT NULL DEFAULT '',
    category          VARCHAR(32)   NOT NULL,
    income_per_capita DECIMAL(18,2) NULL,
    risk_eliminated   SMALLINT      NULL
) {{TABLE}};
CREATE UNIQUE INDEX households_list_no ON households (list_id, household_no);
CREATE INDEX households_list_region ON households (list_id, region_code);

CREATE TABLE members (
    id           {{PK}},
    list_id      BIGINT       NOT NULL,
    household_no VARCHAR(64)  NOT NULL,
    id_number    CHAR(18)     NOT NULL,
    name         VARCHAR(64)  NOT NULL,
    relation     VARCHAR(16)  NOT NULL,
    status       VARCHAR(16)  NOT NULL,
    status_date  DATE         NULL,
    phone        VARCHAR(16)  NOT NULL DEFAULT '',
    row_no       INTEGER      NOT NULL
) {{TABLE}};
CREATE INDEX members_list_household ON members (list_id, household_no);
CREATE INDEX members_id_number ON members (id_number);
