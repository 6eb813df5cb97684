package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// TestBackupUnderLoad backs an SQLite database up while four clients
// report claims, restores the copy into a fresh database and compares
// every table with the live one: the copy is the live database as it stood
// at one instant — tables the reports do not touch are equal, the ones they
// grow hold a subset of the live rows, and every claim in the copy has its
// event and its audit entry, every event and entry its claim. The restored
// audit chain verifies and is the start of the live one.
func TestBackupUnderLoad(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	w := newClaimWorld(t, db, "znb-standard")
	causes := []string{"火灾", "爆炸", "地震", "自然灾害"}
	var next, reported atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := int(next.Add(1) - 1)
				if i >= 2*160*len(causes) {
					return
				}
				day := znb.MustDate("2024-01-02").AddDays(i / 2 / len(causes))
				r := w.report(znb.Property, []string{"H1", "H2"}[i%2], 0, day.String(), causes[i/2%len(causes)])
				if _, err := db.ReportClaim(ctx, clerk, r); err != nil {
					errs <- err
					return
				}
				reported.Add(1)
			}
		}()
	}
	for reported.Load() < 100 {
		time.Sleep(time.Millisecond)
	}
	dir := t.TempDir()
	backup := filepath.Join(dir, "backup.db")
	if _, err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	atBackup := reported.Load()
	for reported.Load() < atBackup+100 {
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("report under load: %v", err)
	}

	fresh := "sqlite:" + filepath.Join(dir, "restored", "znb.db")
	if _, err := store.Restore(ctx, backup, fresh, false); err != nil {
		t.Fatalf("restore into a fresh database: %v", err)
	}
	restored, err := store.Open(fresh)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	// Entries still waiting to be chained at the backup's instant are in
	// the copy's audit_pending; the restored service chains them with the
	// installation's key, as this does.
	restored.SetAuditKey(storetest.AuditKey)
	if ran, err := restored.Migrate(ctx); err != nil || len(ran) != 0 {
		t.Fatalf("migrating the restored copy ran %v, %v; want nothing to do", ran, err)
	}
	if err := restored.FlushAudit(ctx); err != nil {
		t.Fatal(err)
	}
	if broken, checked, err := restored.VerifyAudit(ctx); err != nil || broken != 0 {
		t.Fatalf("audit verify on the restored copy: broken at %d of %d, %v", broken, checked, err)
	}
	if err := db.FlushAudit(ctx); err != nil {
		t.Fatal(err)
	}

	live, cp := dump(t, db), dump(t, restored)
	grown := map[string]bool{"claims": true, "claim_events": true, "claim_signals": true, "audit_log": true}
	changed := map[string]bool{"audit_head": true, "claim_counters": true}
	for table, rows := range live {
		c, ok := cp[table]
		switch {
		case !ok:
			t.Errorf("table %s is missing from the copy", table)
		case grown[table]:
			for r := range c {
				if !rows[r] {
					t.Errorf("%s: the copy's row %q is not in the live database", table, r)
				}
			}
		case changed[table]:
			if len(c) != len(rows) {
				t.Errorf("%s: %d rows in the copy, %d live", table, len(c), len(rows))
			}
		default:
			if !equalSets(c, rows) {
				t.Errorf("%s differs: copy %d rows, live %d rows", table, len(c), len(rows))
			}
		}
	}
	claims := column(t, restored, "SELECT claim_no FROM claims")
	if n := int64(len(claims)); n < 100 || n >= int64(len(column(t, db, "SELECT claim_no FROM claims"))) {
		t.Errorf("the copy holds %d claims; want those reported by the backup's instant (≥ 100), fewer than live", n)
	}
	t.Logf("%d tables compared; the copy holds %d claims, the live database %d", len(live), len(claims), len(column(t, db, "SELECT claim_no FROM claims")))
	for no := range claims {
		if n := count(t, restored, "SELECT count(*) FROM claim_events e JOIN claims c ON c.id = e.claim_id WHERE c.claim_no = ?", no); n != 1 {
			t.Errorf("claim %s has %d events in the copy, want 1", no, n)
		}
		if n := count(t, restored, "SELECT count(*) FROM audit_log WHERE action = 'claim.report' AND object = ?", "claim:"+no); n != 1 {
			t.Errorf("claim %s has %d audit entries in the copy, want 1", no, n)
		}
	}
	if n := count(t, restored, "SELECT count(*) FROM claim_events WHERE claim_id NOT IN (SELECT id FROM claims)"); n != 0 {
		t.Errorf("%d events in the copy without their claim", n)
	}
	for object := range column(t, restored, "SELECT object FROM audit_log WHERE action = 'claim.report'") {
		if !claims[strings.TrimPrefix(object, "claim:")] {
			t.Errorf("audit entry for %s in the copy without its claim", object)
		}
	}
	if head, live := count(t, restored, "SELECT seq FROM audit_head"), count(t, db, "SELECT seq FROM audit_head"); head > live {
		t.Errorf("the copy's chain (%d entries) is longer than the live one (%d)", head, live)
	}
}

// TestRestoreRefuses checks what restore will not overwrite or bring back.
func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	dir := t.TempDir()
	backup := filepath.Join(dir, "backup.db")
	if _, err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "live.db")
	live, err := store.Open("sqlite:" + target)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := live.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	live.Close()
	if _, err := store.Restore(ctx, backup, "sqlite:"+target, false); znb.CodeOf(err) != "database_not_empty" {
		t.Errorf("restore over a database with tables: %v, want database_not_empty", err)
	}
	os.Chmod(target, 0o640)
	if _, err := store.Restore(ctx, backup, "sqlite:"+target, true); err != nil {
		t.Errorf("restore --force: %v", err)
	}
	if fi, err := os.Stat(target); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("restored database: %v, %v; want the permissions of the one it replaced (0640)", fi.Mode(), err)
	}
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte("not a database at all, just text that is long enough to be read as one page"), 0o644)
	if _, err := store.Restore(ctx, junk, "sqlite:"+filepath.Join(dir, "new.db"), false); znb.CodeOf(err) != "backup_corrupt" {
		t.Errorf("restore of a text file: %v, want backup_corrupt", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "new.db")); !os.IsNotExist(err) {
		t.Errorf("a refused restore left a database behind: %v", err)
	}
	if _, err := store.Restore(ctx, backup, "mysql:root:@tcp(127.0.0.1:3306)/x", false); znb.CodeOf(err) != "sqlite_only" {
		t.Errorf("restore into MySQL: %v, want sqlite_only", err)
	}
}

// dump reads every table as a set of rows, each row its columns' text.
func dump(t *testing.T, db *store.DB) map[string]map[string]bool {
	t.Helper()
	ctx := context.Background()
	out := map[string]map[string]bool{}
	for table := range column(t, db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
		rows, err := db.Gorm(ctx).Raw("SELECT * FROM " + table).Rows()
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		set := map[string]bool{}
		for rows.Next() {
			vals := rowValues(t, rows, len(cols))
			parts := make([]string, len(vals))
			for i, v := range vals {
				parts[i] = fmt.Sprintf("%v", v)
				if b, ok := v.([]byte); ok {
					parts[i] = string(b)
				}
			}
			set[strings.Join(parts, "\x1f")] = true
		}
		rows.Close()
		out[table] = set
	}
	return out
}

func column(t *testing.T, db *store.DB, query string) map[string]bool {
	t.Helper()
	var vals []string
	if err := db.Gorm(context.Background()).Raw(query).Scan(&vals).Error; err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	for _, v := range vals {
		set[v] = true
	}
	return set
}

func count(t *testing.T, db *store.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm(context.Background()).Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func equalSets(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}
