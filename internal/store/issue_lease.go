package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// An issue run is worked on by one runner at a time, whichever process it is
// in. The runner holds the run's lease: its token in issue_runs.runner and a
// wall-clock expiry in lease_until, renewed every leaseRenew while it works.
// Another start of the same run meanwhile is refused with issue_running
// (naming the run) at once, instead of waiting for the chunks in turn or
// meeting the first at a unique index. A runner that stops hands the lease
// back and marks the run failed or interrupted; one that is killed leaves a
// lease that runs out after leaseFor, and then anyone may resume the run.
const (
	leaseFor   = 30 * time.Second
	leaseRenew = 5 * time.Second
)

// leaseClock is the wall clock of leases: unlike DB.Now, which tests fix,
// leases are about processes being alive.
var leaseClock = time.Now

func leaseMS(d time.Duration) int64 { return leaseClock().Add(d).UnixMilli() }

// runLease is a run held by this call of Issue.
type runLease struct {
	db    *DB
	id    int64
	token string
	done  chan struct{}
	wg    sync.WaitGroup
}

// takeRun takes the run's lease when no live runner holds it, or refuses
// with issue_running. A finished run needs no lease (Issue writes nothing)
// and gets one that holds nothing.
func (db *DB) takeRun(ctx context.Context, id int64) (*runLease, error) {
	b := make([]byte, 12)
	rand.Read(b)
	l := &runLease{db: db, id: id, token: hex.EncodeToString(b), done: make(chan struct{})}
	var took int64
	err := db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&runRow{}).
			Where("id = ? AND status <> ? AND (status <> ? OR lease_until < ?)", id, string(policy.RunDone), string(policy.RunRunning), leaseMS(0)).
			Updates(map[string]any{"status": string(policy.RunRunning), "runner": l.token, "lease_until": leaseMS(leaseFor)})
		took = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return nil, znb.Wrap(err, "领取出单任务")
	}
	if took == 0 {
		var st string
		if err := db.Gorm(ctx).Raw("SELECT status FROM issue_runs WHERE id = ?", id).Scan(&st).Error; err != nil {
			return nil, znb.Wrap(err, "读取出单任务")
		}
		if policy.RunStatus(st) != policy.RunDone {
			return nil, policy.ErrRunning(id)
		}
		l.token = "" // nothing held
		close(l.done)
		return l, nil
	}
	l.wg.Add(1)
	go l.renew()
	return l, nil
}

// renew extends the lease until the runner stops.
func (l *runLease) renew() {
	defer l.wg.Done()
	t := time.NewTicker(leaseRenew)
	defer t.Stop()
	for {
		select {
		case <-l.done:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), leaseRenew)
		err := l.db.tx(ctx, func(tx *gorm.DB) error {
			return tx.Model(&runRow{}).Where("id = ? AND runner = ?", l.id, l.token).
				Update("lease_until", leaseMS(leaseFor)).Error
		})
		cancel()
		if err != nil {
			l.db.Log.Warn("issue lease not renewed", "job", l.id, "err", err)
		}
	}
}

// stop ends the renewals; a run left running (done) keeps its row as is.
func (l *runLease) stop() {
	select {
	case <-l.done:
	default:
		close(l.done)
	}
	l.wg.Wait()
}

// release hands the lease back after the runner stopped on cause: the run
// is interrupted when ctx was cancelled (told to stop), failed otherwise,
// with the reason; either way it stays resumable from its cursor. It runs
// on its own context, since the caller's is often the one that ended.
func (l *runLease) release(ctx context.Context, cause error) {
	l.stop()
	if l.token == "" {
		return
	}
	status, msg := policy.RunInterrupted, "已中断，重新运行同一出单即从中断处继续"
	if ctx.Err() == nil {
		status, msg = policy.RunFailed, znb.ErrorOf(cause).Message
		if e := znb.ErrorOf(cause); e.Kind == znb.Internal && e.Err != nil {
			msg = e.Err.Error()
		}
	}
	wctx, cancel := context.WithTimeout(context.Background(), busyWait)
	defer cancel()
	err := l.db.tx(wctx, func(tx *gorm.DB) error {
		return tx.Model(&runRow{}).Where("id = ? AND runner = ? AND status <> ?", l.id, l.token, string(policy.RunDone)).
			Updates(map[string]any{"status": string(status), "error": msg, "runner": "", "lease_until": 0,
				"updated_at": l.db.nowMS()}).Error
	})
	if err != nil {
		l.db.Log.Warn("issue run not marked stopped", "job", l.id, "status", status, "err", err)
	}
}
