package store

import (
	"context"
	"sync"
	"time"

	"gorm.io/gorm"
)

// maxGroup bounds how many transactions one SQLite commit carries.
const maxGroup = 64

// group holds the short transactions queued at the SQLite write gate.
type group struct {
	mu   sync.Mutex
	jobs []*groupJob
}

type groupJob struct {
	fn   func(tx *gorm.DB) error
	done chan error
}

// groupTx runs fn in a transaction, as Tx does. On SQLite, transactions that
// queue at the write gate while another writer is in are committed together
// by whichever of them gets in first: one commit writes the pages they share
// (the claims table's last leaf, its indexes' leaves, the audit queue) once
// instead of once each, which is most of a claim report's time behind the
// gate. If any of them fails, the shared transaction is rolled back and each
// runs again alone, so a failure stays with its own caller. fn may therefore
// run twice and must set afresh everything it writes.
func (db *DB) groupTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if db.gate == nil {
		return db.Tx(ctx, fn)
	}
	j := &groupJob{fn: fn, done: make(chan error, 1)}
	g := &db.group
	g.mu.Lock()
	g.jobs = append(g.jobs, j)
	g.mu.Unlock()
	t := time.NewTimer(busyWait)
	defer t.Stop()
	select {
	case err := <-j.done:
		return err
	case db.gate <- struct{}{}:
	case <-t.C:
		if db.unqueue(j) {
			return errBusy()
		}
		return <-j.done // a leader has it
	}
	for {
		select {
		case err := <-j.done:
			db.leaveWrite()
			db.kickChainer()
			return err
		default:
		}
		db.lead(context.WithoutCancel(ctx))
	}
}

// unqueue takes j out of the queue; false if a leader has taken it already.
func (db *DB) unqueue(j *groupJob) bool {
	g := &db.group
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, q := range g.jobs {
		if q == j {
			g.jobs = append(g.jobs[:i], g.jobs[i+1:]...)
			return true
		}
	}
	return false
}

// lead runs the oldest queued transactions in one, holding the gate.
func (db *DB) lead(ctx context.Context) {
	g := &db.group
	g.mu.Lock()
	n := min(len(g.jobs), maxGroup)
	jobs := append([]*groupJob(nil), g.jobs[:n]...)
	g.jobs = append(g.jobs[:0], g.jobs[n:]...)
	g.mu.Unlock()
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, j := range jobs {
			if err := j.fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || len(jobs) == 1 {
		if err == nil {
			db.commits.Add(1)
		}
		for _, j := range jobs {
			j.done <- err
		}
		return
	}
	for _, j := range jobs {
		err := db.gorm.WithContext(ctx).Transaction(j.fn)
		if err == nil {
			db.commits.Add(1)
		}
		j.done <- err
	}
}
