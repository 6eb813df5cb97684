package store

import (
	"context"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// Rechain recomputes every entry's hash from seq from and moves the head, as
// someone who holds the database and knows the code, but not the audit key,
// would after editing an entry.
func (db *DB) Rechain(ctx context.Context, from int64) error {
	var rows []auditRow
	if err := db.Gorm(ctx).Where("seq >= ?", from-1).Order("seq").Find(&rows).Error; err != nil {
		return err
	}
	for i := 1; i < len(rows); i++ {
		rows[i].PrevHash = rows[i-1].Hash
		rows[i].Hash = entryHash(&rows[i])
		if err := db.Gorm(ctx).Exec("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", rows[i].PrevHash, rows[i].Hash, rows[i].Seq).Error; err != nil {
			return err
		}
	}
	last := rows[len(rows)-1]
	return db.Gorm(ctx).Exec("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", last.Seq, last.Hash).Error
}

// ShiftLeaseClock moves the clock of issue leases on by d for the rest of
// the test, as if that much time had passed for every process.
func ShiftLeaseClock(t interface{ Cleanup(func()) }, d time.Duration) {
	prev := leaseClock
	leaseClock = func() time.Time { return prev().Add(d) }
	t.Cleanup(func() { leaseClock = prev })
}

// LeaseFor is how long an issue lease lasts unless renewed.
const LeaseFor = leaseFor

// SetCoverCacheSize bounds a feed's cache of covers at n persons for the
// rest of the test.
func SetCoverCacheSize(t interface{ Cleanup(func()) }, n int) {
	prev := coverCacheSize
	coverCacheSize = n
	t.Cleanup(func() { coverCacheSize = prev })
}

// HoldReports keeps every writer's slot until release, so that the reports
// made meanwhile queue and are then checked and written as one group.
func (db *DB) HoldReports() (release func()) {
	for range cap(db.slots) {
		db.slots <- struct{}{}
	}
	return func() {
		for range cap(db.slots) {
			<-db.slots
		}
	}
}

// QueuedReports is how many reports wait for a group's leader.
func (db *DB) QueuedReports() int {
	db.reports.mu.Lock()
	defer db.reports.mu.Unlock()
	return len(db.reports.jobs)
}

// OnListRead has every reconciliation call fn once it has read its list,
// before it reconciles a row, for the rest of the test.
func OnListRead(t interface{ Cleanup(func()) }, fn func()) {
	prev := listRead
	listRead = fn
	t.Cleanup(func() { listRead = prev })
}

// MigrateTo applies the migrations up to the file named last.
func (db *DB) MigrateTo(ctx context.Context, last string) ([]string, error) {
	return db.migrate(ctx, last)
}

// TakeClaimNos takes n claim numbers at once (n = 0: one, as a report does).
func (db *DB) TakeClaimNos(ctx context.Context, today znb.Date, n int) ([]string, error) {
	if n == 0 {
		no, err := db.claimNo(ctx, today)
		return []string{no}, err
	}
	return db.claimNos(ctx, today, n)
}

// SetSettlementSets makes the feed's settlement sets at most lines bytes
// and its buffer of open sets buffer bytes.
func SetSettlementSets(t interface{ Cleanup(func()) }, lines, buffer int) {
	l, b := setLines, setBuffer
	setLines, setBuffer = lines, buffer
	t.Cleanup(func() { setLines, setBuffer = l, b })
}

// SetAutoGroups makes the automatic illness claims go group households to
// a group and span groups to a transaction, and calls written as each
// group's writes start (nil: nothing), failing the group when it fails.
func SetAutoGroups(t interface{ Cleanup(func()) }, group, span int, written func() error) {
	g, s, w := autoGroup, autoSpan, autoWritten
	autoGroup, autoSpan, autoWritten = group, span, written
	t.Cleanup(func() { autoGroup, autoSpan, autoWritten = g, s, w })
}

// HoldRevisionReads runs f after each read of the account revision, before
// the callers waiting on it get the number; set before the calls begin.
func (db *DB) HoldRevisionReads(f func()) { db.keys.held = f }
