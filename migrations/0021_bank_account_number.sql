-- Households paid into one account are found by the account number (the
-- shared_account signal, on every report).
CREATE INDEX bank_accounts_number ON bank_accounts (account_no, current);
