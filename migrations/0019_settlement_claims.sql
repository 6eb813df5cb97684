-- The automatic illness claims of a medical feed: a claim reads the
-- settlements it holds by claim number, and a household's open automatic
-- claim is found by agreement, line and household. Without these indexes
-- each of a county's claims scanned every settlement and every claim stored
-- (a feed took time in the square of its size).
CREATE INDEX medical_settlements_claim ON medical_settlements (claim_no);
CREATE INDEX claims_subject ON claims (agreement_id, line, subject);
