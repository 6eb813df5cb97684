// Package store keeps the platform's data in SQLite (the embedded default) or
// MySQL/MariaDB/TiDB through GORM. Database rows live only here; callers get
// domain types back.
//
// The rules of the platform (who may do what, eligibility, payouts, states,
// file formats) belong to the domain packages; store asks them. The errors
// store raises itself are of three kinds, each said where it is raised: a
// fact of the tables (a number or name already taken, a row another request
// is writing, a duplicate that raced past its check and met a unique index),
// the database's own files (backup, restore, the audit chain and its
// checkpoints), and the few checks that can only sit where the data streams
// (an uploaded document's kind, known from its first bytes).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/zhunongbao/zhunongbao/internal/objection"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Dialects.
const (
	SQLite = "sqlite"
	MySQL  = "mysql"
)

// DB is a connection to the platform's database.
type DB struct {
	gorm    *gorm.DB
	Dialect string
	Now     func() time.Time // injected clock
	// Holidays counts the working days of objection deadlines; the zero
	// calendar knows weekends only.
	Holidays objection.Calendar
	Log      *slog.Logger

	gate          writeGate     // SQLite only
	reports       reportQueue   // claim reports waiting to be written
	slots         chan struct{} // report groups being written: the gate on SQLite
	commits       atomic.Int64  // SQLite transactions committed, for the checkpointer
	ckptDone      chan struct{}
	restartFrames atomic.Int64  // log length that makes the checkpointer restart it
	shrinkLog     atomic.Bool   // a full disk kept the log from being truncated: the checkpointer tries
	kick          chan struct{} // wakes the audit chainer
	stop          chan struct{}
	chainDone     chan struct{}
	claims        claimNos
	keys          keyCache
	auditKey      []byte // signs the audit trail; see SetAuditKey
	warnUnsigned  sync.Once
	scopes        sync.Map  // agreement ID → agreementScope
	started       sync.Once // the chainer starts once the schema is migrated
	running       bool
}

// Option adjusts how Open connects.
type Option func(*options)

type options struct {
	synchronous string
}

// Synchronous sets how SQLite makes a commit durable: "full" (the default,
// also for "") syncs the log at every commit, so an acknowledged write
// survives a power loss or an operating-system crash; "normal" syncs only
// at checkpoints, so such a crash may undo the last commits (a crash of
// the service alone loses nothing either way). MySQL ignores it.
func Synchronous(mode string) Option { return func(o *options) { o.synchronous = mode } }

// Open connects to dsn, "sqlite:PATH" or "mysql:DSN" (go-sql-driver form).
// For SQLite the directory of PATH is created when missing.
func Open(dsn string, opts ...Option) (*DB, error) {
	kind, rest, ok := strings.Cut(dsn, ":")
	if !ok {
		return nil, fmt.Errorf("database %q: want sqlite:PATH or mysql:DSN", dsn)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	cfg := &gorm.Config{Logger: logger.Default.LogMode(logger.Silent), SkipDefaultTransaction: true}
	var (
		g   *gorm.DB
		err error
	)
	switch kind {
	case SQLite:
		if dir := filepath.Dir(rest); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("database directory: %w", err)
			}
		}
		mode, merr := synchronousPragma(o.synchronous)
		if merr != nil {
			return nil, merr
		}
		// WAL lets readers go on during an import; immediate transactions
		// take the write lock up front, so two writers wait instead of
		// failing with SQLITE_BUSY half-way. The journal size limit gives
		// the disk back after the log is restarted.
		g, err = gorm.Open(sqlite.Open(rest+"?_pragma=busy_timeout(30000)&_pragma=page_size(16384)&_pragma=journal_mode(WAL)&_pragma=synchronous("+mode+")&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit("+itoa(journalSizeLimit)+")&_txlock=immediate"), cfg)
		if err == nil {
			sqlDB, _ := g.DB()
			// As many idle as open: database/sql keeps only two idle by
			// default and closes the rest, and a new SQLite connection
			// reads and parses the whole schema before its first query.
			sqlDB.SetMaxOpenConns(4)
			sqlDB.SetMaxIdleConns(4)
		}
	case MySQL:
		g, err = gorm.Open(mysql.Open(mysqlDSN(rest)), cfg)
		if err == nil {
			sqlDB, _ := g.DB()
			sqlDB.SetMaxOpenConns(32)
			sqlDB.SetMaxIdleConns(32)
			sqlDB.SetConnMaxLifetime(time.Hour)
		}
	default:
		return nil, fmt.Errorf("database %q: unknown kind %q, want sqlite or mysql", dsn, kind)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", kind, err)
	}
	db := &DB{gorm: g, Dialect: kind, Now: time.Now, Log: slog.Default(),
		kick: make(chan struct{}, 1), stop: make(chan struct{}), chainDone: make(chan struct{})}
	db.slots = make(chan struct{}, mysqlGroups)
	if kind == SQLite {
		db.gate = make(writeGate, 1)
		db.slots = db.gate
		db.restartFrames.Store(restartFrames)
		db.ckptDone = make(chan struct{})
		go db.checkpointer()
	}
	return db, nil
}

