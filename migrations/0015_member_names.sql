-- Households are searched by a member's whole name within a list version.
CREATE INDEX members_list_name ON members (list_id, name);
