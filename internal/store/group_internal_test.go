package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
)

// Transactions that queue while the gate is held are committed as one; when
// one of them fails, only it fails and the others are still committed. The
// group exists on SQLite only (MySQL has no gate); TestConcurrentReports
// checks on both engines what callers see.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	db, err := Open("sqlite:" + filepath.Join(t.TempDir(), "group.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	bad := errors.New("refused")
	for _, failing := range []int{-1, 3} {
		t.Run(fmt.Sprintf("failing=%d", failing), func(t *testing.T) {
			const n = 6
			release, err := db.enterWrite(ctx)
			if err != nil {
				t.Fatal(err)
			}
			before := db.commits.Load()
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = db.groupTx(ctx, func(tx *gorm.DB) error {
						name := fmt.Sprintf("group-%d-%d", failing, i)
						if err := tx.Exec("INSERT INTO settings (name, value) VALUES (?, 'x')", name).Error; err != nil {
							return err
						}
						if i == failing {
							return bad
						}
						return nil
					})
				}()
			}
			for queued := 0; queued < n; {
				time.Sleep(time.Millisecond)
				db.group.mu.Lock()
				queued = len(db.group.jobs)
				db.group.mu.Unlock()
			}
			release()
			wg.Wait()
			for i, err := range errs {
				if want := error(nil); i == failing {
					want = bad
					if !errors.Is(err, want) {
						t.Errorf("job %d: %v, want %v", i, err, want)
					}
				} else if err != nil {
					t.Errorf("job %d: %v", i, err)
				}
			}
			var stored int64
			db.gorm.Raw("SELECT COUNT(*) FROM settings WHERE name LIKE ?", fmt.Sprintf("group-%d-%%", failing)).Scan(&stored)
			commits := db.commits.Load() - before
			switch {
			case failing < 0 && (stored != n || commits != 1):
				t.Errorf("all good: %d rows in %d commits, want %d in 1", stored, commits, n)
			case failing >= 0 && (stored != n-1 || commits != n-1):
				t.Errorf("one refused: %d rows in %d commits, want %d, each alone", stored, commits, n-1)
			}
		})
	}
}
