-- The claim each settlement set went into, kept beside the sets rather than
-- in them: writing the claim number into a set's own row made SQLite
-- rewrite the row and split its page for every set a claim took, a tenth
-- of a county's feed. A set goes into one claim whole; a set with no row
-- here is in no claim yet.
CREATE TABLE settlement_set_claims (
    set_id   BIGINT      NOT NULL PRIMARY KEY,
    claim_no VARCHAR(32) NOT NULL
) {{KEYED}};
INSERT INTO settlement_set_claims (set_id, claim_no) SELECT id, claim_no FROM settlement_sets WHERE claim_no <> '';
ALTER TABLE settlement_sets DROP COLUMN claim_no;
