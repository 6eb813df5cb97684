package store

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
)

// Under a steady stream of commits with readers always about, SQLite never
// starts its log again by itself; the checkpointer must, or the log grows
// with every commit (2.5 GB in three claim benchmarks once).
func TestLogStartsAgain(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "wal.db")
	db, err := Open("sqlite:" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.restartFrames.Store(64)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				var n int64
				db.gorm.Raw("SELECT COUNT(*) FROM settings").Scan(&n)
				time.Sleep(time.Millisecond)
			}
		}()
	}
	commits := 0
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); commits++ {
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			return tx.Exec("INSERT INTO settings (name, value) VALUES (?, 'x')", "k"+itoa(int64(commits))).Error
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// Each commit appends two 16 KiB pages or more: never started again, the
	// log ends up about twice the size of one page a commit; started again
	// on the ticks (200 ms) when no reader is in the way, it stays at a few
	// ticks' commits.
	written := int64(commits) * 16 << 10
	t.Logf("log %d KiB after %d commits (%d KiB at one page each)", fi.Size()>>10, commits, written>>10)
	if fi.Size() > written {
		t.Errorf("log is %d KiB after %d commits (%d KiB at one page each): it was not started again", fi.Size()>>10, commits, written>>10)
	}
}
