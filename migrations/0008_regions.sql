-- Names of administrative divisions, so that reports print 镇远县 beside
-- 522625: code is a county (6 digits, GB/T 2260), a township (9) or a
-- village (12, 统计用区划代码). updated_at is when the name last changed.
CREATE TABLE regions (
    code       VARCHAR(12)  NOT NULL PRIMARY KEY,
    name       VARCHAR(100) NOT NULL,
    updated_at BIGINT       NOT NULL
) {{TABLE}};
