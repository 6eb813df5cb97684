package store

import (
	"context"
	"time"

	"gorm.io/gorm"

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
		return nil, errBusy()
	}
}

func errBusy() error {
	return znb.Errorf(znb.Unavailable, codeBusy, "数据库繁忙，请稍后重试")
}

func (db *DB) leaveWrite() { <-db.gate }

// checkpointEvery is how often the checkpointer copies committed pages from
// SQLite's write-ahead log into the database file.
const checkpointEvery = 200 * time.Millisecond

// restartFrames is the log length (16 KiB pages) past which the checkpointer
// makes the log start again from its beginning; DB.restartFrames holds it
// so that a test can make it short.
const restartFrames = 8192

// checkpointer does on its own goroutine what SQLite would otherwise do
// inside a commit every thousand pages: copy the log into the database file
// and sync it. Done inside the commit, the copy held the write gate and
// every queued writer waited for it. The connections keep
// wal_autocheckpoint at 0.
func (db *DB) checkpointer() {
	defer close(db.ckptDone)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-db.stop; cancel() }()
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	seen := db.commits.Load()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if db.shrinkLog.Load() {
			if err := db.shrink(ctx); err == nil {
				db.shrinkLog.Store(false)
				db.Log.Info("sqlite log truncated after a full disk")
			}
			continue
		}
		if n := db.commits.Load(); n != seen {
			seen = n
			if err := db.checkpoint(ctx); err != nil && !busy(err) && ctx.Err() == nil {
				db.Log.Warn("sqlite checkpoint failed", "err", err)
			}
		}
	}
}

// checkpoint copies the log into the database beside the writers, then,
// once the log is long, briefly behind the gate so that no commit lands
// between the copy and the restart. A log is only started again when every
// frame is in the database and no reader still uses one; with writers
// committing a thousand times a second that moment never came by itself,
// the log grew by gigabytes and every read walked its index.
func (db *DB) checkpoint(ctx context.Context) error {
	var r struct{ Busy, Log, Checkpointed int }
	if err := db.gorm.WithContext(ctx).Raw("PRAGMA wal_checkpoint(PASSIVE)").Scan(&r).Error; err != nil {
		return err
	}
	if int64(r.Log) < db.restartFrames.Load() {
		return nil
	}
	release, err := db.enterWrite(ctx)
	if err != nil {
		return err
	}
	defer release()
	return db.gorm.WithContext(ctx).Connection(func(c *gorm.DB) error {
		// Readers are short, but an export may read for minutes: wait for
		// them a few milliseconds at most, and try again next time.
		if err := c.Exec("PRAGMA busy_timeout = 5").Error; err != nil {
			return err
		}
		defer c.Exec("PRAGMA busy_timeout = " + itoa(busyWait.Milliseconds()))
		return c.Exec("PRAGMA wal_checkpoint(RESTART)").Error
	})
}
