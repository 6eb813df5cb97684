package store

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// claimBlock is how many claim numbers a process reserves at a time.
// Reserving one per report made the day's counter row a queue that every
// report waited in until the one before it had flushed its commit to disk.
const claimBlock = 64

// claimNos hands out the day's claim numbers from a reserved block.
type claimNos struct {
	mu         sync.Mutex
	day        string
	next, last int64
}

// claimNo returns a new claim number CLM{yyyymmdd}{6-digit sequence}. Numbers
// are unique and rise within a day; a block reserved by a process that stops
// leaves a gap, as does a report refused after its number was taken.
func (db *DB) claimNo(ctx context.Context, today znb.Date) (string, error) {
	return db.nextClaimNo(ctx, today, db.Tx)
}

// claimNoHeld is claimNo for a caller that holds the write gate (a report
// group's leader), which must not wait for the gate again.
func (db *DB) claimNoHeld(ctx context.Context, today znb.Date) (string, error) {
	return db.nextClaimNo(ctx, today, func(ctx context.Context, fn func(tx *gorm.DB) error) error {
		err := retrying(ctx, func() error { return db.transaction(ctx, fn) })
		db.committed(err)
		return err
	})
}

// nextClaimNo is claimNo reserving blocks in transactions run by tx. A
// block is reserved without holding the lock: a report group's leader holds
// the write gate while it takes numbers, and must never wait for a caller
// that holds the lock while waiting for the gate.
func (db *DB) nextClaimNo(ctx context.Context, today znb.Date, tx func(context.Context, func(*gorm.DB) error) error) (string, error) {
	n := &db.claims
	day := strings.ReplaceAll(today.String(), "-", "")
	for {
		n.mu.Lock()
		if n.day == day && n.next <= n.last {
			seq := n.next
			n.next++
			n.mu.Unlock()
			return claimNumber(day, seq), nil
		}
		n.mu.Unlock()
		last, err := db.reserveClaimNos(ctx, tx, day, claimBlock)
		if err != nil {
			return "", err
		}
		n.mu.Lock()
		// Another caller may have put a block in hand meanwhile: this one
		// is then a gap, and so is one older than a block already used up,
		// so that numbers still rise.
		if n.day != day || (n.next > n.last && last > n.last) {
			n.day, n.next, n.last = day, last-claimBlock+1, last
		}
		n.mu.Unlock()
	}
}

// claimNumber is the claim number of seq on day (yyyymmdd).
func claimNumber(day string, seq int64) string { return fmt.Sprintf("CLM%s%06d", day, seq) }

// claimNos returns n new claim numbers: what the block in hand has left,
// and the rest reserved in one transaction. A feed or a disaster event
// opens claims by the ten thousand, and taking them a block of claimBlock
// at a time was a commit to disk every claimBlock claims.
func (db *DB) claimNos(ctx context.Context, today znb.Date, n int) ([]string, error) {
	c := &db.claims
	day := strings.ReplaceAll(today.String(), "-", "")
	out := make([]string, 0, n)
	c.mu.Lock()
	for c.day == day && c.next <= c.last && len(out) < n {
		out = append(out, claimNumber(day, c.next))
		c.next++
	}
	c.mu.Unlock()
	rest := int64(n - len(out))
	if rest == 0 {
		return out, nil
	}
	last, err := db.reserveClaimNos(ctx, db.Tx, day, rest)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	// A block another caller put in hand meanwhile is older than these
	// numbers: it becomes a gap, so that numbers still rise.
	if c.day == day && c.last < last {
		c.next = c.last + 1
	}
	c.mu.Unlock()
	for seq := last - rest + 1; seq <= last; seq++ {
		out = append(out, claimNumber(day, seq))
	}
	return out, nil
}

// reserveClaimNos moves the day's counter on by k in its own short
// transaction (run by run) and returns the last number reserved.
func (db *DB) reserveClaimNos(ctx context.Context, run func(context.Context, func(*gorm.DB) error) error, day string, k int64) (int64, error) {
	var last int64
	err := run(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE claim_counters SET seq = seq + ? WHERE day = ?", k, day)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&counterRow{Day: day, Seq: 0}).Error; err != nil {
				return err
			}
			if err := tx.Exec("UPDATE claim_counters SET seq = seq + ? WHERE day = ?", k, day).Error; err != nil {
				return err
			}
		}
		return tx.Raw("SELECT seq FROM claim_counters WHERE day = ?", day).Scan(&last).Error
	})
	return last, znb.Wrap(err, "分配报案号")
}