// synchronousPragma is the value of SQLite's synchronous pragma for mode.
func synchronousPragma(mode string) (string, error) {
	switch strings.ToLower(mode) {
	case "", "full":
		return "FULL", nil
	case "normal":
		return "NORMAL", nil
	}
	return "", fmt.Errorf("sqlite synchronous %q: want full or normal", mode)
}

// mysqlDSN adds the options the platform relies on: utf8mb4, DATE columns
// as time.Time, and arguments interpolated by the client (safe with utf8mb4),
// which saves the prepare and close round trips of every query.
func mysqlDSN(dsn string) string {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	for _, opt := range []string{"parseTime=true", "charset=utf8mb4", "loc=UTC", "interpolateParams=true"} {
		key, _, _ := strings.Cut(opt, "=")
		if !strings.Contains(dsn, key+"=") {
			dsn += sep + opt
			sep = "&"
		}
	}
	return dsn
}

// Close closes the connection pool.
func (db *DB) Close() error {
	db.started.Do(func() {}) // a chainer that never started must not start now
	close(db.stop)
	if db.ckptDone != nil {
		<-db.ckptDone
	}
	if db.running {
		<-db.chainDone
		// Chain what this process wrote before the connections close.
		db.chain(context.Background())
	}
	s, err := db.gorm.DB()
	if err != nil {
		return err
	}
	return s.Close()
}

// startChainer starts the audit chainer once the schema exists.
func (db *DB) startChainer() {
	db.started.Do(func() {
		db.running = true
		go db.chainer()
	})
}

// Ping checks that the database answers, for /readyz.
func (db *DB) Ping(ctx context.Context) error {
	s, err := db.gorm.DB()
	if err != nil {
		return err
	}
	return s.PingContext(ctx)
}

// Gorm returns the session bound to ctx.
func (db *DB) Gorm(ctx context.Context) *gorm.DB { return db.gorm.WithContext(ctx) }

// Tx runs fn in a transaction, committing when fn returns nil.
func (db *DB) Tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return db.txChained(ctx, fn)
}

// txChained is Tx with the transaction's options: once it commits, the
// chainer is told that audit entries may be pending.
func (db *DB) txChained(ctx context.Context, fn func(tx *gorm.DB) error, opts ...*sql.TxOptions) error {
	err := db.tx(ctx, fn, opts...)
	if err == nil {
		db.kickChainer()
	}
	return err
}

// tx runs fn in a transaction behind the write gate, again when the
// database refused the whole transaction (see retrying).
func (db *DB) tx(ctx context.Context, fn func(tx *gorm.DB) error, opts ...*sql.TxOptions) error {
	release, err := db.enterWrite(ctx)
	if err != nil {
		return err
	}
	defer release()
	if err := retrying(ctx, func() error { return db.transaction(ctx, fn, opts...) }); err != nil {
		return err
	}
	db.commits.Add(1)
	return nil
}

// transaction runs fn in a transaction on one connection, which it keeps
// while it gives back the disk after a write refused for want of space.
// The caller holds the write gate (or, on MySQL, needs none).
func (db *DB) transaction(ctx context.Context, fn func(tx *gorm.DB) error, opts ...*sql.TxOptions) error {
	return db.gorm.WithContext(ctx).Connection(func(c *gorm.DB) error {
		return db.giveBack(c, c.Transaction(fn, opts...))
	})
}

// readCommitted is the isolation of transactions that run side by side
// over rows of their own and lock what they change by its key: on MySQL,
// a locking read under REPEATABLE READ also locks the gaps around the rows
// it looks for, and two such transactions inserting into each other's gaps
// deadlock. SQLite has one writer and takes no options.
var readCommitted = &sql.TxOptions{Isolation: sql.LevelReadCommitted}

// committedTx is Tx at READ COMMITTED on MySQL.
func (db *DB) committedTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if db.Dialect != MySQL {
		return db.Tx(ctx, fn)
	}
	return db.txChained(ctx, fn, readCommitted)
}

// nowMS is the injected clock in Unix milliseconds, the form timestamps take
// in every table (portable across the three engines, exact to hash).
func (db *DB) nowMS() int64 { return db.Now().UnixMilli() }

// notFound maps GORM's record-not-found to the platform's not-found error.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) || errors.Is(err, sql.ErrNoRows) {
		return znb.ErrNotFound(what)
	}
	return znb.Wrap(err, what)
}

// forUpdate returns the locking clause for a row read that the transaction
// is about to change: FOR UPDATE on MySQL/TiDB; SQLite takes the database
// write lock at BEGIN (immediate transactions), so it needs none.
func (db *DB) forUpdate() string {
	if db.Dialect == MySQL {
		return " FOR UPDATE"
	}
	return ""
}

// indexed names a table (and its alias, if any) read through index: FORCE
// INDEX on MySQL and TiDB, INDEXED BY on SQLite. The bulk paths read by long
// lists of keys right after writing many rows, when MariaDB's statistics
// may still describe a table as the few rows it held: its planner then
// walked whole tables or indexes once for each chunk (TestFeedReadsByIndex).
func indexed(g *gorm.DB, table, index string) string {
	if g.Dialector.Name() == "mysql" {
		return table + " FORCE INDEX (" + index + ")"
	}
	return table + " INDEXED BY " + index
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
