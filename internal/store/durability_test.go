package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/zhunongbao/zhunongbao/internal/store"
)

// TestSQLiteSynchronous checks the synchronous pragma every pooled
// connection runs with: FULL (2) unless the operator chose NORMAL (1), and
// the journal size limit that gives a full disk its log back.
func TestSQLiteSynchronous(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		mode string
		want int
	}{{"", 2}, {"full", 2}, {"FULL", 2}, {"normal", 1}} {
		db, err := store.Open("sqlite:"+filepath.Join(t.TempDir(), "s.db"), store.Synchronous(c.mode))
		if err != nil {
			t.Fatal(err)
		}
		sqlDB, err := db.Gorm(ctx).DB()
		if err != nil {
			t.Fatal(err)
		}
		// Hold four connections at once so that each pooled one is asked.
		for i := 0; i < 4; i++ {
			conn, err := sqlDB.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var sync, limit int
			if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
				t.Fatal(err)
			}
			if err := conn.QueryRowContext(ctx, "PRAGMA journal_size_limit").Scan(&limit); err != nil {
				t.Fatal(err)
			}
			if sync != c.want || limit != 64<<20 {
				t.Errorf("Synchronous(%q), connection %d: synchronous = %d, journal_size_limit = %d; want %d, %d",
					c.mode, i, sync, limit, c.want, 64<<20)
			}
		}
		defer db.Close()
	}
	if _, err := store.Open("sqlite:"+filepath.Join(t.TempDir(), "s.db"), store.Synchronous("off")); err == nil {
		t.Error("synchronous off was accepted")
	}
}
