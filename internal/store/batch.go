package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"gorm.io/gorm"
)

// batch writes many rows with few statements, straight through the
// transaction's connection: GORM's reflection costs more than the database
// itself at a million rows.
//
// On MySQL it sends multi-row INSERTs of about 8,000 values through one
// prepared statement. The pure-Go SQLite driver parses every statement on
// each execution and binds arguments in time quadratic in their number, so
// there a batch travels as one JSON array bound to a single parameter and
// unpacked by json_each: one short statement per few thousand rows. But
// json_extract finds each row's parsed JSON again for each column by
// comparing the row's whole text, so a row's cost grows with its columns
// times its length: a table whose first row is wider than wideRow bytes
// (columns × JSON text: a settlement of the 医保 feed, a claim with its
// assessment) has its values written into the statement's text as SQL
// literals instead (text, integers, booleans, NULL; any other value, and
// text holding a NUL byte, is still bound), up to litRows rows or about
// litBytes of text a statement. Literals cost SQLite's parser a little per
// value, whatever the row's width; narrow rows (a list's members) are
// cheaper as JSON.
type batch struct {
	ctx    context.Context
	tx     *gorm.DB
	head   string // INSERT INTO table (columns)
	sql    string // the statement for a full batch
	values bool   // rows go as bound arguments (MySQL, and SQLite's few-row batches)
	cols   int
	per    int // rows per statement
	args   []any
	n      int
	total  int
	full   *sql.Stmt // prepared once for full batches
	json   []byte
	lit    []byte // the statement being written, for wide rows on SQLite
	pipe   *pipe  // when set, statements run on the pipe's goroutine
	lastID int64  // on SQLite, the rowid of the last row of a batch written in one statement
	bytes  int    // of text bound to the statement being gathered
	tail   string // ends every statement: what a duplicate key does
	flat   bool   // on SQLite, the JSON holds each row's first value only (column)
	fixed  []any  // the other values of a flat batch's rows
}

// wideRow is the width of a row (columns × bytes of its JSON) from which a
// batch on SQLite writes literals instead: between a list's members (9
// columns, ~100 bytes, JSON cheaper) and the feed's settlements (21 columns,
// ~250 bytes, literals 1.7 times cheaper).
const wideRow = 2 << 10

// litRows and litBytes bound a statement of literal rows: past a hundred
// rows a longer statement saves nothing, and its text is held twice (here
// and in the parser). The transpiled allocator gives anything over 256 KB
// (a statement's text, the program of a thousand rows) pages of its own,
// mapped and faulted in afresh for every statement: a feed of a county
// spent a tenth of its time in the kernel, until statements stayed smaller.
const (
	litRows  = 100
	litBytes = 48 << 10
)

// argBytes bounds the text bound to one statement: MariaDB refuses a
// statement longer than its max_allowed_packet (16 MB unless raised), and
// a batch of rows with long text (a feed's settlement sets) reaches that
// long before its rows fill a statement.
const argBytes = 4 << 20

func newBatch(ctx context.Context, db *DB, tx *gorm.DB, table string, cols ...string) *batch {
	b := &batch{ctx: ctx, tx: tx, cols: len(cols)}
	b.head = "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") "
	if db.Dialect == MySQL {
		b.bind(8000 / len(cols))
		return b
	}
	b.per = 8000
	sel := make([]string, len(cols))
	for i := range cols {
		sel[i] = fmt.Sprintf("json_extract(value, '$[%d]')", i)
	}
	b.sql = b.head + "SELECT " + strings.Join(sel, ", ") + " FROM json_each(?)"
	b.json = append(make([]byte, 0, 4096), '[')
	return b
}

// newFewBatch is newBatch for a transaction that writes a few rows to
// table (a report group's, up to maxGroup), many times a second. On SQLite
// json_extract cost more than binding the arguments of a few dozen rows,
// and one statement's rows get consecutive rowids (ids).
func newFewBatch(ctx context.Context, db *DB, tx *gorm.DB, table string, cols ...string) *batch {
	b := newBatch(ctx, db, tx, table, cols...)
	if db.Dialect == SQLite {
		b.json = nil
		b.bind(8000 / len(cols))
	}
	return b
}

