-- A medical feed writes a county's settlements by the million: each index
-- is paid on every row. Settlements are read by household only (a claim's
-- by its agreement, household and claim number), so the claim number and
-- region indexes go. The claim number index also misled the planners: a
-- group of households' settlements not yet in a claim (claim_no = '') was
-- read through it, that is through every such settlement of the county,
-- once for each group.
DROP INDEX medical_settlements_claim ON medical_settlements;
DROP INDEX medical_settlements_region ON medical_settlements;
