-- Detail rows of a reconciliation in compressed blocks (items_format 1):
-- each row of reconciliation_blocks holds up to 1,024 consecutive detail
-- rows of one finding, encoded and deflated, numbered from 0 in the order
-- they were produced. A million-row run then writes about a thousand rows
-- instead of a million, and a page of one finding reads one or two blocks.
-- The billed rows in the blocks are also the stored statement: merged by
-- row number they give back the bill in file order for re-hashing.
-- Reconciliations stored before this migration keep items_format 0 and
-- their detail rows in reconciliation_items, which is still read for them.
ALTER TABLE reconciliations ADD COLUMN items_format SMALLINT NOT NULL DEFAULT 0;

CREATE TABLE reconciliation_blocks (
    reconciliation_id BIGINT   NOT NULL,
    finding           SMALLINT NOT NULL,
    block             INTEGER  NOT NULL,
    item_count        INTEGER  NOT NULL,
    body              LONGBLOB NOT NULL,
    PRIMARY KEY (reconciliation_id, finding, block)
) {{TABLE}};
