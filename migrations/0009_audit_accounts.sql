-- The audit trail is scoped like every other read: each entry belongs to the
-- region and/or insurer of the object it records (empty: admin only). v is
-- the form of an entry's hash: 2 also covers region and insurer. mac is the
-- entry's hash signed with the audit key kept outside the database ('' when
-- the service ran without one).
ALTER TABLE audit_pending ADD COLUMN region VARCHAR(12) NOT NULL DEFAULT '';
ALTER TABLE audit_pending ADD COLUMN insurer VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN region VARCHAR(12) NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN insurer VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN v SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE audit_log ADD COLUMN mac CHAR(64) NOT NULL DEFAULT '';
CREATE INDEX audit_log_region ON audit_log (region);
CREATE INDEX audit_log_insurer ON audit_log (insurer);

-- Entries written before: their scope comes from the object they name. Their
-- hash (v 1) does not cover these columns, so filling them breaks nothing.
UPDATE audit_log SET
    region = COALESCE((SELECT c.region_code FROM claims c WHERE c.claim_no = SUBSTR(audit_log.object, 7)), ''),
    insurer = COALESCE((SELECT c.insurer FROM claims c WHERE c.claim_no = SUBSTR(audit_log.object, 7)), '')
    WHERE object LIKE 'claim:%';
UPDATE audit_log SET
    region = COALESCE((SELECT a.county FROM agreements a WHERE CAST(a.id AS CHAR) = SUBSTR(audit_log.object, 11)), ''),
    insurer = COALESCE((SELECT a.insurer_code FROM agreements a WHERE CAST(a.id AS CHAR) = SUBSTR(audit_log.object, 11)), '')
    WHERE object LIKE 'agreement:%';
UPDATE audit_log SET
    region = COALESCE((SELECT r.county FROM reconciliations r WHERE CAST(r.id AS CHAR) = SUBSTR(audit_log.object, 16)), ''),
    insurer = COALESCE((SELECT r.insurer_code FROM reconciliations r WHERE CAST(r.id AS CHAR) = SUBSTR(audit_log.object, 16)), '')
    WHERE object LIKE 'reconciliation:%';
UPDATE audit_log SET
    region = COALESCE((SELECT l.county FROM list_versions l WHERE CAST(l.id AS CHAR) = SUBSTR(audit_log.object, 6)), '')
    WHERE object LIKE 'list:%';
UPDATE audit_log SET
    region = COALESCE((SELECT a.county FROM issue_runs r JOIN agreements a ON a.id = r.agreement_id
        WHERE CAST(r.id AS CHAR) = SUBSTR(audit_log.object, 11)), ''),
    insurer = COALESCE((SELECT a.insurer_code FROM issue_runs r JOIN agreements a ON a.id = r.agreement_id
        WHERE CAST(r.id AS CHAR) = SUBSTR(audit_log.object, 11)), '')
    WHERE object LIKE 'issue_run:%';
UPDATE audit_log SET
    region = COALESCE((SELECT c.region_code FROM certificates c WHERE c.certificate_no = SUBSTR(audit_log.object, 13)), ''),
    insurer = COALESCE((SELECT a.insurer_code FROM certificates c JOIN agreements a ON a.id = c.agreement_id
        WHERE c.certificate_no = SUBSTR(audit_log.object, 13)), '')
    WHERE object LIKE 'certificate:%';

-- A certificate's seal is a signature of its status and premium as the
-- issue run that last wrote them left them; audit verify names a row whose
-- seal no longer fits it ('' on certificates written before).
ALTER TABLE certificates ADD COLUMN seal CHAR(64) NOT NULL DEFAULT '';