// ids are the rowids of the rows written, in their order, when SQLite
// wrote them in one statement: a new rowid is one more than the largest,
// and the gate keeps other writers out. Nil otherwise.
func (b *batch) ids() []int64 {
	if !b.values || b.lastID <= 0 || b.total == 0 || b.total > b.per || b.tx.Dialector.Name() != SQLite {
		return nil
	}
	out := make([]int64, b.total)
	for i := range out {
		out[i] = b.lastID - int64(b.total-1-i)
	}
	return out
}

// bind makes the batch send its rows as bound arguments, per rows to a
// statement.
func (b *batch) bind(per int) {
	b.values, b.per = true, per
	b.args = make([]any, 0, 64) // grows to a full batch where there is one
	b.sql = ""                  // made when a batch fills up: most never do
}

func tuples(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

// add queues one row, writing a statement when the batch is full.
func (b *batch) add(vals ...any) error {
	if b.values {
		b.args = append(b.args, vals...)
		for _, v := range vals {
			b.bytes += textLen(v)
		}
	} else if b.lit != nil {
		if err := b.addLiteral(vals); err != nil {
			return err
		}
	} else if b.flat {
		if err := b.addFlat(vals); err != nil {
			return err
		}
	} else if err := b.addJSON(vals); err != nil {
		return err
	} else if b.n == 0 && b.total == 0 && b.pipe == nil && (len(b.json)-2)*b.cols > wideRow {
		b.json, b.per = nil, litRows
		b.lit = append(make([]byte, 0, 4096), b.head+"VALUES "...)
		if err := b.addLiteral(vals); err != nil {
			return err
		}
	}
	b.n++
	if b.n == b.per || len(b.lit) > litBytes || b.bytes > argBytes {
		return b.flush()
	}
	return nil
}

// column makes a batch on SQLite send only the first value of each row in
// its JSON array, for rows whose other values are the same (a feed's
// settlement numbers, all of one feed): json_each hands a flat array's
// values over as they are, where it renders a row's array as JSON again
// for each json_extract to parse (4–5 µs a row of two columns). The other
// values are bound once a statement; a row whose other values differ from
// the previous row's starts a new statement. Call it before the first row.
func (b *batch) column() {
	if b.json == nil || b.n > 0 || b.total > 0 {
		return
	}
	b.flat = true
	sel := make([]string, b.cols)
	sel[0] = "value"
	for i := 1; i < b.cols; i++ {
		sel[i] = "?"
	}
	b.sql = b.head + "SELECT " + strings.Join(sel, ", ") + " FROM json_each(?)"
	if b.tail != "" {
		b.sql += " WHERE true" + b.tail
	}
}

// addFlat adds a row to a flat batch.
func (b *batch) addFlat(vals []any) error {
	if b.n > 0 && !slices.Equal(b.fixed, vals[1:]) {
		if err := b.flush(); err != nil {
			return err
		}
	}
	if b.n == 0 {
		b.fixed = append(b.fixed[:0], vals[1:]...)
	} else {
		b.json = append(b.json, ',')
	}
	var err error
	b.json, err = appendJSON(b.json, vals[0])
	return err
}

// skipDuplicates makes the batch leave out a row whose unique key a stored
// row has, as an INSERT with ON CONFLICT DO NOTHING does. Call it before
// the first row.
func (b *batch) skipDuplicates() {
	if b.tx.Dialector.Name() == SQLite {
		b.tail = " ON CONFLICT DO NOTHING"
		if b.json != nil {
			// SQLite reads ON after a SELECT's FROM as a join's
			// constraint unless a WHERE comes first.
			b.sql += " WHERE true" + b.tail
		}
		return
	}
	b.tail = " ON DUPLICATE KEY UPDATE id = id"
}

// literal makes a batch on SQLite write its rows as literals from the
// first, whatever that row's width: for rows whose text JSON would escape
// (line breaks).
func (b *batch) literal() {
	if b.json != nil && b.n == 0 && b.total == 0 && b.pipe == nil {
		b.json, b.per = nil, litRows
		b.lit = append(make([]byte, 0, 4096), b.head+"VALUES "...)
	}
}

// addLiteral writes a row into the statement.
func (b *batch) addLiteral(vals []any) error {
	if b.n > 0 {
		b.lit = append(b.lit, ',')
	}
	b.lit = append(b.lit, '(')
	for i, v := range vals {
		if i > 0 {
			b.lit = append(b.lit, ',')
		}
		v, err := driverValue(v)
		if err != nil {
			return err
		}
		var ok bool
		if b.lit, ok = appendLiteral(b.lit, v); !ok {
			b.lit = append(b.lit, '?')
			b.args = append(b.args, v)
			b.bytes += textLen(v)
		}
	}
	b.lit = append(b.lit, ')')
	return nil
}

// bound is text that a batch binds as an argument, never writes into a
// statement as a literal: long text (a settlement set's lines, a claim's
// assessment, an audit entry's detail), which SQLite's parser would scan
// and copy once more. In a JSON batch it is text like any other.
type bound string

// textLen is the length of v when it is text.
func textLen(v any) int {
	switch t := v.(type) {
	case string:
		return len(t)
	case bound:
		return len(t)
	}
	return 0
}

// driverValue is v as the driver takes it: a Valuer's value, else v.
func driverValue(v any) (any, error) {
	if dv, ok := v.(driver.Valuer); ok {
		return dv.Value()
	}
	return v, nil
}

// appendLiteral appends v as a SQLite literal the way the driver would bind
// it: text quoted (a quote doubled), integers and booleans as integers, nil
// as NULL. It reports false, appending nothing, for any other value and for
// text with a NUL byte (the statement's text ends at a NUL), which the
// caller binds instead.
func appendLiteral(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "NULL"...), true
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			return b, false
		}
		b = append(b, '\'')
		for {
			i := strings.IndexByte(x, '\'')
			if i < 0 {
				break
			}
			b = append(b, x[:i+1]...)
			b = append(b, '\'')
			x = x[i+1:]
		}
		b = append(b, x...)
		return append(b, '\''), true
	case int64:
		return strconv.AppendInt(b, x, 10), true
	case int:
		return strconv.AppendInt(b, int64(x), 10), true
	case int32:
		return strconv.AppendInt(b, int64(x), 10), true
	case bool:
		if x {
			return append(b, '1'), true
		}
		return append(b, '0'), true
	}
	return b, false
}

