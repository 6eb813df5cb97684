package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/claim"
)

// On SQLite one writer at a time holds the gate, and a group's commit
// waits for the disk (a sync of a few milliseconds) with the gate held.
// The next group is checked meanwhile by the one leader (db.leading): it
// reads the database in one snapshot and sees the writing group's reports
// as stored claims when the snapshot does not hold them yet, exactly as a
// report sees those before it in its own group; it takes the gate once the
// writing group is done. Its checks are done again behind the gate when
// they may have missed something: the group before it failed (its reports
// were not all stored as checked), or another writer took the gate in
// between.

// reportGroup is a report group being written on SQLite, as the next group
// sees it.
type reportGroup struct {
	rows     []claimRow    // the claims as checked, copied before the write sets their ids
	gen      int64         // db.gateGen while the group holds the gate
	commit   chan struct{} // closed once the group's rows are written, when its commit begins
	finished chan struct{} // closed once the group is written or failed
	failed   bool          // set before finished is closed: the group was not written as checked
}

// committing tells the next group's leader that w's commit begins: from
// then on it only waits for the disk.
func (w *reportGroup) committing() {
	if w == nil {
		return
	}
	select {
	case <-w.commit: // written again after a retry
	default:
		close(w.commit)
	}
}

// done reports whether w is written or failed.
func (w *reportGroup) done() bool {
	select {
	case <-w.finished:
		return true
	default:
		return false
	}
}

// leadNext writes the next group of queued reports; its caller holds
// db.leading, which it gives up as the group's writing begins (or when
// there is nothing to write), so that the group after is checked meanwhile.
// False when no report was queued: another leader has the caller's.
func (db *DB) leadNext(ctx context.Context) bool {
	unlead := func() { <-db.leading }
	prev := db.writing.Load()
	if prev != nil {
		// Taken while prev is still inserting, the group would be only the
		// reports that came during prev's checks; taken as prev's commit
		// begins, it has those that came while prev wrote, and its checks
		// take the time prev waits for the disk.
		select {
		case <-prev.commit:
		case <-prev.finished:
		}
	}
	var jobs []*reportJob
	if prev == nil || prev.done() {
		if !db.takeGate(ctx) {
			unlead()
			return true
		}
		if jobs = db.take(); len(jobs) == 0 {
			<-db.slots
			unlead()
			return false
		}
		db.checkReports(ctx, jobs)
	} else {
		if jobs = db.take(); len(jobs) == 0 {
			unlead()
			return false
		}
		reps := make([]claim.Report, len(jobs))
		for i, j := range jobs {
			reps[i] = j.rep
		}
		fresh := db.checkAhead(ctx, jobs, prev)
		checkedAhead()
		<-prev.finished
		if !db.takeGate(ctx) {
			for _, j := range jobs {
				j.done <- errBusy()
			}
			unlead()
			return true
		}
		if !fresh || db.gateGen.Load() != prev.gen+1 || prev.failed {
			for i, j := range jobs {
				*j = reportJob{by: j.by, in: j.in, rep: reps[i], ev: j.ev, today: j.today, done: j.done}
			}
			db.checkReports(ctx, jobs)
		}
	}
	db.writeDecided(ctx, jobs, unlead)
	<-db.slots
	return true
}

// takeGate takes the gate for a report group; false after busyWait.
func (db *DB) takeGate(ctx context.Context) bool {
	t := time.NewTimer(busyWait)
	defer t.Stop()
	select {
	case db.slots <- struct{}{}:
		db.gateGen.Add(1)
		return true
	case <-t.C:
		return false
	}
}

// startWriting makes the reports of jobs, about to be written behind the gate,
// the group that the next group is checked against; nil on MySQL, where
// groups do not wait for each other.
func (db *DB) startWriting(jobs []*reportJob) *reportGroup {
	if db.leading == nil {
		return nil
	}
	w := &reportGroup{rows: make([]claimRow, len(jobs)), gen: db.gateGen.Load(), commit: make(chan struct{}), finished: make(chan struct{})}
	for i, j := range jobs {
		w.rows[i] = *j.row
	}
	db.writing.Store(w)
	return w
}

// finish ends w's turn behind the gate.
func (w *reportGroup) finish(failed bool) {
	if w != nil {
		w.failed = failed
		close(w.finished)
	}
}

// checkedAhead runs once a group is checked while the one before it is
// written; tests hold it there.
var checkedAhead = func() {}

// checkAhead checks jobs as checkReports does, on one snapshot of the
// database, with prev's reports as stored claims unless the snapshot holds
// them. False when the snapshot holds some of them only (prev failed and
// its reports went one at a time) or could not be read: the checks must be
// done again.
func (db *DB) checkAhead(ctx context.Context, jobs []*reportJob, prev *reportGroup) (fresh bool) {
	err := db.Gorm(ctx).Connection(func(c *gorm.DB) error {
		c = c.Session(&gorm.Session{NewDB: true}) // each statement on its own, on the connection
		// A deferred transaction only reads, and its first read fixes
		// what all of them see.
		if err := c.Exec("BEGIN").Error; err != nil {
			return err
		}
		defer c.Exec("ROLLBACK")
		nos := make([]string, len(prev.rows))
		for i := range prev.rows {
			nos[i] = prev.rows[i].ClaimNo
		}
		var stored int
		if err := c.Raw("SELECT COUNT(*) FROM claims WHERE claim_no IN ?", nos).Scan(&stored).Error; err != nil {
			return err
		}
		if stored != 0 && stored != len(nos) {
			return nil
		}
		fresh = true
		var overlay []claimRow
		if stored == 0 {
			overlay = prev.rows
		}
		db.decideReports(ctx, c, jobs, overlay, db.claimNoAside)
		return nil
	})
	return err == nil && fresh
}
