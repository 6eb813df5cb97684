-- A village's cards are printed from its certificates in household order.
-- Without an index led by the agreement and the village, each village's
-- file walked the agreement's certificates from its first household to the
-- last certificate of the county, reading every row to test its village:
-- a county of 126 villages read its certificates some sixty times over.
CREATE INDEX certificates_agreement_village ON certificates (agreement_id, region_code, household_no);