func (b *batch) addJSON(vals []any) error {
	if b.n > 0 {
		b.json = append(b.json, ',')
	}
	var err error
	b.json, err = appendJSONRow(b.json, vals)
	return err
}

// appendJSONRow appends vals as a JSON array.
func appendJSONRow(b []byte, vals []any) ([]byte, error) {
	b = append(b, '[')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendJSON(b, v); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// appendJSON appends v in JSON, as the driver would take it (a Valuer's
// value). The values a row holds (text, integers, NULL) are written
// directly: encoding/json's reflection cost a tenth of a bulk write.
func appendJSON(b []byte, v any) ([]byte, error) {
	v, err := driverValue(v)
	if err != nil {
		return b, err
	}
	if x, ok := v.(bound); ok {
		v = string(x)
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		if plain(x) {
			b = append(b, '"')
			b = append(b, x...)
			return append(b, '"'), nil
		}
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	}
	enc, err := json.Marshal(v)
	return append(b, enc...), err
}

// plain reports whether s is valid UTF-8 that JSON takes between quotes as
// it is.
func plain(s string) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return false
		} else if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return ascii || utf8.ValidString(s)
}

// flush writes the queued rows.
func (b *batch) flush() error {
	if b.n == 0 {
		return nil
	}
	pool := b.tx.Statement.ConnPool
	var err error
	switch {
	case b.lit != nil:
		err = b.exec(pool, string(b.lit)+b.tail, b.args...)
		b.lit = append(b.lit[:0], b.head+"VALUES "...)
	case !b.values:
		b.json = append(b.json, ']')
		err = b.exec(pool, b.sql, append(append(make([]any, 0, len(b.fixed)+1), b.fixed...), string(b.json))...)
		b.json = append(b.json[:0], '[')
	case b.n == b.per:
		if b.full == nil {
			if b.sql == "" {
				b.sql = b.head + "VALUES " + tuples(b.per, b.cols) + b.tail
			}
			if b.full, err = pool.PrepareContext(b.ctx, b.sql); err != nil {
				return err
			}
		}
		err = b.exec(prepared{b.full}, "", b.args...)
	default:
		query := b.head + "VALUES " + tuples(b.n, b.cols) + b.tail
		if b.pipe != nil || b.total > 0 {
			err = b.exec(pool, query, b.args...)
			break
		}
		var res sql.Result // ids need the first statement's last rowid
		if res, err = pool.ExecContext(b.ctx, query, b.args...); err == nil {
			b.lastID, _ = res.LastInsertId()
		}
	}
	if err != nil {
		return err
	}
	b.total += b.n
	if b.pipe != nil {
		// The pipe holds the arguments until their statement has run.
		b.args = make([]any, 0, cap(b.args))
	}
	b.args = b.args[:0]
	b.n, b.bytes = 0, 0
	return nil
}

