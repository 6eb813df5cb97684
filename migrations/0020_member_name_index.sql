-- The name search index leads with the name: led by the list, both engines'
-- planners took it for every read of a whole list version, which then
-- visited the members in name order, at random, instead of in the order
-- they were written. A search names both the name and the list, so it
-- serves that as well.
DROP INDEX members_list_name ON members;
CREATE INDEX members_name_list ON members (name, list_id);
