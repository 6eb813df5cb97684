// Package migrations embeds the numbered SQL files that build the schema.
// One file set serves SQLite, MySQL/MariaDB and TiDB; the few words on which
// they differ are written as {{TOKENS}} that the runner replaces per dialect:
//
//	{{PK}}      an auto-increment BIGINT primary key column
//	{{TABLE}}   table options (InnoDB, utf8mb4 with binary collation on MySQL)
//	{{KEYED}}   the options of a table that is nothing but its primary key
//	            (as {{TABLE}}, and WITHOUT ROWID on SQLite: one B-tree, not two)
//
// A few migrations also move data in ways one SQL text cannot say for all
// engines; the runner calls the program registered for such a file after
// its statements, in the same transaction.
//
// An index is dropped as MySQL says it, DROP INDEX name ON table; the runner
// leaves out the table for SQLite.
package migrations

import "embed"

// FS holds the *.sql files, applied in name order.
//
//go:embed *.sql
var FS embed.FS
