package store

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// journalSizeLimit is the size (bytes) SQLite cuts its write-ahead log back
// to each time the log starts again from its beginning; without it the file
// keeps the largest size it ever reached.
const journalSizeLimit = 64 << 20

// sqliteFull is SQLite's result code for a write refused because the disk
// (or the file system quota) is full.
const sqliteFull = 13

// isDiskFull tells whether err is a write the database refused for want of
// disk space: SQLITE_FULL, or MySQL/MariaDB's "table is full" (1114) and
// "disk full" (1021).
func isDiskFull(err error) bool {
	if err == nil {
		return false
	}
	if znb.ErrorOf(err).Kind == znb.StorageFull {
		return true
	}
	var coded interface{ Code() int }
	if errors.As(err, &coded) && coded.Code()&0xff == sqliteFull {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "Error 1114") || strings.Contains(s, "Error 1021")
}

// giveBack is called, with the write gate held, on the connection whose
// write failed. When the disk is full it ends what SQLite left open of the
// transaction (a failed COMMIT keeps it open, and the pool would hand the
// connection on inside it), then copies the log into the database and cuts
// the log to nothing, so that the space the log held is free again; when
// the copy itself finds no room, the checkpointer keeps trying until it
// does. The write itself is answered disk_full; the next one runs as usual
// and succeeds as soon as space is back, without a restart.
func (db *DB) giveBack(c *gorm.DB, err error) error {
	if !isDiskFull(err) {
		return err
	}
	if db.Dialect == SQLite {
		conn, ctx := c.Statement.ConnPool, c.Statement.Context
		conn.ExecContext(ctx, "ROLLBACK") // "no transaction is active" when SQLite rolled back itself
		if cerr := truncateLog(ctx, conn); cerr != nil {
			// Copying the log into the database may itself need space
			// the disk no longer has: the checkpointer tries again until
			// it can.
			db.shrinkLog.Store(true)
		}
	}
	db.Log.Error("disk full: write refused", "err", err)
	return znb.ErrDiskFull(err)
}

// shrink truncates the log behind the write gate, for the checkpointer
// after a full disk.
func (db *DB) shrink(ctx context.Context) error {
	release, err := db.enterWrite(ctx)
	if err != nil {
		return err
	}
	defer release()
	return db.gorm.WithContext(ctx).Connection(func(c *gorm.DB) error {
		return truncateLog(ctx, c.Statement.ConnPool)
	})
}

// truncateLog checkpoints the whole log and truncates it to zero bytes. The
// caller holds the write gate; a reader still using the log makes it give
// up after a few milliseconds rather than hold every writer.
func truncateLog(ctx context.Context, conn gorm.ConnPool) error {
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 5"); err != nil {
		return err
	}
	defer conn.ExecContext(ctx, "PRAGMA busy_timeout = "+itoa(busyWait.Milliseconds()))
	var busy, log, done int
	if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &log, &done); err != nil {
		return err
	}
	if busy != 0 {
		return errors.New("a reader holds the log")
	}
	return nil
}
