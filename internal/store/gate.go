package store

import (
	"context"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// busyWait is how long a writer waits for the database before giving up,
// the same on the gate as SQLite's busy_timeout.
const busyWait = 30 * time.Second

const codeBusy = "database_busy"

// writeGate lets this process's SQLite writers in one at a time. SQLite
// admits one writer and makes the others poll with sleeps that grow to
// 100 ms; under load most of a report's time went on those sleeps while the
// lock stood free. Waiting on a channel hands the lock on the moment it is
// released, in arrival order. MySQL locks rows, so it has no gate.
type writeGate chan struct{}

// enterWrite waits for the gate; the caller must call the returned release.
func (db *DB) enterWrite(ctx context.Context) (release func(), err error) {
	if db.gate == nil {
		return func() {}, nil
	}
	select {
	case db.gate <- struct{}{}:
		return db.leaveWrite, nil
	default:
	}
	t := time.NewTimer(busyWait)
	defer t.Stop()
	select {
	case db.gate <- struct{}{}:
		return db.leaveWrite, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, znb.Errorf(znb.Unavailable, codeBusy, "数据库繁忙，请稍后重试")
	}
}

func (db *DB) leaveWrite() { <-db.gate }

// checkpointEvery is how often the checkpointer copies committed pages from
// SQLite's write-ahead log into the database file.
const checkpointEvery = 200 * time.Millisecond

// checkpointer does on its own goroutine what SQLite would otherwise do
// inside a commit every thousand pages: copy the log into the database file
// and sync it. Done inside the commit, the copy held the write gate and
// every queued writer waited for it. A passive checkpoint runs beside the
// next writer; the connections keep wal_autocheckpoint at 0.
func (db *DB) checkpointer() {
	defer close(db.ckptDone)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	seen := db.commits.Load()
	for {
		select {
		case <-db.stop:
			return
		case <-tick.C:
		}
		if n := db.commits.Load(); n != seen {
			seen = n
			if err := db.gorm.Exec("PRAGMA wal_checkpoint(PASSIVE)").Error; err != nil && !busy(err) {
				db.Log.Warn("sqlite checkpoint failed", "err", err)
			}
		}
	}
}