// exec runs a statement, or queues it on the batch's pipe.
func (b *batch) exec(on execer, query string, args ...any) error {
	if b.pipe != nil {
		return b.pipe.exec(on, query, args...)
	}
	_, err := on.ExecContext(b.ctx, query, args...)
	return err
}

// prepared is a prepared statement as an execer, whose query is its own.
type prepared struct{ *sql.Stmt }

func (p prepared) ExecContext(ctx context.Context, _ string, args ...any) (sql.Result, error) {
	return p.Stmt.ExecContext(ctx, args...)
}

// close writes what is queued and releases the prepared statement (on a
// pipe, once the statements queued before have run).
func (b *batch) close() error {
	err := b.flush()
	if b.full != nil {
		if full := b.full; b.pipe != nil {
			b.pipe.do(full.Close)
		} else {
			full.Close()
		}
		b.full = nil
	}
	return err
}

// BulkTx runs fn in a transaction meant for writing many rows. On SQLite the
// connection keeps its statement journals in memory, which suits the short
// writes of daily work; a multi-row statement journals so much that the
// transpiled allocator's page faults cost more than a temporary file, so a
// bulk transaction switches its connection to file for its duration.
func (db *DB) BulkTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if db.Dialect != SQLite {
		return db.Tx(ctx, fn)
	}
	release, err := db.enterWrite(ctx)
	if err != nil {
		return err
	}
	defer release()
	err = db.gorm.WithContext(ctx).Connection(func(c *gorm.DB) error {
		if err := c.Exec("PRAGMA temp_store = FILE").Error; err != nil {
			return err
		}
		defer c.Exec("PRAGMA temp_store = MEMORY")
		return db.giveBack(c, c.Transaction(fn))
	})
	db.committed(err)
	return err
}

// pipe runs a transaction's batch statements on a second goroutine, in the
// order given, so that the caller prepares the next batch on one core while
// the database writes the last one (on SQLite, the driver on the other
// core; on MySQL, the server). Statements of the caller's own (reads,
// updates) may run between them: a pipe suits writes that nothing in the
// same transaction reads back before wait.
type pipe struct {
	ctx  context.Context
	jobs chan func() error
	done chan struct{}
	fail chan struct{} // closed when a job fails
	mu   sync.Mutex
	err  error
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func newPipe(ctx context.Context) *pipe {
	p := &pipe{ctx: ctx, jobs: make(chan func() error, 2), done: make(chan struct{}), fail: make(chan struct{})}
	go p.run()
	return p
}

func (p *pipe) run() {
	defer close(p.done)
	for job := range p.jobs {
		if p.failed() != nil {
			continue
		}
		if err := job(); err != nil {
			p.mu.Lock()
			p.err = err
			p.mu.Unlock()
			close(p.fail)
		}
	}
}

func (p *pipe) failed() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// exec queues a statement; it returns the error of an earlier one, if any.
// The pipe owns args until the statement has run.
func (p *pipe) exec(on execer, query string, args ...any) error {
	return p.do(func() error {
		_, err := on.ExecContext(p.ctx, query, args...)
		return err
	})
}

// do queues job after the statements already queued.
func (p *pipe) do(job func() error) error {
	if err := p.failed(); err != nil {
		return err
	}
	p.jobs <- job
	return nil
}

// wait runs what is queued and returns the first error.
func (p *pipe) wait() error {
	close(p.jobs)
	<-p.done
	return p.failed()
}

// closeAll closes the batches and returns err, or else the first error of
// their closing.
func closeAll(err error, bs ...*batch) error {
	for _, b := range bs {
		if cerr := b.close(); err == nil {
			err = cerr
		}
	}
	return err
}
