-- The settlements have moved into settlement_sets and settlement_numbers.
DROP TABLE medical_settlements;
