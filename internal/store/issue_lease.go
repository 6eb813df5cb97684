package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/shopspring/decimal"
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
	l, err := db.lease(ctx, id, "status <> ? AND (status <> ? OR lease_until < ?)", string(policy.RunDone), string(policy.RunRunning), leaseMS(0))
	if err != nil || l != nil {
		return l, err
	}
	var st string
	if err := db.Gorm(ctx).Raw("SELECT status FROM issue_runs WHERE id = ?", id).Scan(&st).Error; err != nil {
		return nil, znb.Wrap(err, "读取出单任务")
	}
	if policy.RunStatus(st) != policy.RunDone {
		return nil, policy.ErrRunning(id)
	}
	l = &runLease{db: db, id: id, done: make(chan struct{})} // nothing held
	close(l.done)
	return l, nil
}

// stale is the condition of a run whose runner is gone: a run left running
// by a runner whose lease ran out (its process was killed, or lost the
// database for longer than the lease), or one interrupted (its process was
// told to stop). A run being created (running, no runner yet) and a failed
// one wait for someone to start them again.
const stale = "((status = ? AND runner <> '' AND lease_until < ?) OR status = ?)"

func staleArgs() []any {
	return []any{string(policy.RunRunning), leaseMS(0), string(policy.RunInterrupted)}
}

// lease takes run id's lease, in one statement, when the run meets where;
// nil when it does not (someone else has it, or there is nothing to do).
// On Galera two processes may both change the row on their own nodes: one
// of them is refused at commit and, run again, no longer finds the run.
func (db *DB) lease(ctx context.Context, id int64, where string, args ...any) (*runLease, error) {
	b := make([]byte, 12)
	rand.Read(b)
	l := &runLease{db: db, id: id, token: hex.EncodeToString(b), done: make(chan struct{})}
	var took int64
	err := db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&runRow{}).Where("id = ? AND "+where, append([]any{id}, args...)...).
			Updates(map[string]any{"status": string(policy.RunRunning), "runner": l.token, "lease_until": leaseMS(leaseFor)})
		took = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return nil, znb.Wrap(err, "领取出单任务")
	}
	if took == 0 {
		return nil, nil
	}
	l.wg.Add(1)
	go l.renew()
	return l, nil
}

// ResumeStale finds an issue run whose runner is gone (see stale), takes
// its lease and works it to the end as the user who started it; so a run whose process died is finished exactly
// once by whichever process sweeps first, the others finding it taken. It
// returns the run's result, nil when no run waits. A run that can no longer
// be issued (its agreement or its starter changed meanwhile) is marked
// failed with the reason, and starting it again says why.
func (db *DB) ResumeStale(ctx context.Context, o IssueOptions) (*IssueResult, error) {
	var ids []int64
	if err := db.Gorm(ctx).Raw("SELECT id FROM issue_runs WHERE "+stale+" ORDER BY id", staleArgs()...).Scan(&ids).Error; err != nil {
		return nil, znb.Wrap(err, "读取出单任务")
	}
	for _, id := range ids {
		l, err := db.lease(ctx, id, stale, staleArgs()...)
		if err != nil {
			return nil, err
		}
		if l == nil {
			continue // taken by another process since
		}
		var row runRow
		if err := db.Gorm(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
			l.release(ctx, err)
			return nil, znb.Wrap(err, "读取出单任务")
		}
		r, err := db.resumable(ctx, &row)
		if err != nil {
			l.release(ctx, err)
			return &IssueResult{RunID: id, Premium: decimal.Zero}, err
		}
		return db.work(ctx, r, l, o)
	}
	return nil, nil
}

// resumable is row's run as Issue would prepare it for its starter.
func (db *DB) resumable(ctx context.Context, row *runRow) (*run, error) {
	by, err := db.starter(ctx, row.StartedBy)
	if err != nil {
		return nil, err
	}
	r, err := db.prepare(ctx, by, row.AgreementID, row.ListID)
	if err != nil {
		return nil, err
	}
	if r.id != row.ID {
		return nil, znb.Errorf(znb.Internal, "internal", "出单任务 %d 与协议 %d 的当前任务 %d 不符", row.ID, row.AgreementID, r.id)
	}
	return r, nil
}

// starter is the actor who started a run: an enabled account of that
// name, or the operator's command line. A run resumed after a restart acts
// for its starter, so an account disabled or removed meanwhile stops it: a
// fact of the users table, read here.
func (db *DB) starter(ctx context.Context, username string) (znb.Actor, error) {
	var u userRow
	err := db.Gorm(ctx).Where("username = ?", username).Take(&u).Error
	switch {
	case err == nil && u.Disabled == 0:
		return znb.Actor{ID: u.ID, Username: u.Username, Role: znb.Role(u.Role), Scope: u.Scope}, nil
	case err == nil:
		return znb.Actor{}, znb.Errorf(znb.Forbidden, "forbidden", "启动出单的账户 %s 已停用", username)
	case errors.Is(err, gorm.ErrRecordNotFound) && username == znb.System.Username:
		return znb.System, nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return znb.Actor{}, znb.Errorf(znb.Forbidden, "forbidden", "启动出单的账户 %s 不存在", username)
	}
	return znb.Actor{}, znb.Wrap(err, "读取用户")
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
