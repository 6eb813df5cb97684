package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

// On SQLite a writer waits at the gate while another holds it, gives up
// when its context ends, and goes in once the holder commits; MySQL locks
// rows, so a second transaction is not held back at all.
func TestWriteGate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		entered, release, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			held <- db.Tx(ctx, func(tx *gorm.DB) error {
				close(entered)
				<-release
				return tx.Exec("UPDATE settings SET value = value WHERE name = 'none'").Error
			})
		}()
		<-entered
		short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		err := db.Tx(short, func(tx *gorm.DB) error { return nil })
		cancel()
		if db.Dialect == store.SQLite {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("second writer while the gate is held: %v, want deadline exceeded", err)
			}
		} else if err != nil {
			t.Errorf("second transaction on %s: %v, want no wait", db.Dialect, err)
		}
		close(release)
		if err := <-held; err != nil {
			t.Fatalf("holder: %v", err)
		}
		if err := db.Tx(ctx, func(tx *gorm.DB) error { return nil }); err != nil {
			t.Errorf("writer after the holder committed: %v", err)
		}
	})
}
