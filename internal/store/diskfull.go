package store

import (
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
// the log to nothing, so that the space the log held is free again. The
// write itself is answered disk_full; the next one runs as usual and
// succeeds as soon as space is back, without a restart.
func (db *DB) giveBack(c *gorm.DB, err error) error {
	if !isDiskFull(err) {
		return err
	}
	if db.Dialect == SQLite {
		c.Exec("ROLLBACK") // "no transaction is active" when SQLite rolled back itself
		if cerr := db.truncateLog(c); cerr != nil {
			db.Log.Warn("sqlite log not truncated after a full disk", "err", cerr)
		}
	}
	db.Log.Error("disk full: write refused", "err", err)
	return znb.ErrDiskFull(err)
}

// truncateLog checkpoints the whole log and truncates it to zero bytes. The
// caller holds the write gate; a reader still using the log makes it give
// up after a few milliseconds rather than hold every writer.
func (db *DB) truncateLog(c *gorm.DB) error {
	if err := c.Exec("PRAGMA busy_timeout = 5").Error; err != nil {
		return err
	}
	defer c.Exec("PRAGMA busy_timeout = " + itoa(busyWait.Milliseconds()))
	var r struct{ Busy, Log, Checkpointed int }
	if err := c.Raw("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&r).Error; err != nil {
		return err
	}
	if r.Busy != 0 {
		return errors.New("a reader holds the log")
	}
	return nil
}
