package store

import (
	"context"
	"strings"

	"gorm.io/gorm"
)

// batch writes rows with multi-row INSERT statements straight through the
// transaction's connection: GORM's reflection costs more than the database
// itself at a million rows.
type batch struct {
	ctx    context.Context
	tx     *gorm.DB
	prefix string // INSERT INTO t (a, b) VALUES
	tuple  string // (?, ?)
	per    int    // rows per statement
	args   []any
	n      int
	total  int
}

// newBatch prepares inserts into table; per rows go in one statement, kept
// well below the placeholder limits of SQLite (32766) and MySQL (65535).
func newBatch(ctx context.Context, tx *gorm.DB, table string, cols ...string) *batch {
	per := 8000 / len(cols)
	return &batch{
		ctx: ctx, tx: tx, per: per,
		prefix: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ",
		tuple:  "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")",
		args:   make([]any, 0, per*len(cols)),
	}
}

// add queues one row, writing a statement when the batch is full.
func (b *batch) add(vals ...any) error {
	b.args = append(b.args, vals...)
	b.n++
	if b.n == b.per {
		return b.flush()
	}
	return nil
}

// flush writes the queued rows.
func (b *batch) flush() error {
	if b.n == 0 {
		return nil
	}
	var sb strings.Builder
	sb.Grow(len(b.prefix) + b.n*(len(b.tuple)+2))
	sb.WriteString(b.prefix)
	for i := 0; i < b.n; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(b.tuple)
	}
	if _, err := b.tx.Statement.ConnPool.ExecContext(b.ctx, sb.String(), b.args...); err != nil {
		return err
	}
	b.total += b.n
	b.args = b.args[:0]
	b.n = 0
	return nil
}
